"""What `trackfit train` and `trackfit models list` tell a person about a candidate's verdict:
the evidence behind it in the summary, the judgement as the pages say it in the manifest, a
promotion hint that works when pasted, and a verdict given against a version no longer
active said to be so."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shlex
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from recommender.answer.registry import Registry
from recommender.cli import main
from recommender.learn.comparison import flattered_tracks, judgement_said

ROOT = Path(__file__).resolve().parents[2]
REASON = "Our own outcomes, agreed with the engineering leads this quarter."


def _run(*argv: str) -> tuple[int, str, str]:
    """The CLI in-process, for a fixture shared by the tests of this module."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A copy of the bundled registry with one engineering candidate trained on 400 synthetic
    people (judged worse than the 20,000-person default on the IC track, and "no difference
    shown" on the manager track), and the train command's output; the people behind its
    verdict are in evidence.csv beside the data."""
    folder = tmp_path_factory.mktemp("trained")
    models, data = folder / "models", folder / "small.csv"
    shutil.copytree(ROOT / "models", models)
    assert _run("synth", "--n", "400", "--seed", "8", "--out", str(data))[0] == 0
    evidence = ["--evidence", str(folder / "evidence.csv")]
    code, out, err = _run("--models", str(models), "train", "--data", str(data), *evidence)
    assert code == 0, err
    return models, data, json.loads(out), err


def test_the_summary_holds_the_differences_its_verdict_was_judged_by(trained):
    models, _, summary, _ = trained
    comparison = Registry(models).manifest(summary["version"])["comparison"]
    differences = summary["differences"]
    assert differences["active"] == comparison["active"] == "v1"
    assert differences["interval_level"] == comparison["interval_level"] == 0.9
    assert differences["judged_level"] == comparison["judged_level"] == 0.975
    assert set(differences["tracks"]) == {"ic", "manager"}
    for track, said in differences["tracks"].items():
        stored = comparison["tracks"][track]
        assert said["rows"] == stored["rows"] and said["judgement"] == stored["judgement"]
        for measure in ("auc", "brier"):
            for key in ("difference", "interval", "judged_interval"):
                assert said[measure][key] == stored[measure][key]
    # the verdict says worse on the IC track: its judged AUC interval is below zero
    ic = differences["tracks"]["ic"]
    assert ic["judgement"] == "worse" and ic["auc"]["judged_interval"][1] < 0
    # what was there before is still there
    assert summary["compared_with_active"]["version"] == "v1"
    assert summary["verdict"]["worse"] is True


def test_a_first_version_has_no_differences_to_show(trained, tmp_path):
    _, data, _, _ = trained
    code, out, err = _run("--models", str(tmp_path), "train", "--data", str(data))
    assert code == 0, err
    summary = json.loads(out)
    assert summary["differences"] is None
    # nothing to justify: the hint is the plain command
    assert (
        f"promote it with `trackfit --models {shlex.quote(str(tmp_path))} models promote v1`" in err
    )
    assert "--justification" not in err


def test_the_manifest_keeps_the_judgement_as_the_pages_say_it(trained):
    """`judgement` stays as it was ("no different" wherever no difference was shown); beside
    it, `judgement_said` tells "no different" (within the margins) from "no difference shown"
    (an interval holding zero but wide), as the verdict and the pages do."""
    models, _, summary, _ = trained
    comparison = Registry(models).manifest(summary["version"])["comparison"]
    flattered = flattered_tracks(comparison)
    for track, entry in comparison["tracks"].items():
        assert entry["judgement_said"] == judgement_said(
            entry, comparison["verdict"]["summary"], track in flattered
        )
    manager = comparison["tracks"]["manager"]
    assert manager["judgement"] == "no different"
    assert manager["judgement_said"] == "no difference shown"
    assert "no difference shown on the manager track" in comparison["verdict"]["summary"]
    said = summary["differences"]["tracks"]["manager"]["judgement_said"]
    assert said == "no difference shown"


def test_the_promotion_hint_of_a_candidate_that_needs_a_justification_works_when_filled_in(
    trained, tmp_path
):
    models, _, summary, err = trained
    candidate = summary["version"]
    trackfit = f"trackfit --models {shlex.quote(str(models))}"
    hint = re.search(r"promote it with `trackfit ([^`]*)` \(([^)]*)\)", err)
    assert hint is not None, err
    assert hint.group(1).endswith(f'models promote {candidate} --justification "..."')
    assert "it needs a written justification, because the comparison judged it worse" in (
        hint.group(2)
    )
    assert f"`{trackfit} models promote {candidate} --justification" in err
    # the command as offered, with a reason in place of the dots, promotes it (on a copy)
    copy = tmp_path / "models"
    shutil.copytree(models, copy)
    argv = [REASON if word == "..." else word for word in shlex.split(hint.group(1))]
    argv[argv.index("--models") + 1] = str(copy)
    code, _, err = _run(*argv)
    assert code == 0, err
    assert Registry(copy).active("engineering") == candidate


def test_models_list_says_a_verdict_was_given_against_a_version_no_longer_active(trained, tmp_path):
    """As the web models list: "(judged against v1, not v5)" beside a candidate whose verdict
    compared it with a version that is no longer active; the version promoted since says its
    verdict was as a candidate."""
    models, data, summary, _ = trained
    older = summary["version"]
    copy = tmp_path / "models"
    shutil.copytree(models, copy)
    code, out, err = _run("--models", str(copy), "train", "--data", str(data))
    assert code == 0, err
    newer = json.loads(out)["version"]
    code, _, err = _run(
        "--models", str(copy), "models", "promote", newer, "--justification", REASON
    )
    assert code == 0, err
    code, out, err = _run("--models", str(copy), "models", "list", "--pack", "engineering")
    assert code == 0, err
    lines = {line[2:].split()[0]: line for line in out.splitlines() if line[:1] in " *"}
    assert f"verdict=keep (judged against v1, not {newer})" in lines[older]
    assert "verdict=keep (as a candidate, against v1; promoted since)" in lines[newer]
    assert "judged against" not in lines["v1"]
    # in the registry as trained, where v1 is still active, the verdict needs no such word
    code, out, err = _run("--models", str(models), "models", "list", "--pack", "engineering")
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith(f"  {older} "))
    assert "verdict=keep  fairness=" in line


def test_the_people_behind_the_verdict_recompute_its_figures(trained):
    """Written where the analyst asked, a row per row of their file in its order: on the people
    judged who took a track, each model's chance on that track gives the verdict's ROC AUC and
    Brier score."""
    models, data, summary, _ = trained
    with data.open(encoding="utf-8", newline="") as stream:
        ids = [row["employee_id"] for row in csv.DictReader(stream)]
    evidence = pd.read_csv(
        data.parent / "evidence.csv", dtype={"employee_id": str}, keep_default_na=False
    )
    assert evidence["employee_id"].tolist() == ids
    comparison = Registry(models).manifest(summary["version"])["comparison"]
    judged = evidence[evidence["judged"] == "yes"]
    assert len(judged) == comparison["rows"] == summary["rows_used"]
    assert set(evidence.loc[evidence["judged"] == "no", "not_judged_because"]) == {
        "response-quality flags"
    }
    for track in ("ic", "manager"):
        mine = judged[judged["track_taken"] == track]
        stored = comparison["tracks"][track]
        assert len(mine) == stored["rows"]
        for model in ("candidate", "active"):
            chance = mine[f"{model}_p_success_{track}"].astype(float)
            auc = roc_auc_score(mine["success"], chance)
            brier = float(((chance - mine["success"]) ** 2).mean())
            assert auc == pytest.approx(stored["auc"][model], abs=5e-5)
            assert brier == pytest.approx(stored["brier"][model], abs=5e-5)


@pytest.mark.parametrize("where", ["folder", "data", "no-folder", "unwritable", "registry"])
def test_an_evidence_file_that_cannot_be_written_is_refused_before_training(
    trained, tmp_path, where
):
    models, data, _, _ = trained
    before = sorted(path.name for path in models.iterdir())
    target = {
        "folder": tmp_path,
        "data": data,
        "no-folder": tmp_path / "missing" / "evidence.csv",
        "unwritable": Path("/proc/evidence.csv"),  # no file can be made there, even by root
        "registry": models / "v1" / "evidence.csv",  # versions keep no one's outcome
    }[where]
    code, out, err = _run(
        "--models", str(models), "train", "--data", str(data), "--evidence", str(target)
    )
    assert code == 2 and out == ""
    assert "--evidence: " in err
    assert sorted(path.name for path in models.iterdir()) == before  # nothing trained


def test_no_evidence_is_written_for_a_file_training_refuses(trained, tmp_path):
    models, _, _, _ = trained
    broken = tmp_path / "broken.csv"
    broken.write_text("employee_id,track_taken,success\nE1,icc,2\n", encoding="utf-8")
    evidence = tmp_path / "evidence.csv"
    code, _, err = _run(
        "--models", str(models), "train", "--data", str(broken), "--evidence", str(evidence)
    )
    assert code == 2 and "broken.csv" in err
    assert list(tmp_path.iterdir()) == [broken]


def test_the_evidence_is_the_owners_alone_and_neutralises_spreadsheet_formulas(tmp_path):
    """It holds every person's outcome: readable by its owner only. An employee id a
    spreadsheet would run as a formula is written with a leading quote."""
    data, evidence = tmp_path / "odd.csv", tmp_path / "evidence.csv"
    assert _run("synth", "--n", "300", "--seed", "4", "--out", str(data))[0] == 0
    header, first, *rest = data.read_text(encoding="utf-8").splitlines()
    first = '"=HYPERLINK(""http://x"",""y"")"' + first[first.index(",") :]
    data.write_text("\n".join([header, first, *rest]) + "\n", encoding="utf-8")
    models = tmp_path / "models"
    code, _, err = _run(
        "--models", str(models), "train", "--data", str(data), "--evidence", str(evidence)
    )
    assert code == 0, err
    assert evidence.stat().st_mode & 0o077 == 0
    with evidence.open(encoding="utf-8", newline="") as stream:
        ids = [row["employee_id"] for row in csv.DictReader(stream)]
    assert ids[0] == '\'=HYPERLINK("http://x","y")'
