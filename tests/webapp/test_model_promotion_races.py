"""Promotions and rollbacks confirmed at the same moment on a live server, on SQLite and on
PostgreSQL: each confirmed step is made at most once (a promotion confirmed as replacing a
version that is no longer active is asked again), and engineering's pointer
(`active/engineering`), its moves in `history.jsonl`, the audit log and what each person was
told agree; a later rollback goes back one real step."""

from __future__ import annotations

import html
import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from recommender.answer.registry import Registry
from tests.concurrency import all_at_once
from tests.webapp.conftest import ROLLBACK_REASON, hidden_fields
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
    """Every tab confirmed replacing v1: one promotion is made, every other tab is asked again
    (409) naming the version now active, and the pointer, history, audit and messages agree."""
    models = Path(app.config["TRACKFIT_MODELS"])
    versions = copies_of_v1(models)
    others = {k: v for k, v in Registry(models).pointers().items() if k != "engineering"}
    hr = LiveBrowser(serve(app)).login("hr@example.com", PASSWORD)
    tabs = [hr.copy() for _ in versions]
    confirmations = []
    for tab, name in zip(tabs, versions, strict=True):
        status, _, page = tab.request(
            "POST",
            f"/hr/models/{name}/promote",
            {"csrf_token": tab.token(f"/hr/models/{name}"), "justification": JUSTIFICATION},
        )
        assert status == 200, page
        confirmations.append(hidden_fields(page))

    def confirm(index):
        status, _, page = tabs[index].request(
            "POST", f"/hr/models/{versions[index]}/promote/confirm", confirmations[index]
        )
        told = FLASH.search(tabs[index].request("GET", "/hr/models")[2]) if status == 302 else None
        return status, told and told.groups(), page

    results = all_at_once(len(versions), confirm)
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [302] + [409] * (len(versions) - 1), statuses
    ((winner, previous),) = [told for status, told, _ in results if status == 302]
    assert previous == "v1"
    for status, _, page in results:
        if status == 409:
            told = html.unescape(page)
            assert "Nothing was promoted: Software engineering's active model changed" in told
            assert f"{winner} is active now" in told
    lines = [json.loads(line) for line in (models / "history.jsonl").read_text().splitlines()]
    assert lines[-1] == {**lines[-1], "pack": "engineering", "to": winner, "from": "v1"}
    assert not any(line.get("to") in set(versions) - {winner} for line in lines)
    moves = Registry(models).history("engineering")  # engineering's moves, the bundled first
    for before, after in itertools.pairwise(moves):
        assert after["from"] == before["to"], moves
    assert (models / "active" / "engineering").read_text().strip() == winner
    assert {k: v for k, v in Registry(models).pointers().items() if k != "engineering"} == others
    assert promotions_audited(app) == [(winner, "v1")]

    # a rollback afterwards goes back exactly one step of that history
    token = hr.token("/hr/models")
    status, _, _ = hr.request(
        "POST",
        "/hr/models/rollback",
        {
            "csrf_token": token,
            "to": "v1",
            "replacing": winner,
            "moves": str(len(moves)),
            "justification": ROLLBACK_REASON,
        },
    )
    assert status == 302
    assert (models / "active" / "engineering").read_text().strip() == "v1"
