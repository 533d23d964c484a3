"""The recommendation's contract: one JSON Schema, and what trackfit prints keeps to it."""

from __future__ import annotations

import copy
import json

import pytest
from jsonschema import Draft202012Validator

from recommender.answer.contract import recommendation_schema
from recommender.pack.loading import load_pack


@pytest.fixture(scope="module")
def validator():
    schema = recommendation_schema(load_pack())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture
def printed(trackfit):
    code, out, err = trackfit(
        "recommend", "--input", "questionnaires/engineering/sample-answers.jsonl"
    )
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def _problems(validator, record) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(record)
    ]


def test_every_recommendation_trackfit_prints_keeps_to_the_schema(validator, printed):
    assert len(printed) == 6
    assert [_problems(validator, record) for record in printed] == [[]] * len(printed)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda r: r.update(surprise=1), ""),
        (lambda r: r.pop("confidence"), ""),
        (lambda r: r["p_success"].update(ic=1.5), "p_success/ic"),
        (lambda r: r["levels"]["ic"].update(target="L99"), "levels/ic/target"),
        (
            lambda r: r["explanation"]["factors"][0].update(feature="gender"),
            "explanation/factors/0/feature",
        ),
        (lambda r: r.update(pack="engineering@99"), "pack"),
    ],
)
def test_the_schema_refuses_what_trackfit_never_prints(validator, printed, change, where):
    record = copy.deepcopy(printed[0])
    change(record)
    problems = _problems(validator, record)
    assert problems and all(p.startswith(f"{where}:") for p in problems)
