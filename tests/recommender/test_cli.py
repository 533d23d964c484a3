"""The trackfit command line: exit codes, JSON out, bad input named by line and field."""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import io
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.answer.answers import read_answers_jsonl
from recommender.answer.batch import check_answers_jsonl
from recommender.cli import build_parser
from recommender.errors import AnswersInvalid
from recommender.pack.loading import load_pack
from webapp.cli import add_web_commands

ROOT = Path(__file__).resolve().parents[2]
DESIGN_CONSTRUCTS = 10
DESIGN_COMPETENCIES = 9


def test_validate_the_default_pack(trackfit):
    code, out, _ = trackfit("validate", "questionnaires/engineering")
    assert code == 0
    assert "engineering@1 is valid" in out


def test_validate_a_broken_copy_exits_2_listing_the_problem(trackfit, pack_copy):
    folder = pack_copy()
    questionnaire = folder / "questionnaire.yaml"
    text = questionnaire.read_text(encoding="utf-8")
    questionnaire.write_text(
        text.replace("construct: org_influence", "construct: org_inflence", 1), encoding="utf-8"
    )
    code, out, err = trackfit("validate", str(folder))
    assert code == 2
    assert out == ""
    assert "questionnaire.yaml:" in err and "'org_inflence' is not a construct" in err
    assert "Traceback" not in err


def test_validate_lists_the_rules_problems_beside_a_questionnaire_that_does_not_read(
    trackfit, pack_copy
):
    """Every problem listed (DESIGN.md): a misspelt construct in questionnaire.yaml leaves
    unchecked only the rules' construct names, not a track or a key rules.yaml gets wrong."""
    folder = pack_copy()
    questionnaire, rules = folder / "questionnaire.yaml", folder / "rules.yaml"
    text = questionnaire.read_text(encoding="utf-8")
    questionnaire.write_text(
        text.replace("construct: org_influence", "construct: org_inflence", 1), encoding="utf-8"
    )
    text = rules.read_text(encoding="utf-8")
    rules.write_text(
        text.replace("choose_track: ic", "choose_track: icc", 1).replace(
            "priority: 70", "priority: 70\n    bogus: 1", 1
        ),
        encoding="utf-8",
    )
    code, out, err = trackfit("validate", str(folder))
    assert code == 2 and out == ""
    assert "'org_inflence' is not a construct" in err
    assert "rule 'needs-interest': 'icc' is not a track (ic, manager)" in err
    assert "rules.yaml:36: rules[2].bogus: is not a known field here" in err
    assert err.startswith("pack is invalid: 3 problems")
    assert "(not checked yet: rules.yaml's construct fields, until questionnaire.yaml reads)" in err


def test_validate_checks_the_packs_sample_answers_every_line_in_one_pass(trackfit, pack_copy):
    folder = pack_copy()
    code, out, _ = trackfit("validate", str(folder))
    assert code == 0 and out.rstrip().endswith("6 sample answers that fit it")
    samples = folder / "sample-answers.jsonl"
    lines = samples.read_text().splitlines()
    lines[1] = lines[1].replace('"la1": ', '"la1": 9, "was_la1": ', 1)
    samples.write_text("\n".join([*lines, '{"employee_id": "x"']) + "\n")
    code, out, err = trackfit("validate", str(folder))
    assert code == 2 and out == ""
    assert "the pack reads, but its sample answers do not fit it: " in err
    assert "sample-answers.jsonl:2: answers.la1: 9 is not a scale point" in err
    assert "sample-answers.jsonl:7: is not valid JSON" in err


def test_validate_says_which_pack_it_checked_when_a_folder_here_has_the_installed_name(
    trackfit, pack_copy, tmp_path, monkeypatch
):
    """An author editing ./engineering who types `validate engineering` must not read 'valid'
    about the installed pack and think their folder passed."""
    folder = pack_copy("engineering")  # tmp_path/engineering
    (folder / "framework.yaml").write_text("tracks: [", encoding="utf-8")
    monkeypatch.chdir(folder.parent)
    code, out, err = trackfit("validate", "engineering")
    assert code == 0 and "engineering@1 is valid" in out
    assert "the folder ./engineering here is not used (give it as ./engineering to use" in err
    for command in (("schema", "--pack"), ("recommend", "--input", "-", "--pack")):
        code, _, err = trackfit(*command, "engineering", stdin="")
        assert "the folder ./engineering here is not used" in err
    code, _, err = trackfit("validate", "./engineering")
    assert code == 2 and "framework.yaml:1" in err and "installed pack" not in err


def test_validate_a_folder_that_is_not_there(trackfit, tmp_path):
    code, _, err = trackfit("validate", str(tmp_path / "nope"))
    assert code == 2 and "no such pack folder" in err


@pytest.mark.parametrize("command", [("validate",), ("schema", "--pack"), ("evaluate", "--pack")])
def test_a_pack_name_that_is_not_there_lists_the_packs_and_not_where_they_are_installed(
    trackfit, command
):
    code, out, err = trackfit(*command, "enginering")
    assert code == 2 and out == ""
    assert "no pack named 'enginering'; the packs are data-science, engineering," in err
    assert "did you mean 'engineering'?" in err
    assert str(ROOT) not in err


@pytest.mark.parametrize("command", [("validate",), ("schema", "--pack")])
@pytest.mark.parametrize("blank", ["", "  "])
def test_an_empty_pack_name_is_refused_naming_the_packs(trackfit, command, blank):
    """'' named the folder of the packs itself, read as one pack missing every file."""
    code, out, err = trackfit(*command, blank)
    assert code == 2 and out == ""
    assert "an empty pack name; give a pack's name (data-science, engineering," in err
    assert "file is missing" not in err


def test_schema_lists_constructs_competencies_items_and_tracks(trackfit):
    code, out, _ = trackfit("schema")
    schema = json.loads(out)
    assert code == 0
    assert len(schema["constructs"]) == DESIGN_CONSTRUCTS
    assert len(schema["competencies"]) == DESIGN_COMPETENCIES
    assert {field["id"] for field in schema["context"]} == {
        "years_experience",
        "years_at_level",
        "direct_reports",
        "current_track",
        "current_level",
    }
    likert = [item for item in schema["items"] if item["kind"] == "likert"]
    assert all({"id", "construct", "min", "max", "reverse"} <= set(item) for item in likert)
    attention = [item for item in schema["items"] if item["kind"] == "attention"]
    assert all("expected" in item for item in attention)
    tracks = {track["id"]: track for track in schema["tracks"]}
    assert tracks["manager"]["branch_grade"] == 3
    assert [lv["grade"] for lv in tracks["ic"]["levels"]] == sorted(
        lv["grade"] for lv in tracks["ic"]["levels"]
    )
    # DESIGN's contract: items (id, kind, construct/competency, scale, reverse), context
    # fields, tracks, levels
    for item in schema["items"]:
        assert {"id", "kind", "construct", "competency", "scale", "reverse"} <= set(item)
        assert (item["scale"]["min"], item["scale"]["max"]) == (item["min"], item["max"])
    assert schema["items"][0]["scale"]["id"] == "agree5"
    assert len(schema["items"][0]["scale"]["labels"]) == 5
    in_ladders = {lv["id"] for track in schema["tracks"] for lv in track["levels"]}
    assert {lv["id"] for lv in schema["levels"]} == in_ladders
    shared = next(lv for lv in schema["levels"] if lv["id"] == "L1")
    assert shared["tracks"] == ["ic", "manager"]


def test_schema_of_another_pack(trackfit):
    code, out, _ = trackfit("schema", "--pack", "product-design")
    assert code == 0 and json.loads(out)["pack"] == "product-design@2"


def test_score_writes_one_profile_per_line(trackfit):
    code, out, _ = trackfit("score", "--input", "questionnaires/engineering/sample-answers.jsonl")
    lines = out.splitlines()
    assert code == 0
    assert len(lines) == 6
    first = json.loads(lines[0])
    assert first["pack"] == "engineering@1"
    assert len(first["constructs"]) == DESIGN_CONSTRUCTS


def test_score_reads_stdin(trackfit):
    line = json.dumps({"employee_id": "e-1", "answers": {"rate_delivery": 3}})
    code, out, _ = trackfit("score", stdin=line + "\n\n")
    assert code == 0
    assert json.loads(out)["competencies"]["delivery"] == 3


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "stdin:2: is not valid JSON"),
        # a line cut short is wrong where it ends, not on the line after
        ('{"employee_id": "a", "answers": {', "enclosed in double quotes at column 34)"),
        ('["a list"]', "stdin:2: (line): must be a JSON object"),
        ('{"answers": {}}', "stdin:2: employee_id: is missing: every line names the person"),
        ('{"employee_id": null}', "stdin:2: employee_id: must be non-empty text, not null"),
        ('{"employee_id": " "}', "stdin:2: employee_id: must be non-empty text"),
        (
            '{"employee_id": "x", "answers": {"rate_delivery": 9}}',
            "stdin:2: answers.rate_delivery: 9 is not an anchored statement",
        ),
        (
            '{"employee_id": "x", "answers": {"rate_delivery": "three"}}',
            "stdin:2: answers.rate_delivery: must be a number, not text 'three'",
        ),
        ('{"employee_id": "x", "answers": {"rate_delivry": 3}}', "did you mean 'rate_delivery'?"),
        (
            '{"employee_id": "x", "context": {"current_level": "L9"}}',
            "context.current_level: 'L9' is not one of",
        ),
        (
            '{"employee_id": "x", "context": {"current_track": "manager", "current_level": "L4"}}',
            "context.current_level: L4 is not a level of the manager track",
        ),
        (
            '{"employee_id": "x", "context": {"years_experience": 2, "years_at_level": 9}}',
            "context.years_at_level: 9 years at the current level is more than the 2 years",
        ),
        ('{"employee_id": "x", "timings": {"nowhere": 3}}', "timings.nowhere: is not a section"),
        ('{"employee_id": "ok-1"}', "employee_id: 'ok-1' already appeared on line 1"),
    ],
)
def test_score_names_the_bad_line_and_field_and_writes_nothing(trackfit, line, expected):
    good = json.dumps({"employee_id": "ok-1", "answers": {"rate_delivery": 3}})
    code, out, err = trackfit("score", stdin=f"{good}\n{line}\n")
    assert code == 2
    assert out == ""  # nothing half-written
    assert expected in err
    assert "Traceback" not in err


def test_score_lists_every_bad_line(trackfit):
    lines = "\n".join(['{"employee_id": 1}', "nope", '{"employee_id": "a", "x": 1}'])
    code, _, err = trackfit("score", stdin=lines)
    assert code == 2
    assert "3 problems" in err
    assert "stdin:1:" in err and "stdin:2:" in err and "stdin:3: x:" in err


def test_score_a_missing_input_file(trackfit, tmp_path):
    code, _, err = trackfit("score", "--input", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "cannot be read" in err


def test_score_input_that_is_not_utf8(trackfit, tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"employee_id": "Zoë"}\n'.encode("latin-1"))
    code, _, err = trackfit("score", "--input", str(path))
    assert code == 2 and "not UTF-8" in err and "Traceback" not in err


def _installed_trackfit() -> str:
    beside_python = Path(sys.executable).with_name("trackfit")
    return str(beside_python) if beside_python.exists() else shutil.which("trackfit")


@pytest.mark.parametrize("command", [["score"], ["recommend"], ["recommend", "--chunk", "1"]])
def test_stdin_that_is_not_utf8_names_its_line_and_byte(command):
    """Piped bytes that are not UTF-8 (a Latin-1 export): the line and the byte, no
    traceback, nothing written."""
    sample = (ROOT / "questionnaires/engineering/sample-answers.jsonl").read_bytes()
    piped = sample.splitlines(keepends=True)[0] + '{"employee_id": "Zoë"}\n'.encode("latin-1")
    result = subprocess.run(
        [_installed_trackfit(), *command], input=piped, capture_output=True, check=False
    )
    err = result.stderr.decode()
    assert result.returncode == 2 and result.stdout == b"", err
    assert "stdin:2: is not UTF-8 text (byte 0xEB at column 20)" in err
    assert "Traceback" not in err


def test_a_key_given_twice_is_refused_naming_the_line(trackfit, tmp_path):
    line = (ROOT / "questionnaires/engineering/sample-answers.jsonl").read_text().splitlines()[0]
    twice = line.replace('"employee_id": ', '"employee_id": "a", "employee_id": ', 1)
    path = tmp_path / "twice.jsonl"
    path.write_text(f"{line}\n{twice}\n", encoding="utf-8")
    code, out, err = trackfit("recommend", "--input", str(path))
    assert code == 2 and out == ""
    assert 'twice.jsonl:2: is not valid JSON (the key "employee_id" appears twice' in err
    assert "silently win)" in err  # no column: the key's first or an escaped spelling misleads


def _options(parser: argparse.ArgumentParser) -> set[str]:
    """The long options a parser and the commands under it take (--help aside)."""
    found = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found |= {o for sub in action.choices.values() for o in _options(sub)}
        found |= {o for o in action.option_strings if o.startswith("--") and o != "--help"}
    return found


def test_the_readme_lists_every_command_with_every_option_it_takes():
    """README's "Command line" block names each command of `trackfit` and, in that command's
    lines, each of its options, as `trackfit <command> --help` has them."""
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Command line\n")[1]
    block = section.split("```\n", 2)[1]
    lines_of: dict[str, str] = {}
    command = None
    for line in block.splitlines():
        if line.startswith("trackfit "):
            command = line.split()[1]
        if command:
            lines_of[command] = lines_of.get(command, "") + line + "\n"
    parser = build_parser(add_web_commands)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    unlisted = [
        f"{name} {option}" if name in lines_of else name
        for name, sub in commands.choices.items()
        for option in (sorted(_options(sub)) if name in lines_of else [None])
        if name not in lines_of or not re.search(re.escape(option) + r"(?![\w-])", lines_of[name])
    ]
    assert unlisted == []


def test_the_installed_console_script_runs():
    result = subprocess.run(
        [_installed_trackfit(), "validate", "product-design"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "product-design@2 is valid" in result.stdout


def test_synthetic_data_for_a_pack_with_a_construct_of_its_own_says_what_it_cannot_mean(
    trackfit, pack_with_own_construct, tmp_path
):
    note = "the synthetic generator has no trait for construct user_empathy"
    pack = str(pack_with_own_construct)
    code, _, err = trackfit("synth", "--pack", pack, "--n", "50", "--seed", "1",
                            "--out", str(tmp_path / "o.csv"))  # fmt: skip
    assert code == 0 and note in err
    assert "ue1" in (tmp_path / "o.csv").read_text(encoding="utf-8").splitlines()[0]
    code, out, err = trackfit("evaluate", "--pack", pack, "--sizes", "300", "--seeds", "1",
                              "--test-n", "500", "--truths", "baseline")  # fmt: skip
    assert code == 0 and note in err and "300 |" in out
    # coverage of each track beside both, and the peers' AUC and Brier beside trackfit's
    assert "| cover    ic   mgr width" in out
    assert "ROC AUC ic |       ROC AUC mgr |" in out and "(each: trackfit, logit, gbm" in out
    assert len([line for line in out.splitlines() if line.startswith("   300 |")]) == 2
    code, _, err = trackfit("--models", str(tmp_path / "models"), "models", "build-default",
                            "--pack", pack)  # fmt: skip
    assert code == 0 and note in err and "Traceback" not in err
    card = (tmp_path / "models" / "v1" / "card.md").read_text(encoding="utf-8")
    assert "- Generator: recommender.learn.synthetic, 20,000 people, seed 2026, for pack" in card
    assert "- Constructs the generator gives no meaning to: user_empathy (their answers" in card


@pytest.mark.parametrize(
    ("value", "said"),
    [("ninety", "'ninety' is not a whole number"), ("9" * 23, "is far too large (23 digits)")],
)
def test_a_whole_number_option_says_what_is_wrong_with_it(trackfit, capsys, value, said):
    with pytest.raises(SystemExit) as exit_:
        trackfit("synth", "--n", value, "--seed", "1", "--out", "x.csv")
    assert exit_.value.code == 2
    assert said in capsys.readouterr().err


def test_every_value_the_command_line_cannot_read_is_named_in_one_pass(trackfit, capsys):
    """argparse stops at the first value it cannot read: the second bad one was found only
    once the first was mended."""
    with pytest.raises(SystemExit) as exit_:
        trackfit("evaluate", "--sizes", "300,x", "--seeds", "0", "--test-n", "many")
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --sizes: '300,x' is not a list of whole numbers" in err
    assert "argument --seeds: 0 is not between 1 and" in err
    assert "argument --test-n: 'many' is not a whole number" in err
    assert err.count("error:") == 1 and "Traceback" not in err
    # and with a required option missing too, every problem in the one message
    with pytest.raises(SystemExit) as exit_:
        trackfit("synth", "--n", "ninety", "--seed", "-1")
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "argument --n: 'ninety' is not a whole number" in err
    assert "argument --seed: " in err and "the following arguments are required: --out" in err


def test_a_huge_number_in_the_answers_is_quoted_short(trackfit, tmp_path):
    line = (ROOT / "questionnaires/engineering/sample-answers.jsonl").read_text().splitlines()[0]
    data = json.loads(line)
    data["context"]["years_experience"] = 1e308
    path = tmp_path / "huge.jsonl"
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")
    code, _, err = trackfit("recommend", "--input", str(path))
    assert code == 2 and "context.years_experience: 1e+308 is outside 0 to 60" in err


def test_a_fraction_of_a_direct_report_is_refused(trackfit, tmp_path):
    line = (ROOT / "questionnaires/engineering/sample-answers.jsonl").read_text().splitlines()[0]
    data = json.loads(line)
    data["context"]["direct_reports"] = 2.5
    data["context"]["years_experience"] = 7.5  # years may be a fraction
    path = tmp_path / "half.jsonl"
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")
    code, _, err = trackfit("recommend", "--input", str(path))
    assert code == 2 and "context.direct_reports: 2.5 is not a whole number of people" in err
    assert "years_experience" not in err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["recommend", "--models", "my models", "--input", "x.jsonl"],
            "unrecognized arguments: --models my models; --models goes before the command: "
            "trackfit --models 'my models' recommend …",
        ),
        (["models", "list", "--models=m"], "trackfit --models m models …"),
        (["recommend", "--models"], "trackfit --models … recommend …"),
        (
            ["recommend", "questionnaires/engineering/sample-answers.jsonl"],
            "did you mean --input questionnaires/engineering/sample-answers.jsonl?",
        ),
        (["evaluate", "o.csv"], "did you mean --data o.csv?"),
        (["train", "--data", "o.csv", "data-science"], "did you mean --pack data-science?"),
        (["schema", "engineering"], "unrecognized arguments: engineering; did you mean --pack"),
        (["recommend", "--frobnicate"], "unrecognized arguments: --frobnicate\n"),
        (["recommend", "--model", "m"], "--models goes before the command: trackfit --models m"),
        (
            ["recommend", "questionnaires/engineering"],
            "did you mean --pack questionnaires/engineering?",
        ),
        (["train", "data.csv"], "required: --data; did you mean --data data.csv?"),
        (["synth", "o.csv", "--n", "5", "--seed", "1"], "did you mean --out o.csv?"),
        # no hint rather than a wrong one: a word that is no file and no pack, an option
        # already given
        (["models", "check", "v3", "v4"], "unrecognized arguments: v4\n"),
        (["recommend", "--version", "v1", "1.2"], "unrecognized arguments: 1.2\n"),
        (["evaluate", "--data", "x.csv", "y.csv"], "unrecognized arguments: y.csv\n"),
        (["recommend", "./"], "unrecognized arguments: ./\n"),
    ],
)
def test_an_argument_in_the_wrong_place_is_refused_with_what_was_meant(
    trackfit, capsys, monkeypatch, argv, said
):
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as exit_:
        trackfit(*argv)
    assert exit_.value.code == 2
    assert said in capsys.readouterr().err


WORDS = [
    "recommend", "train", "evaluate", "schema", "score", "synth", "models", "check", "list",
    "pack", "import-framework", "validate", "serve", "users", "--models", "--model", "--mod",
    "--pack", "--input", "--data", "--out", "--version", "--chunk", "--help", "-h", "--",
    "--models=m", "engineering", "data-science", "questionnaires/engineering", "x.jsonl",
    "o.csv", "README.md", "./", "..", "", " ", "v1", "20", "1.2", "-", "--=", "=", "é",
    "\x00", "\ud800", "--pack=", "--data=o.csv",
]  # fmt: skip


@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=7))
@settings(max_examples=300, deadline=None)
def test_any_command_line_is_parsed_or_refused_with_a_message_never_a_traceback(argv):
    parser = build_parser(add_web_commands)
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        try:
            parser.parse_args(argv)
        except SystemExit as exit_:
            assert exit_.code in (0, 2), stderr.getvalue()
            assert exit_.code == 0 or "error: " in stderr.getvalue()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full to stand for a full disk")
@pytest.mark.parametrize("command", [["schema"], ["models", "list"], ["recommend", "--input"]])
def test_an_output_that_cannot_be_written_is_said_in_a_line_not_a_traceback(command):
    samples = str(ROOT / "questionnaires/engineering/sample-answers.jsonl")
    argv = [*command, samples] if command[-1] == "--input" else command
    with Path("/dev/full").open("wb") as full:
        result = subprocess.run(
            [_installed_trackfit(), *argv], stdout=full, capture_output=False,
            stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == "trackfit: the output cannot be written (No space left on device)\n"


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT])
def test_a_command_stopped_midway_says_so_and_leaves_no_part_written(tmp_path, sent):
    out = tmp_path / "people.csv"
    child = subprocess.Popen(
        [_installed_trackfit(), "synth", "--n", "1000000", "--seed", "1", "--out", str(out)],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(2.5)  # long enough to be writing; a million people take far longer
    child.send_signal(sent)
    err = child.communicate(timeout=60)[1]
    assert child.returncode == 130, err
    assert "trackfit: interrupted before it finished" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "read", [check_answers_jsonl, lambda lines, pack: list(read_answers_jsonl(lines, pack))]
)
def test_checking_bad_lines_keeps_nothing_only_the_collector_could_free(read):
    """A batch runs with the cycle collector off (chunked, whole, or `score`): a refused line
    must not tie itself in a cycle, or 100,000 of them take a gigabyte."""
    pack = load_pack("engineering")
    bad_value = '{"employee_id": "e%d", "answers": {"la1": 9}}\n'
    lines = ["x\n", '{"employee_id": 5}\n'] * 250 + [bad_value % i for i in range(500)]
    with pytest.raises(AnswersInvalid):  # once first: what is built once per process (a cache
        read(lines[:4] + lines[-2:], pack)  # filled, a lazy import) is not per line
    # the best of three reads: garbage another thread of the test process makes meanwhile
    # (seen once in a while under -n 2) is not the lines', and cycles of the lines' own,
    # about 40 objects each, are found in every read
    found = [_garbage_of(lambda: read(lines, pack)) for _ in range(3)]
    assert min(len(garbage) for garbage in found) < 100, _kinds(min(found, key=len))


def _garbage_of(reading) -> list:
    """The objects only the cycle collector could free once `reading` has refused its lines."""
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        with pytest.raises(AnswersInvalid):
            reading()
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was:
            gc.enable()


def _kinds(garbage: list) -> str:
    """The commonest kinds of object in `garbage`, for the failure's message."""
    kinds = collections.Counter(type(item).__qualname__ for item in garbage)
    return f"{len(garbage)} objects: {kinds.most_common(8)}"


@pytest.mark.parametrize(
    "command",
    [["recommend"], ["recommend", "--chunk", "0"], ["recommend", "--chunk", "2"], ["score"]],
)
def test_every_bad_line_is_named_in_one_pass_whatever_is_wrong_with_it(trackfit, tmp_path, command):
    """A byte that is not UTF-8 on one line hides nothing on the others, and a line refused for
    another reason still counts for repeated ids."""
    sample = (ROOT / "questionnaires/engineering/sample-answers.jsonl").read_bytes()
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        sample.splitlines(keepends=True)[0]
        + b"garbage\n"
        + b'{"employee_id": "x", "answers": {"la1": 9}}\n'
        + b'{"employee_id": "y", "answers": {"la1": "caf\xe9"}}\n'
        + b'{"employee_id": "x", "answers": {"la1": 3}}\n'
    )
    code, out, err = trackfit(*command, "--input", str(path))
    assert code == 2 and out == ""
    assert err.splitlines()[1:] == [
        f"  {path}:2: is not valid JSON (Expecting value at column 1)",
        f"  {path}:3: answers.la1: 9 is not a scale point of this item (whole numbers 1 to 5)",
        f"  {path}:4: is not UTF-8 text (byte 0xE9 at column 45); save the file as UTF-8",
        f"  {path}:5: employee_id: 'x' already appeared on line 3",
    ]


def test_a_packs_sample_answers_name_a_byte_that_is_not_utf8_by_its_line(trackfit, pack_copy):
    folder = pack_copy()
    samples = folder / "sample-answers.jsonl"
    lines = samples.read_bytes().splitlines(keepends=True)
    samples.write_bytes(
        lines[0] + lines[1].replace(b'"employee_id": "', b'"employee_id": "\xe9', 1)
    )
    code, out, err = trackfit("validate", str(folder))
    assert code == 2 and out == ""
    assert "sample-answers.jsonl:2: is not UTF-8 text (byte 0xE9 at column" in err


def test_an_item_refused_for_its_own_problem_is_not_also_missing(trackfit, pack_copy):
    """A bad `max` on the years item, an anchored item without anchors: each is named once,
    without "asked by no item" or "has no anchored item" for what they measure."""
    folder = pack_copy()
    questionnaire = folder / "questionnaire.yaml"
    text = questionnaire.read_text(encoding="utf-8").replace("max: 60", "max: sixty", 1)
    text = text.replace("    anchors:\n", "    anchorz:\n", 1)
    questionnaire.write_text(text, encoding="utf-8")
    code, _, err = trackfit("validate", str(folder))
    assert code == 2
    assert "max: must be a whole number, not text 'sixty'" in err
    assert "anchorz" in err
    assert "asked by no item" not in err and "has no anchored item" not in err


def test_a_shared_part_that_does_not_read_is_the_one_problem_named(trackfit, tmp_path, monkeypatch):
    """The part's own YAML error, and nothing the pack would need only if it had no part
    ("'scales' is required", rules naming the part's constructs)."""
    shutil.copytree(ROOT / "questionnaires", tmp_path / "packs")
    part = tmp_path / "packs" / "shared" / "motivation@1.yaml"
    part.write_text(part.read_text(encoding="utf-8") + "  bad: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("TRACKFIT_PACKS", str(tmp_path / "packs"))
    code, out, err = trackfit("validate", "engineering")
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0] == "pack is invalid: 1 problem"
    assert lines[1].startswith("  motivation@1.yaml:") and "is not valid YAML" in lines[1]
    assert "is required" not in err and "unknown field" not in err


def test_a_shared_constructs_problem_is_named_in_the_part_that_defines_it(
    trackfit, tmp_path, monkeypatch
):
    shutil.copytree(ROOT / "questionnaires", tmp_path / "packs")
    part = tmp_path / "packs" / "shared" / "motivation@1.yaml"
    lonely = "constructs:\n- id: lonely\n  label: Lonely\n  description: No items.\n"
    text = part.read_text(encoding="utf-8").replace(
        "constructs:\n", lonely + "  high: a\n  low: b\n", 1
    )
    part.write_text(text, encoding="utf-8")
    monkeypatch.setenv("TRACKFIT_PACKS", str(tmp_path / "packs"))
    code, _, err = trackfit("validate", "engineering")
    assert code == 2
    assert "  motivation@1.yaml:" in err and "construct 'lonely' is measured by 0 Likert" in err
    assert "questionnaire.yaml" not in err.split("(not checked yet")[0]
