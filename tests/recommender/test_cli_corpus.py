"""A corpus of malformed `trackfit` invocations: each is refused with a message and exit 1 or
2, never a traceback or a hang, and leaves nothing behind (no output file, no registry change).

Most cases run `main(argv)` in-process (what the console script calls, with stdout and stderr
captured); a representative few run the installed console script in a subprocess too.
`trackfit validate` of packs has its own corpus (tests/recommender/pack).

Output decision: `score` and `recommend` check every input line before writing anything, so a
bad line anywhere (a lone surrogate, a 5000-digit number, 100,000 brackets) leaves stdout empty
and every bad line is listed on stderr; `synth` writes through temporary files renamed at the
end, so a failure leaves no CSV."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from recommender.answer.registry import Registry
from tests.registry_forgery import forged_version
from webapp.cli import main

ROOT = Path(__file__).resolve().parents[2]
FORGED = f"v{len(Registry(ROOT / 'models').versions()) + 1}"  # the next version, forged below
SAMPLES = ROOT / "questionnaires" / "engineering" / "sample-answers.jsonl"
GOOD = SAMPLES.read_text(encoding="utf-8").splitlines()[0]
PER_CASE_SECONDS = 30  # a case that takes longer is a hang


def _line(**changes) -> str:
    person = json.loads(GOOD)
    person.update(changes)
    return json.dumps(person)


def _raw(text: str) -> str:
    """A line of answers whose `answers.la1` is given as raw JSON text."""
    return GOOD.replace('"la1": 2', f'"la1": {text}', 1)


# input files, by name: what they hold (bytes), written into the case's folder
FILES = {
    "empty.jsonl": b"",
    "blank.jsonl": b"\n\n  \n",
    "binary.jsonl": bytes(range(256)) * 4,
    "png.jsonl": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "utf16.jsonl": GOOD.encode("utf-16"),
    "latin1.jsonl": GOOD.replace("sample-1-craft-senior", "Zoë").encode("latin-1"),
    "nul.jsonl": GOOD.encode() + b"\x00\n",
    "deep.jsonl": b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "deep-value.jsonl": _raw("[" * 50_000 + "]" * 50_000).encode(),
    "int-400.jsonl": _raw("9" * 400).encode(),
    "int-5000.jsonl": _raw("9" * 5000).encode(),
    "int-5000-context.jsonl": GOOD.replace(
        '"years_experience": ', '"years_experience": 1' + "0" * 5000 + ', "x": ', 1
    ).encode(),
    "float-huge.jsonl": _raw("1e999").encode(),
    "float-long.jsonl": _raw("1." + "5" * 5000).encode(),
    "nan.jsonl": _raw("NaN").encode(),
    "infinity.jsonl": _raw("-Infinity").encode(),
    # json.dumps writes a lone surrogate as the escape "\ud800", as an attacker would
    "surrogate-second.jsonl": (GOOD + "\n" + _line(employee_id="\ud800")).encode(),
    "surrogate-key.jsonl": _line(answers={"\udfff": 1}).encode(),
    "not-object.jsonl": b"[1, 2, 3]\n",
    "string.jsonl": b'"just text"\n',
    "truncated.jsonl": GOOD[: len(GOOD) // 2].encode(),
    "duplicate.jsonl": (GOOD + "\n" + GOOD + "\n").encode(),
    "wrong-types.jsonl": _line(employee_id=7, answers=[1], context="x", timings=3).encode(),
    "long-line.jsonl": b"{" + b" " * 3_000_000 + b"\n",
    "outcomes-empty.csv": b"",
    "outcomes-binary.csv": bytes(range(256)) * 8,
    "outcomes-header.csv": b"employee_id,track_taken,success\n",
    "outcomes-junk.csv": b'a,b\n"unclosed,1\n',
}


def case(*argv, stdin=None, subprocess=False, id=None):
    """One malformed invocation; `{dir}` in an argument is the case's folder."""
    return pytest.param((argv, stdin, subprocess), id=id or " ".join(argv)[:70])


INPUT_COMMANDS = (("score",), ("recommend",))
CORPUS = [
    # score / recommend: every malformed input file, and stdin
    *[
        case(*command, "--input", f"{{dir}}/{name}", id=f"{command[0]} {name}")
        for command in INPUT_COMMANDS
        for name in FILES
        if name.endswith(".jsonl")
    ],
    case("score", stdin="[" * 100_000, id="score stdin deep"),
    case("recommend", stdin=_line(employee_id="ok") + "\n" + _raw("9" * 5000), id="stdin int"),
    case("score", stdin="", id="score stdin empty"),
    case("score", "--input", "{dir}/missing.jsonl"),
    case("score", "--input", "{dir}"),
    case("score", "--input", "{dir}/empty.jsonl/x"),
    case("recommend", "--input", "{dir}", subprocess=True, id="recommend --input DIR (process)"),
    case("score", "--pack", "{dir}/no-pack"),
    case("score", "--pack", "../../etc"),
    case("recommend", "--version", "../v1", "--input", str(SAMPLES)),
    case("recommend", "--version", "v" + "9" * 5000, "--input", str(SAMPLES)),
    case("recommend", "--version", "v1\x00", "--input", str(SAMPLES)),
    case("recommend", "--models", "{dir}/empty.jsonl", "--input", str(SAMPLES)),
    case("recommend", "--models", "{dir}/nothing", "--input", str(SAMPLES)),
    case("schema", "--pack", "{dir}/binary.jsonl"),
    case("schema", "--pack", "{dir}/missing"),
    # synth
    case("synth", "--n", "5", "--seed", "-1", "--out", "{dir}/o.csv", subprocess=True),
    case("synth", "--n", "-5", "--seed", "1", "--out", "{dir}/o.csv"),
    case("synth", "--n", "0", "--seed", "1", "--out", "{dir}/o.csv"),
    case("synth", "--n", "1" + "0" * 20, "--seed", "1", "--out", "{dir}/o.csv"),
    case(
        "synth",
        "--n",
        "9" * 5000,
        "--seed",
        "1",
        "--out",
        "{dir}/o.csv",
        id="synth --n 5000 digits",
    ),
    case(
        "synth",
        "--n",
        "5",
        "--seed",
        "9" * 5000,
        "--out",
        "{dir}/o.csv",
        id="synth --seed 5000 digits",
    ),
    case("synth", "--n", "5", "--seed", "1" + "0" * 19, "--out", "{dir}/o.csv"),
    case("synth", "--n", "five", "--seed", "1", "--out", "{dir}/o.csv"),
    case("synth", "--n", "1e3", "--seed", "1", "--out", "{dir}/o.csv"),
    case("synth", "--n", "5", "--seed", "1", "--out", "{dir}"),
    case("synth", "--n", "5", "--seed", "1", "--out", "{dir}/missing/o.csv"),
    case("synth", "--n", "5", "--seed", "1", "--out", "{dir}/o.csv", "--truth", "{dir}"),
    case("synth", "--n", "5", "--seed", "1", "--out", "{dir}/o.csv", "--truth", "{dir}/o.csv"),
    case("synth", "--n", "5", "--seed", "1", "--out", "{dir}/o.csv", "--pack", "{dir}/nope"),
    case("synth", "--n", "5", "--seed", "1"),
    # train and evaluate on data
    case("train", "--data", "{dir}/missing.csv"),
    case("train", "--data", "{dir}"),
    case("train", "--data", "{dir}/outcomes-empty.csv"),
    case("train", "--data", "{dir}/outcomes-binary.csv"),
    case("train", "--data", "{dir}/outcomes-header.csv", subprocess=True),
    case("train", "--data", "{dir}/outcomes-junk.csv"),
    case("train", "--data", "{dir}/outcomes-header.csv", "--sensitive", "x" * 10_000),
    case("evaluate", "--data", "{dir}/outcomes-binary.csv"),
    case("evaluate", "--data", "{dir}"),
    # evaluate's numbers
    case("evaluate", "--sizes", "garbage"),
    case("evaluate", "--sizes", ""),
    case("evaluate", "--sizes", ",,,"),
    case("evaluate", "--sizes", "50"),
    case("evaluate", "--sizes", "300,-1"),
    case("evaluate", "--sizes", "9" * 5000, id="evaluate --sizes 5000 digits"),
    case("evaluate", "--sizes", "1e6"),
    case("evaluate", "--sizes", "300;1000"),
    case("evaluate", "--sizes", "300", "--seeds", "0"),
    case("evaluate", "--sizes", "300", "--seeds", "1" + "0" * 12),
    case("evaluate", "--sizes", "300", "--test-n", "1" + "0" * 12, id="evaluate huge --test-n"),
    case("evaluate", "--sizes", "300", "--test-n", "5"),
    case("evaluate", "--sizes", "300", "--seed", "-3"),
    case("evaluate", "--truths", "nope"),
    case("evaluate", "--truths", ","),
    case("evaluate", "--prior", "v99"),
    case("evaluate", "--prior", "../v1"),
    case("evaluate", "--prior", "v" + "1" * 5000, id="evaluate --prior 5000 digits"),
    case("evaluate", "--prior", "active", "--models", "{dir}/registry-bad-active"),
    # models
    case("models", "promote"),
    case("models", "promote", "v99"),
    case("models", "promote", "../v1"),
    case("models", "promote", "/etc/passwd"),
    case("models", "promote", "v" + "1" * 5000, id="models promote 5000 digits"),
    case("models", "promote", "v2", "--pack", "{dir}/nope", id="models promote --pack missing"),
    case("models", "check", "v99"),
    case("models", "check", "..", id="models check .."),
    case("models", "rollback"),
    case("models", "delete"),
    case("models", "build-default", "--evaluate", "x"),
    case("models", "list", "--models", "{dir}/binary.jsonl"),
    case("models", "list", "--models", "{dir}/registry-bad-manifest", subprocess=True),
    case("models", "check", "--models", "{dir}/registry-bad-manifest"),
    case("models", "list", "--models", "{dir}/registry-bad-active"),
    case("models", "check", "--models", "{dir}/registry-bad-active"),
    case("models", "check", "--models", "{dir}/registry-bad-history"),
    case("models", "rollback", "--models", "{dir}/registry-bad-history"),
    case("models", "promote", "v1", "--models", "{dir}/registry-bad-manifest"),
    case("models", "promote", FORGED, "--models", "{dir}/registry-nan-version"),
    case("models", "check", FORGED, "--models", "{dir}/registry-nan-version"),
    case(
        "recommend",
        "--version",
        FORGED,
        "--models",
        "{dir}/registry-nan-version",
        "--input",
        str(SAMPLES),
    ),
    # the web app's commands
    case("tokens", "create"),
    case("tokens", "revoke"),
    case("users", "add"),
    case("serve", "--port", "99999999"),
    case("serve", "--port", "9" * 5000, id="serve --port 5000 digits"),
    case("tokens", "revoke", "--id", "9" * 5000, id="tokens revoke --id 5000 digits"),
    # the command line itself
    case(),
    case("nonsense"),
    case("--models"),
]


def _registries(folder: Path) -> None:
    """Broken copies of the bundled registry, and one with a NaN version (hash matching)."""
    import numpy as np  # noqa: PLC0415

    for name, (file, content) in {
        "registry-bad-manifest": ("v1/manifest.json", b'{"sha256": [1], "data": 3'),
        "registry-bad-active": ("active/engineering", b"../../etc\x00"),
        "registry-bad-history": ("history.jsonl", b'{"action": "promote"}\n[1\n'),
        "registry-nan-version": (None, None),
    }.items():
        shutil.copytree(ROOT / "models", folder / name)
        if file:
            (folder / name / file).write_bytes(content)
    forged = forged_version(
        folder / "registry-nan-version",
        lambda arrays: arrays.update(centre=np.full_like(arrays["centre"], np.nan)),
    )
    assert forged == FORGED


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for name, content in FILES.items():
        (folder / name).write_bytes(content)
    _registries(folder)
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _in_process(argv: list[str], stdin: str | None, monkeypatch, capsys) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
    outcome: list = []

    def run():
        try:
            outcome.append(main(argv))
        except SystemExit as exit_:  # argparse's usage errors
            outcome.append(exit_.code)
        except BaseException as error:  # reported below as the failure it is
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(PER_CASE_SECONDS)
    assert not thread.is_alive(), f"trackfit {argv} did not finish in {PER_CASE_SECONDS} s"
    out, err = capsys.readouterr()
    if isinstance(outcome[0], BaseException):
        raise AssertionError(f"trackfit {argv} raised {outcome[0]!r}\n{err}") from outcome[0]
    return outcome[0], out, err


def _in_subprocess(argv: list[str], stdin: str | None, cwd: Path) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from webapp.cli import main; sys.exit(main())", *argv],
        input=(stdin or "").encode(),
        capture_output=True,
        timeout=PER_CASE_SECONDS,
        cwd=cwd,
        check=False,
    )
    return (
        done.returncode,
        done.stdout.decode(errors="replace"),
        done.stderr.decode(errors="replace"),
    )


@pytest.mark.parametrize("invocation", CORPUS)
def test_a_malformed_invocation_is_a_message_and_leaves_nothing_behind(
    invocation, inputs, tmp_path, monkeypatch, capsys
):
    argv, stdin, in_subprocess = invocation
    work = tmp_path / "work"
    shutil.copytree(inputs, work)
    models = tmp_path / "models"
    shutil.copytree(ROOT / "models", models)
    monkeypatch.setenv("TRACKFIT_MODELS", str(models))
    monkeypatch.setenv("SECRET_KEY", "corpus")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'corpus.sqlite3'}")
    monkeypatch.chdir(tmp_path)
    argv = [arg.replace("{dir}", str(work)) for arg in argv]
    before = _snapshot(work), _snapshot(models)
    if in_subprocess:
        code, out, err = _in_subprocess(argv, stdin, tmp_path)
    else:
        code, out, err = _in_process(argv, stdin, monkeypatch, capsys)
    assert code in (1, 2), (code, out[:300], err[:2000])
    assert "Traceback" not in err, err[-3000:]
    assert err.strip(), "a refusal says why"
    assert out == "" or argv[:2] in (["models", "list"],), out[:300]
    assert (_snapshot(work), _snapshot(models)) == before, "something was written"
    assert sorted(p.name for p in work.iterdir()) == sorted(p.name for p in inputs.iterdir())


def test_the_corpus_covers_every_command_but_validate():
    commands = {argv[0] for ((argv, _, _),) in (p.values for p in CORPUS) if argv}
    assert commands >= {
        "score",
        "recommend",
        "schema",
        "synth",
        "train",
        "evaluate",
        "models",
        "tokens",
        "users",
        "serve",
    }
    assert len(CORPUS) >= 60
