"""HR's model pages and the app's start with a broken registry: a version is tried before it
is trusted, a malformed registry file is shown as a problem, never a 500."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.registry_forgery import forged_version
from webapp.api.tokens import create_token
from webapp.cli import main


def broken_version(registry: Path, overflowing: bool = False) -> str:
    """The next version: a copy of v1 whose first shape is NaN (refused as the file is read), or
    with `overflowing` two shapes so large that their sum is infinite (every array finite and well
    formed, refused by the bound on effects); its manifest hash matches."""

    def change(arrays):
        if overflowing:
            for key in ("shape_ic_0", "shape_ic_1"):
                arrays[key] = np.full_like(arrays[key], 1e308)
        else:
            arrays["shape_ic_0"] = np.full_like(arrays["shape_ic_0"], np.nan)

    return forged_version(registry, change)


@pytest.fixture
def registry(team) -> Path:
    return Path(team.config["TRACKFIT_MODELS"])


@pytest.fixture
def hr(team, signed_in):
    return signed_in("hr@example.com")


@pytest.fixture
def api(team):
    with team.app_context():
        secret = create_token("HRIS", "hr@example.com")[1]
    client = team.test_client()

    def post(body):
        return client.post(
            "/api/v1/recommendations", json=body, headers={"Authorization": f"Bearer {secret}"}
        )

    return post


@pytest.mark.parametrize("overflowing", [False, True], ids=["NaN array", "overflowing sum"])
def test_hr_cannot_promote_a_version_that_fails_on_sample_people(
    hr, registry, api, people, overflowing
):
    version = broken_version(registry, overflowing)
    history = (registry / "history.jsonl").read_bytes()
    for action in ("promote", "promote/confirm"):
        response = hr.submit(f"/hr/models/{version}", action_url=f"/hr/models/{version}/{action}")
        assert response.status_code == 422
        assert "was not promoted" in response.get_data(as_text=True)
        reason = "holds a value past ±50" if overflowing else "NaN or infinity"
        assert reason in response.get_data(as_text=True)
    assert (registry / "active" / "engineering").read_text().strip() == "v1"
    assert (registry / "history.jsonl").read_bytes() == history
    assert api(people[0]).status_code == 200


def test_hr_cannot_roll_back_to_a_broken_version(hr, registry):
    version = broken_version(registry)
    with (registry / "history.jsonl").open("a") as history:
        for move in (
            {"action": "promote", "from": "v1", "to": version},
            {"action": "promote", "from": version, "to": "v1"},
        ):
            history.write(json.dumps({"at": "2026-01-01T00:00:00+00:00", **move}) + "\n")
    response = hr.roll_back({"to": version, "replacing": "v1"})
    assert response.status_code == 422
    assert "Nothing was rolled back" in response.get_data(as_text=True)
    assert (registry / "active" / "engineering").read_text().strip() == "v1"


def test_a_broken_version_made_active_by_hand_is_a_503_not_a_500(
    team, registry, api, people, caplog
):
    broken = broken_version(registry, overflowing=True)
    (registry / "active" / "engineering").write_text(broken + "\n")
    for _ in range(3):
        response = api(people[0])
        assert response.status_code == 503
        assert str(registry) not in response.get_data(as_text=True)
    # tried once and the refusal kept (versions are never rewritten), not tried per request
    assert caplog.text.count("the active model of Software engineering cannot be used") == 1


BROKEN_FILES = {
    "pointer binary": ("active/engineering", b"\xff\x00\xfe"),
    "pointer ../": ("active/engineering", b"../../etc/passwd"),
    "pointer empty": ("active/engineering", b""),
    "history bad JSON": ("history.jsonl", b'{"action": "promote", "to": \n'),
    "history wrong types": ("history.jsonl", b'{"action": 1, "to": ["v1"]}\n'),
    "history binary": ("history.jsonl", b"\x89PNG\r\n\x1a\n\x00\x00"),
    "manifest bad JSON": ("v1/manifest.json", b"{"),
    "manifest wrong types": ("v1/manifest.json", b'{"sha256": [], "data": "x"}'),
    "manifest empty": ("v1/manifest.json", b""),
    "manifest deep": ("v1/manifest.json", b"[" * 100_000),
}


@pytest.mark.parametrize("broken", BROKEN_FILES.values(), ids=list(BROKEN_FILES))
def test_a_malformed_registry_file_is_shown_on_the_models_page(hr, registry, broken):
    name, content = broken
    (registry / name).write_bytes(content)
    response = hr.get("/hr/models")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The model registry has" in page and name in page
    assert hr.get("/hr/").status_code == 200
    model_page = hr.get("/hr/models/v1")
    assert model_page.status_code in (200, 422)


def test_a_version_with_a_malformed_manifest_has_a_422_page_naming_the_file(hr, registry):
    (registry / "v1" / "manifest.json").write_text('{"sha256": 3}')
    for url in ("/hr/models/v1", "/hr/models/v1/card"):
        response = hr.get(url)
        assert response.status_code == 422
        assert "manifest.json" in response.get_data(as_text=True)


def test_serve_says_why_the_active_model_cannot_be_used_and_still_starts(
    monkeypatch, tmp_path, capsys, database_url
):
    from flask import Flask  # noqa: PLC0415

    shutil.copytree(Path(__file__).resolve().parents[2] / "models", tmp_path / "models")
    broken = broken_version(tmp_path / "models")
    (tmp_path / "models" / "active" / "engineering").write_text(broken + "\n")
    started = []
    monkeypatch.setattr(Flask, "run", lambda app, **kwargs: started.append(kwargs))
    monkeypatch.setenv("SQLALCHEMY_DATABASE_URI", database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    assert main(["--models", str(tmp_path / "models"), "serve", "--no-demo"]) == 0
    err = capsys.readouterr().err
    assert "the active model cannot be used" in err and "trackfit models promote" in err
    assert "Traceback" not in err
    assert started


def test_finishing_an_assessment_with_a_broken_active_version_is_a_503_page(
    team, registry, make_assessment, signed_in, people
):
    import re  # noqa: PLC0415

    from webapp import answering  # noqa: PLC0415
    from webapp.assessment.forms import pages  # noqa: PLC0415

    with team.app_context():
        last = len(pages(answering.current_pack()))
    person = people[0]
    assessment = make_assessment("ada@example.com", person, pages_done=last - 1)
    broken = broken_version(registry, overflowing=True)
    (registry / "active" / "engineering").write_text(broken + "\n")
    ada = signed_in("ada@example.com")
    url = f"/assessment/{assessment}/{last}"
    html = ada.get(url).get_data(as_text=True)
    names = set(re.findall(r"<(?:input|select|textarea)[^>]* name=\"([a-z_0-9]+)\"", html))
    values = {**person["answers"], **person["context"]}
    data = {name: str(values[name]) for name in names if name in values}
    response = ada.submit(url, data | {"action": "next"})
    assert response.status_code == 503


def _paths(value, prefix=()):
    """Every path into a manifest, to a depth of five."""
    if isinstance(value, dict) and len(prefix) < 5:
        for key, inner in value.items():
            yield (*prefix, key)
            yield from _paths(inner, (*prefix, key))


@pytest.fixture
def manifest_file(registry) -> Path:
    return registry / "v1" / "manifest.json"


def test_a_manifest_with_any_field_of_the_wrong_type_never_makes_a_model_page_fail(
    hr, manifest_file
):
    from hypothesis import HealthCheck, given, settings  # noqa: PLC0415
    from hypothesis import strategies as st  # noqa: PLC0415

    original = json.loads(manifest_file.read_text())
    paths = sorted(p for p in _paths(original) if p[0] != "sha256")

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        path=st.sampled_from(paths),
        wrong=st.sampled_from([3, -1.5, "x", [], [1, "a"], {}, {"a": 1}, None, True]),
    )
    def check(path, wrong):
        manifest = json.loads(json.dumps(original))
        inner = manifest
        for key in path[:-1]:
            inner = inner[key]
        inner[path[-1]] = wrong
        manifest_file.write_text(json.dumps(manifest))
        for url in ("/hr/models", "/hr/models/v1", "/hr/models/v1/card", "/hr/"):
            status = hr.get(url).status_code
            assert status in (200, 422), (url, path, wrong, status)

    check()


def test_a_card_that_is_not_text_is_shown_not_a_500(hr, registry):
    (registry / "v1" / "card.md").write_bytes(b"\xff\xfe# card\x00\x89")
    assert hr.get("/hr/models/v1/card").status_code == 200


@pytest.mark.parametrize("verdict", [{"worse": True}, [1], "worse", 7])
def test_promoting_a_version_with_a_malformed_verdict_is_a_422(hr, registry, verdict):
    path = registry / "v1" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["comparison"] = {"verdict": verdict}
    path.write_text(json.dumps(manifest))
    token = hr.token("/hr/models")
    for action in ("promote", "promote/confirm"):
        response = hr.post(f"/hr/models/v1/{action}", data={"csrf_token": token})
        assert response.status_code == 422
        assert "manifest.json" in response.get_data(as_text=True)


def test_a_first_version_is_not_said_to_be_scored_beside_an_active_one(hr, registry):
    """The bundled default was trained with nothing active: its comparison says so."""
    page = " ".join(hr.get("/hr/models/v1").get_data(as_text=True).split())
    assert "there was no active version to score beside it" in page
    assert "the active version scored on the same people" not in page


def test_a_first_versions_figures_are_shown_with_their_intervals(hr, registry):
    """A version judged beside no active one has no comparison table: its cross-fitted ROC
    AUC, the figure HR reads it by, stood alone as 0.6989, though the manifest records its
    90% interval and the models list shows it (0.69 to 0.71)."""
    cells = _cells(hr.get("/hr/models/v1").get_data(as_text=True))
    assert "0.6989 (0.6921 to 0.7060)" in cells
    assert "0.7699 (0.7572 to 0.7828)" in cells


def test_a_first_versions_brier_is_shown_with_its_interval_where_training_recorded_one(
    hr, registry
):
    """Versions trained from now on record their Brier's interval beside their ROC AUC's
    when there is nothing to compare with; the page shows it under the figure."""
    path = registry / "v1" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    track = manifest["comparison"]["tracks"]["ic"]
    track["brier"] = {"candidate": 0.2164, "candidate_interval": [0.2131, 0.2198]}
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert "0.2164 (0.2131 to 0.2198)" in _cells(hr.get("/hr/models/v1").get_data(as_text=True))


def _cells(html: str) -> list[str]:
    """The text of every table cell, its markup and line breaks read as spaces."""
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)
    ]


def _a_group(**changed) -> dict:
    group = {
        "group": "b",
        "people": 40,
        "observed": 0.4,
        "observed_interval": [0.3, 0.5],
        "predicted": 0.5,
        "difference": -0.1,
        "p_value": 0.01,
        "p_adjusted": 0.02,
        "flagged": True,
    }
    return group | changed


def _a_report(*groups) -> dict:
    cell = {"people": 80, "groups": list(groups), "not_judged": [], "in_smaller_groups": 0}
    return {"smallest_judged": 30, "attributes": [{"attribute": "team", "tracks": {"ic": cell}}]}


@pytest.mark.parametrize(
    "report",
    [
        [1, 2],
        "yes",
        {"attributes": {"team": []}, "smallest_judged": 30},
        {"attributes": [1, "a", None], "smallest_judged": 30},
        _a_report({"flagged": True}),
        _a_report(_a_group(observed=1e308)),
        _a_report(_a_group(flagged="yes")),
        _a_report(_a_group(people=-40)),
        _a_report(_a_group(group="<script>alert(1)</script>", difference="big")),
    ],
    ids=lambda report: json.dumps(report)[:40],
)
def test_a_calibration_report_edited_out_of_shape_is_said_not_to_read_on_every_page(
    hr, registry, report
):
    """Neither a 500 nor a 422 for the whole page, nor a flag counted or a clean summary
    from it: every page says it cannot be read, and promoting needs a written reason."""
    path = registry / "v1" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["sensitive_columns"] = ["team"]
    manifest["holdout"]["calibration_by_group"] = report
    path.write_text(json.dumps(manifest))
    listed = hr.get("/hr/models")
    assert listed.status_code == 200
    assert 'Calibration by group: <strong class="warning-text">cannot be read' in listed.text
    page = hr.get("/hr/models/v1")
    assert page.status_code == 200
    assert "Not shown: it cannot be read: the report is not in the shape" in page.text
    assert "<script>alert" not in page.text
    assert hr.get("/hr/models/v1/card").status_code == 200  # the card as written at training


def test_a_version_trained_without_sensitive_columns_shows_no_calibration_by_group(hr, registry):
    """Nothing was measured, so nothing is said to be unreadable: no false warning that
    promoting it needs a written reason (the bundled default, as trained)."""
    manifest = json.loads((registry / "v1" / "manifest.json").read_text())
    assert not manifest.get("sensitive_columns")
    assert "calibration_by_group" not in manifest["holdout"]
    page = hr.get("/hr/models/v1")
    assert page.status_code == 200
    assert "Calibration by group" not in page.text and "Not shown: it" not in page.text


def test_the_confirmation_says_when_the_record_of_people_a_version_learnt_from_does_not_read(
    hr, registry
):
    """As `trackfit models promote` warns: the version still answers, so it may be promoted,
    but HR is told first what a retraining will lack (the page said nothing)."""
    from recommender.answer.registry import PEOPLE_FILE  # noqa: PLC0415

    version = forged_version(registry, lambda arrays: None)
    np.save(registry / version / PEOPLE_FILE, np.array([1, 2, 3], dtype=np.uint64))
    manifest = json.loads((registry / version / "manifest.json").read_text())
    manifest["sha256"][PEOPLE_FILE] = "0" * 64  # changed since training
    (registry / version / "manifest.json").write_text(json.dumps(manifest))
    response = hr.submit(f"/hr/models/{version}", action_url=f"/hr/models/{version}/promote")
    page = " ".join(response.get_data(as_text=True).split())
    assert response.status_code == 200 and f"Promote {version} for" in page
    assert f"{version}/people.npy: does not match its SHA-256 in the manifest" in page
    assert f"cannot tell which of its people {version} learnt from" in page
