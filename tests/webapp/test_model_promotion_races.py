"""Promotions and rollbacks confirmed at the same moment on a live server, on SQLite and on
PostgreSQL: every request succeeds, and engineering's pointer (`active/engineering`), its moves
in `history.jsonl`, the audit log and what each person was told agree; a later rollback goes
back one real step."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from recommender.answer.registry import Registry
from tests.concurrency import all_at_once
from tests.webapp.factories import PASSWORD
from tests.webapp.test_races import LiveBrowser
from webapp.audit.models import AuditEvent
from webapp.extensions import db

COPIES = 8  # versions promoted at the same moment
JUSTIFICATION = "two promotions at the same moment to check the registry stays consistent"
FLASH = re.compile(r"(v\d+) is now the active model \(it was (v\d+|none)\)")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """Every test here runs on both databases."""
    return request.param


def copies_of_v1(models: Path) -> tuple[str, ...]:
    """New versions (the next numbers free: the registry holds every bundled pack's model) as
    copies of v1 (the same model file, so the same hash); their names."""
    first = int(Registry(models).versions()[-1][1:]) + 1
    names = tuple(f"v{n}" for n in range(first, first + COPIES))
    for name in names:
        shutil.copytree(models / "v1", models / name)
        manifest = json.loads((models / name / "manifest.json").read_text())
        manifest["version"] = name
        (models / name / "manifest.json").write_text(json.dumps(manifest))
    return names


def promotions_audited(app) -> list[tuple[str, str | None]]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(("promote", "rollback")))
        ).all()
        return sorted((e.subject, e.detail.get("previous")) for e in events)


def test_simultaneous_promotions_agree_in_pointer_history_audit_and_message(app, team, serve):
    models = Path(app.config["TRACKFIT_MODELS"])
    versions = copies_of_v1(models)
    others = {k: v for k, v in Registry(models).pointers().items() if k != "engineering"}
    hr = LiveBrowser(serve(app)).login("hr@example.com", PASSWORD)
    tokens = [hr.token(f"/hr/models/{name}") for name in versions]
    tabs = [hr.copy() for _ in versions]

    def confirm(index):
        status, _, _ = tabs[index].request(
            "POST",
            f"/hr/models/{versions[index]}/promote/confirm",
            {"csrf_token": tokens[index], "justification": JUSTIFICATION},
        )
        told = FLASH.search(tabs[index].request("GET", "/hr/models")[2])
        return status, told and told.groups()

    results = all_at_once(len(versions), confirm)
    assert [status for status, _ in results] == [302] * len(versions), results
    lines = [json.loads(line) for line in (models / "history.jsonl").read_text().splitlines()]
    new = lines[-len(versions) :]
    assert all(move["pack"] == "engineering" for move in new), new
    moves = Registry(models).history("engineering")  # engineering's moves, the bundled first
    for before, after in itertools.pairwise(moves):
        assert after["from"] == before["to"], moves
    assert (models / "active" / "engineering").read_text().strip() == moves[-1]["to"]
    assert {k: v for k, v in Registry(models).pointers().items() if k != "engineering"} == others
    told = sorted((to, previous) for _, (to, previous) in results)
    assert told == sorted((m["to"], m["from"]) for m in new)
    assert promotions_audited(app) == told

    # a rollback afterwards goes back exactly one step of that history
    token = hr.token("/hr/models")
    back_to = moves[-1]["from"]
    status, _, _ = hr.request(
        "POST",
        "/hr/models/rollback",
        {"csrf_token": token, "to": back_to, "replacing": moves[-1]["to"]},
    )
    assert status == 302
    assert (models / "active" / "engineering").read_text().strip() == moves[-1]["from"]
