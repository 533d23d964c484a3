"""A justification given on the command line (`models promote`, `models rollback`,
`train --promote`) that holds a character nobody sees, such as a direction override, is
refused by name and place before anything moves or trains: the history would show other text
than was checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from recommender.answer.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
REASON = "Engineering's own outcomes, agreed with its leads in review."
OVERRIDE = "U+202E RIGHT-TO-LEFT OVERRIDE, at character 1; remove it and try again"


@pytest.fixture
def models(tmp_path, monkeypatch):
    """The bundled registry with v4, a copy of v1, active for engineering after v1."""
    monkeypatch.setenv("LOGNAME", "hana")
    shutil.copytree(ROOT / "models", tmp_path / "models")
    models = tmp_path / "models"
    shutil.copytree(models / "v1", models / "v4")
    return models


def _untouched(models: Path):
    """What a refused command must leave as it was: the history and every pointer."""
    return (models / "history.jsonl").read_bytes(), Registry(models).pointers()


def test_a_promotion_justified_with_a_direction_override_is_refused(trackfit, models):
    before = _untouched(models)
    code, out, err = trackfit(
        "--models", str(models), "models", "promote", "v4", "--justification", "\u202e" + REASON
    )  # fmt: skip
    assert code == 2 and out == ""
    assert "models promote: v4 was not promoted: --justification: it holds an invisible " in err
    assert OVERRIDE in err and "\u202e" not in err
    assert _untouched(models) == before
    code, _, err = trackfit(
        "--models", str(models), "models", "promote", "v4", "--justification", REASON
    )  # fmt: skip
    assert code == 0, err
    assert Registry(models).history("engineering")[-1]["justification"] == REASON


def test_a_rollback_reason_with_a_zero_width_space_is_refused(trackfit, models):
    with (models / "history.jsonl").open("a") as history:
        move = {"action": "promote", "pack": "engineering", "from": "v1", "to": "v4"}
        history.write(json.dumps({"at": "2026-11-30T10:00:00+00:00", **move}) + "\n")
    (models / "active" / "engineering").write_text("v4\n")
    before = _untouched(models)
    code, out, err = trackfit(
        "--models", str(models), "models", "rollback", "--pack", "engineering",
        "--justification", REASON[:11] + "\u200b" + REASON[11:],
    )  # fmt: skip
    assert code == 2 and out == ""
    assert (
        "models rollback: nothing was rolled back: --justification: it holds an invisible "
        "character, U+200B ZERO WIDTH SPACE, at character 12; remove it and try again"
    ) in err
    assert _untouched(models) == before


def test_train_refuses_a_hidden_character_in_its_justification_before_training(trackfit, models):
    listing = sorted(path.name for path in models.iterdir())
    code, out, err = trackfit(
        "--models", str(models), "train", "--data", "nowhere.csv", "--promote",
        "--justification", "\u202e" + REASON,
    )  # fmt: skip
    assert code == 2 and out == ""
    assert f"train: --justification: it holds an invisible character, {OVERRIDE}" in err
    assert sorted(path.name for path in models.iterdir()) == listing
