"""`trackfit recommend` in chunks: the same bytes and the same refusals as the whole batch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.answer.answers import Answers
from recommender.answer.batch import answer_in_chunks, check_answers_jsonl
from recommender.answer.recommendation import Recommender
from recommender.answer.scoring import scoring_layout
from recommender.cli import main
from recommender.errors import AnswersInvalid
from recommender.learn.synthetic import synthetic_profiles
from recommender.pack.loading import load_pack

SAMPLES = Path("questionnaires/engineering/sample-answers.jsonl")
PEOPLE = 2000


def synthetic_answers(people: int, seed: int) -> str:
    """Synthetic people as answers JSONL, as `benchmarks/bench_recommend.py` makes them."""
    pack = load_pack()
    outcomes, _ = synthetic_profiles(pack, people, seed)
    item_ids = scoring_layout(pack).item_ids
    lines = []
    for row in range(people):
        answers = {
            item: int(value)
            for item, value in zip(item_ids, outcomes.answers[row], strict=True)
            if not np.isnan(value)
        }
        context = {
            name: value if isinstance(value, str) else int(value)
            for name, column in outcomes.context.items()
            if name != "current_grade" and (value := column[row]) is not None
        }
        person = {"employee_id": outcomes.employee_ids[row], "answers": answers}
        lines.append(json.dumps({**person, "context": context}))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A file of PEOPLE synthetic people, blank lines among them, and its whole-batch output."""
    lines = synthetic_answers(PEOPLE, seed=7).splitlines(keepends=True)
    lines[3:3] = ["\n", "   \n"]
    path = tmp_path_factory.mktemp("streaming") / "answers.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def whole_batch(synthetic):
    """The output of the command before it streamed (`--chunk 0`), run once."""
    with open(Path(synthetic).with_suffix(".out"), "w", encoding="utf-8") as out:
        real, sys.stdout = sys.stdout, out
        try:
            assert main(["recommend", "--chunk", "0", "--input", str(synthetic)]) == 0
        finally:
            sys.stdout = real
    return Path(synthetic).with_suffix(".out").read_text(encoding="utf-8")


@pytest.mark.parametrize("chunk", ["1", "7", "2000"])
@pytest.mark.parametrize("how", ["stdin", "--input"])
def test_the_samples_come_out_byte_identical_in_any_chunk(trackfit, chunk, how):
    _, expected, _ = trackfit("recommend", "--chunk", "0", "--input", str(SAMPLES))
    if how == "stdin":
        code, out, err = trackfit(
            "recommend", "--chunk", chunk, stdin=SAMPLES.read_text(encoding="utf-8")
        )
    else:
        code, out, err = trackfit("recommend", "--chunk", chunk, "--input", str(SAMPLES))
    assert code == 0 and err == ""
    assert out == expected and len(out.splitlines()) == 6


@settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(chunk=st.one_of(st.integers(2, 40), st.integers(41, 3 * PEOPLE)))
def test_thousands_of_people_come_out_byte_identical_in_any_chunk(
    trackfit, synthetic, whole_batch, chunk
):
    code, out, _ = trackfit("recommend", "--chunk", str(chunk), "--input", str(synthetic))
    assert code == 0
    assert _first_difference(out, whole_batch) is None and len(out.splitlines()) == PEOPLE


def _first_difference(out: str, expected: str) -> str | None:
    """Where two outputs of thousands of lines first differ, in a line pytest can print: its
    own diff of two such strings took 15 minutes."""
    if out == expected:
        return None
    lines, wanted = out.splitlines(), expected.splitlines()
    for number, (line, want) in enumerate(zip(lines, wanted, strict=False), start=1):
        if line != want:
            return f"line {number}: {line[:300]!r} where {want[:300]!r} was expected"
    return f"{len(lines)} lines where {len(wanted)} were expected"


def test_a_pipe_is_read_twice_and_comes_out_byte_identical(synthetic, whole_batch):
    """A pipe cannot be read again from its start: it is copied to disk on the first pass."""
    trackfit = Path(sys.executable).with_name("trackfit")
    with open(synthetic, "rb") as source:
        feeder = subprocess.Popen(["cat"], stdin=source, stdout=subprocess.PIPE)
        result = subprocess.run(
            [str(trackfit), "recommend", "--chunk", "333"],
            stdin=feeder.stdout,
            capture_output=True,
            check=False,
        )
        feeder.stdout.close()
        feeder.wait()
    assert result.returncode == 0, result.stderr
    assert _first_difference(result.stdout.decode("utf-8"), whole_batch) is None


def person(employee_id: str) -> str:
    return json.dumps({"employee_id": employee_id, "answers": {"la1": 3}})


@pytest.mark.parametrize("how", ["stdin", "--input"])
def test_bad_lines_in_the_first_and_the_last_chunk_are_both_named_and_nothing_written(
    trackfit, tmp_path, how
):
    lines = ["{oops"] + [person(f"e{n}") for n in range(2, 10)]
    lines.append(json.dumps({"employee_id": "e10", "answers": {"la1": 7}}))
    text = "\n".join(lines) + "\n"
    name = "stdin"
    if how == "--input":
        path = tmp_path / "answers.jsonl"
        path.write_text(text, encoding="utf-8")
        name = str(path)

    def run(chunk):
        if how == "stdin":
            return trackfit("recommend", "--chunk", chunk, stdin=text)
        return trackfit("recommend", "--chunk", chunk, "--input", str(path))

    code, out, err = run("3")
    assert code == 2 and out == ""
    assert f"{name}:1: is not valid JSON" in err
    assert f"{name}:10: answers.la1: 7 is not a scale" in err
    assert err == run("0")[2]


def test_an_id_repeated_in_a_later_chunk_is_refused_naming_its_first_line(trackfit):
    ids = ["a", "b", "c", "d", "e", "b", "f", "a", "a"]
    code, out, err = trackfit(
        "recommend", "--chunk", "2", stdin="\n".join(person(i) for i in ids) + "\n"
    )
    assert code == 2 and out == ""
    assert "stdin:6: employee_id: 'b' already appeared on line 2" in err
    assert "stdin:8: employee_id: 'a' already appeared on line 1" in err
    assert "stdin:9: employee_id: 'a' already appeared on line 1" in err


def test_a_hundred_problems_are_listed_across_chunks_as_in_one_batch(trackfit):
    lines = [person(f"e{n}") if n % 3 else "{oops" for n in range(400)]
    lines += [person("e1")] * 5
    stdin = "\n".join(lines) + "\n"
    code, out, err = trackfit("recommend", "--chunk", "7", stdin=stdin)
    assert code == 2 and out == ""
    assert err == trackfit("recommend", "--chunk", "0", stdin=stdin)[2]
    assert err.splitlines()[-1] == "  … and 39 more problems"


@pytest.mark.parametrize("stdin", ["", "\n  \n"])
def test_no_people_at_all_is_still_refused(trackfit, stdin):
    code, out, err = trackfit("recommend", "--chunk", "5", stdin=stdin)
    assert code == 2 and out == "" and "stdin: holds no answers" in err


@pytest.mark.parametrize("changed", ["edited", "appended", "cut short"])
def test_lines_changed_between_the_readings_are_never_answered_unchecked(changed):
    """The second reading answers a chunk only when its lines are those the first checked;
    a file rewritten in between stops at the first chunk that differs, naming its lines."""
    pack = load_pack()
    recommender = Recommender.open(pack)
    lines = [person(f"e{n}") + "\n" for n in range(7)]
    first = check_answers_jsonl(lines, pack, "answers.jsonl", chunk=3)
    assert (first.people, len(first.fingerprints)) == (7, 3)
    later = {
        "edited": lines[:4] + ['{"employee_id": "x", "answers": {"la1": 99}}\n'] + lines[5:],
        "appended": [*lines, person("e9") + "\n"],
        "cut short": lines[:5],
    }[changed]
    answered = []
    with pytest.raises(AnswersInvalid) as refused:
        answered.extend(answer_in_chunks(later, recommender, first, "answers.jsonl"))
    start = {"edited": 4, "appended": 7, "cut short": 4}[changed]  # chunks of lines 1-3, 4-6, 7
    assert f"answers.jsonl: changed while it was read: lines from {start} on are not" in str(
        refused.value
    )
    assert [row["employee_id"] for row in answered] == [f"e{n}" for n in range(start - 1)]
    # read as checked: every person answered, as the whole batch answers them
    assert list(answer_in_chunks(lines, recommender, first)) == recommender.recommend_many(
        [Answers.from_json(json.loads(line), pack) for line in lines]
    )
