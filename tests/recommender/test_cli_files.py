"""What `trackfit` reads and writes is a regular file: a pipe, a device or a link is refused
before anything is read or replaced (a pipe would block, /dev/zero never ends, and replacing a
link to /dev/null would replace /dev/null); a line of answers is bounded; closed standard
streams are a message; two outputs of one run never share a temporary file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from webapp.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "questionnaires" / "engineering" / "sample-answers.jsonl"
TRACKFIT = [sys.executable, "-c", "import sys; from webapp.cli import main; sys.exit(main())"]


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def models(tmp_path) -> Path:
    """A copy of the bundled registry, to see that nothing is added to it."""
    shutil.copytree(ROOT / "models", tmp_path / "models")
    return tmp_path / "models"


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "answers.jsonl"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (("recommend", "--input", "{fifo}"), "--input"),
        (("score", "--input", "{fifo}"), "--input"),
        (("train", "--data", "{fifo}"), "--data"),
        (("evaluate", "--data", "{fifo}"), "--data"),
        (("recommend", "--input", "/dev/zero"), "--input"),
        (("train", "--data", "/dev/zero"), "--data"),
    ],
)
def test_a_pipe_or_device_as_input_is_refused_without_reading_it(
    capsys, fifo, models, argv, option
):
    before = listing(models)
    argv = [a.replace("{fifo}", str(fifo)) for a in argv]
    code, out, err = run(capsys, "--models", models, *argv)  # a pipe read would block here
    assert (code, out) == (2, "")
    assert f"{option}: " in err and "is not a regular file (a pipe or device)" in err
    assert listing(models) == before


def test_a_pack_file_that_is_a_pipe_is_named_not_waited_for(capsys, tmp_path):
    pack = tmp_path / "engineering"
    pack.mkdir()
    for source in (ROOT / "questionnaires" / "engineering").iterdir():
        if source.name != "rules.yaml":
            (pack / source.name).write_bytes(source.read_bytes())
    os.mkfifo(pack / "rules.yaml")
    code, _, err = run(capsys, "validate", pack)
    assert code == 2
    assert "rules.yaml: is not a regular file (a folder, pipe or device)" in err


def test_a_line_of_answers_past_a_megabyte_is_refused_as_soon_as_it_is(capsys, tmp_path):
    answers = tmp_path / "answers.jsonl"
    answers.write_text(SAMPLES.read_text().splitlines()[0] + "\n" + "x" * 2_000_000 + "\n")
    code, out, err = run(capsys, "recommend", "--input", answers)
    assert (code, out) == (2, "")
    assert "answers.jsonl:2: is longer than 1,048,576 characters" in err


@pytest.mark.parametrize("target", ["link", "fifo"])
def test_an_output_that_is_a_link_or_pipe_is_not_replaced(capsys, tmp_path, target):
    out = tmp_path / "outcomes.csv"
    if target == "link":
        kept = tmp_path / "kept.csv"
        kept.write_text("kept\n")
        out.symlink_to(kept)
    else:
        os.mkfifo(out)
    code, _, err = run(capsys, "synth", "--n", "5", "--seed", "1", "--out", out)
    assert code == 2
    assert "is a link, pipe or device" in err
    assert out.is_symlink() if target == "link" else out.is_fifo()


def test_an_output_named_like_a_temporary_file_is_written_whole(capsys, tmp_path):
    out, truth = tmp_path / "a.csv", tmp_path / ".a.csv.tmp"
    code, _, _ = run(capsys, "synth", "--n", "5", "--seed", "1", "--out", out, "--truth", truth)
    assert code == 0
    assert out.read_text().startswith("employee_id,")
    assert truth.read_text() != out.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".a.csv.tmp", "a.csv"]
    assert (out.stat().st_mode & 0o644) == 0o644  # readable as any file the user writes


@pytest.mark.parametrize(
    ("argv", "closed", "message"),
    [
        (["recommend", "--input", str(SAMPLES)], "stdout", "standard output is closed"),
        (["train", "--data", "missing.csv"], "stdout", "standard output is closed"),
        (["recommend"], "stdin", "standard input is closed"),
    ],
)
def test_a_closed_standard_stream_is_a_message_not_a_traceback(models, argv, closed, message):
    """The shell's `>&-` and `<&-`: Python then has no sys.stdout or sys.stdin at all."""
    fd, before = (1 if closed == "stdout" else 0), listing(models)
    result = subprocess.run(
        [*TRACKFIT, "--models", str(models), *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        preexec_fn=lambda: os.close(fd),  # the shell's >&- or <&-
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert listing(models) == before


@pytest.mark.parametrize(
    "action",
    [("models", "list"), ("models", "check"), ("models", "promote", "v1"),
     ("models", "check", "v1"), ("recommend", "--version", "v1", "--input",
     "questionnaires/engineering/sample-answers.jsonl")],
)  # fmt: skip
@pytest.mark.parametrize("where", ["/etc/hostname", "missing"])
def test_a_registry_that_is_not_a_folder_is_named(capsys, tmp_path, action, where):
    """Not 'no version v1 in the registry …; versions: none', as if it were an empty one."""
    models = where if where.startswith("/") else tmp_path / where
    code, out, err = run(capsys, "--models", models, *action)
    assert (code, out) == (2, "")
    assert "--models (or TRACKFIT_MODELS) names the model registry folder" in err
    assert "versions: none" not in err


def test_answering_from_a_registry_folder_that_is_not_there_names_the_folder(capsys, tmp_path):
    sample = "questionnaires/engineering/sample-answers.jsonl"
    code, out, err = run(capsys, "--models", tmp_path / "mistyped", "recommend", "--input", sample)
    assert (code, out) == (2, "")
    assert "mistyped: does not exist; --models (or TRACKFIT_MODELS) names the model" in err
    assert "no active model version" not in err


def test_an_empty_registry_says_so_and_a_pointer_to_a_missing_version_is_named(capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, _ = run(capsys, "--models", empty, "models", "list")
    assert code == 0 and "no model versions" in out
    (empty / "active").mkdir()
    (empty / "active" / "engineering").write_text("v42\n")
    code, out, err = run(capsys, "--models", empty, "models", "list")
    assert code == 2 and "engineering (active: v42)" in out
    assert "active/engineering: names v42, which is not in the registry" in err


def test_one_unreadable_pointer_hides_no_other_packs_active_version(capsys, models):
    """A pointer file that holds no version name ('../v1') made `models list` show every
    pack as "active: none" (engineering's v1 still answers everyone) and `models check` stop
    at it, checking no other pack; a history line that does not read stopped the check
    before any pack was tried. Every problem is named in one pass, each good pack checked."""
    (models / "active" / "data-science").write_text("../v1\n")
    code, out, err = run(capsys, "--models", models, "models", "list")
    assert code == 2 and "Traceback" not in err
    assert "engineering (active: v1)" in out and "product-design (active: v2)" in out
    assert "data-science (active: unreadable pointer, see below)" in out
    assert "active/data-science: '../v1' is not a version name" in err
    with (models / "history.jsonl").open("a") as history:
        history.write('{"at": broken\n')
    code, out, err = run(capsys, "--models", models, "models", "check")
    assert code == 2 and "Traceback" not in err
    assert "engineering: v1 usable" in out and "product-design: v2 usable" in out
    assert "active/data-science: '../v1' is not a version name" in err
    assert "history.jsonl:4: is not valid JSON" in err


@pytest.mark.parametrize(
    "argv",
    [
        ("validate", "{name}"),
        ("validate", "./{name}"),
        ("schema", "--pack", "{name}"),
        ("score", "--pack", "{name}", "--input", str(SAMPLES)),
        ("recommend", "--pack", "{name}", "--input", str(SAMPLES)),
    ],
)
def test_a_pack_name_longer_than_a_file_name_is_no_pack_not_a_traceback(capsys, argv):
    """Found by fuzzing the options: a pack name or path of 300 characters (past the 255 a
    file's name may have) was a traceback, "OSError: [Errno 36] File name too long", where
    Path.is_dir says False for a missing folder but raises for a name it cannot look up."""
    name = "a" * 300
    code, out, err = run(capsys, *(part.replace("{name}", name) for part in argv))
    assert (code, out) == (2, "")
    assert "Traceback" not in err and "File name too long" not in err
    assert f"no pack named '{name}'" in err or f"{name}: no such pack folder" in err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        # a word the command does not take, looked at for a hint
        (("validate", "engineering", "{name}"), "unrecognized arguments: {name}"),
        (("models", "list", "--pack", "{name}"), "no pack named '{name}'"),
        (
            ("synth", "--n", "5", "--seed", "1", "--out", "{folder}/{name}.csv"),
            "--out: the file name is 304 bytes long; this folder takes names of at most 255",
        ),
    ],
)
def test_a_name_longer_than_a_file_name_is_named_where_else_it_is_read(
    capsys, tmp_path, argv, said
):
    """The same "File name too long" as a pack's name, where a word is looked at for a hint,
    a pack is named to `models`, and an output file is checked before any work: a traceback,
    a bare system error, and the system's error respectively (found reading the change)."""
    name = "a" * 300
    filled = [part.replace("{name}", name).replace("{folder}", str(tmp_path)) for part in argv]
    try:
        code, out, err = run(capsys, *filled)
    except SystemExit as refused:  # argparse's refusal of the line
        code, (out, err) = refused.code, capsys.readouterr()
    assert (code, out) == (2, "")
    assert "Traceback" not in err and "File name too long" not in err
    assert said.replace("{name}", name) in err
