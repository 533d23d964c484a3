"""HR's screens say what is true and say it plainly: rollback only when there is an earlier
version, on a confirmation step of its own; no server path in any message; the pack pages name
one version for new assessments; problems look like warnings; the audit log is paged, with
dates, details and addresses people can read; counts agree with their nouns."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from recommender.answer.registry import Registry
from recommender.learn.fairness import fairness_report
from recommender.learn.publishing import RegistryWriter
from tests.registry_forgery import forged_version
from tests.webapp.conftest import ROLLBACK_REASON, hidden_fields
from tests.webapp.test_pack_versions import pack_files, upload, zipped
from webapp.audit import AuditEvent
from webapp.extensions import db


@pytest.fixture
def registry(team) -> Path:
    return Path(team.config["TRACKFIT_MODELS"])


@pytest.fixture
def hr(team, signed_in):
    return signed_in("hr@example.com")


def promoted_copy(registry: Path, replacing: str = "v1") -> str:
    """A working copy of v1 (the next free version number, as the bundled registry holds
    every pack's model) made engineering's active version in place of `replacing` by a
    promotion recorded in the history; its name."""
    name = forged_version(registry, lambda arrays: None)
    with (registry / "history.jsonl").open("a") as history:
        move = {
            "at": "2026-11-30T10:00:00+00:00",
            "action": "promote",
            "pack": "engineering",
            "from": replacing,
            "to": name,
        }
        history.write(json.dumps(move) + "\n")
    (registry / "active" / "engineering").write_text(f"{name}\n")
    return name


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        db.session.expunge_all()
        return found


def text_of(response) -> str:
    """The page's text with tags removed and spaces collapsed (what a person reads)."""
    html = response.get_data(as_text=True)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# Rolling back


def test_rollback_is_not_offered_when_no_earlier_version_was_active(hr, registry):
    page = text_of(hr.get("/hr/models"))
    assert "Roll back to" not in page
    assert (
        "Nothing to roll back to: Software engineering's pointer history has no version that "
        "was active "
    ) in page


def test_asking_to_roll_back_with_nothing_to_go_back_to_is_a_409_that_changes_nothing(
    team, hr, registry
):
    asked = hr.get("/hr/models/rollback")
    assert asked.status_code == 409
    assert "Nothing to roll back" in text_of(asked)
    posted = hr.submit("/hr/models", {"to": "v1"}, action_url="/hr/models/rollback")
    assert posted.status_code == 409
    assert "Nothing was rolled back" in text_of(posted)
    assert (registry / "active" / "engineering").read_text().strip() == "v1"
    assert events(team, "rollback") == []


def test_rollback_is_offered_after_a_promotion_and_asks_for_a_confirmation(hr, registry):
    copy = promoted_copy(registry)
    models = text_of(hr.get("/hr/models"))
    assert f"Go back from {copy} to v1" in models and "Roll back to v1…" in models
    asked = hr.get("/hr/models/rollback")
    assert asked.status_code == 200
    page = text_of(asked)
    assert "Roll back to v1 for Software engineering?" in page
    assert f"v1 will answer every new assessment instead of {copy}" in page
    assert 'name="to" type="hidden" value="v1"' in asked.get_data(as_text=True)
    # asking changed nothing
    assert (registry / "active" / "engineering").read_text().strip() == copy


def test_a_confirmed_rollback_moves_the_pointer_and_is_audited_with_its_reason(team, hr, registry):
    copy = promoted_copy(registry)
    response = hr.roll_back()
    assert response.status_code == 302
    assert (registry / "active" / "engineering").read_text().strip() == "v1"
    models = text_of(hr.get("/hr/models"))
    assert f"Rolled back: v1 is the active model again (it was {copy})" in models
    # the reason is kept with the move and read where the history is shown
    assert (
        f"rolled back {copy} → v1 by Hana (hr@example.com) , because: “{ROLLBACK_REASON}”" in models
    )
    last = json.loads((registry / "history.jsonl").read_text().splitlines()[-1])
    assert (last["action"], last["to"], last["justification"], last["by"]) == (
        "rollback",
        "v1",
        ROLLBACK_REASON,
        "Hana (hr@example.com)",
    )
    (event,) = events(team, "rollback")
    assert (event.subject, event.detail) == (
        "v1",
        {"pack": "engineering", "previous": copy, "justification": ROLLBACK_REASON},
    )
    assert events(team, "rollback_refused") == []


@pytest.mark.parametrize(
    ("reason", "told"),
    [
        (
            "",
            (
                "a rollback needs a written reason, and none was given",
                "it is 0 characters; a reason is at least 30",
            ),
        ),
        ("   ", ("a rollback needs a written reason, and none was given", "it is 0 characters")),
        (
            "asdf asdf asdf asdf asdf asdf asdf",
            ("the reason given will not do: ", "a reason is written in at least 4 different words"),
        ),
        (
            "lorem ipsum dolor sit amet, consectetur",
            ("the reason given will not do: it is placeholder text", "placeholder text"),
        ),
        (
            "x " * 2001,
            (
                "the reason given cannot be kept: at most 4,000 characters (this is 4,002)",
                "at most 4,000 characters",
            ),
        ),
    ],
    ids=["none", "blank", "repeated", "placeholder", "too-long"],
)
def test_a_rollback_without_a_written_reason_is_refused_audited_and_asked_again(
    team, hr, registry, reason, told
):
    summary, said = told  # in the summary at the top, and beside the field
    copy = promoted_copy(registry)
    history = (registry / "history.jsonl").read_bytes()
    response = hr.roll_back({"justification": reason})
    assert response.status_code == 422
    page = text_of(response)
    assert f"Nothing was rolled back: {summary}" in page
    assert said in page.split("Why roll back?", 1)[1]  # said beside the field as well
    assert "Yes, roll back to v1" in page  # the same step, to confirm with a reason
    assert (registry / "active" / "engineering").read_text().strip() == copy
    assert (registry / "history.jsonl").read_bytes() == history
    assert events(team, "rollback") == []
    (refused,) = events(team, "rollback_refused")
    assert (refused.subject, refused.detail["replacing"]) == ("v1", copy)
    assert next(iter(refused.detail)) == "why"  # what the log's row shows first
    assert refused.detail["why"].startswith(summary)  # what was wrong, not "see below"
    assert refused.detail["justification"] == (reason.strip()[:4000] or None)
    log = text_of(hr.get("/hr/audit?action=rollback_refused"))
    assert "had a model rollback refused" in log and "refused because" in log


@pytest.mark.parametrize("target", ["v1", "the active one"])
def test_a_rollback_confirmed_for_a_step_the_page_never_offered_is_refused_as_such(
    team, hr, registry, target
):
    # the history has not moved since the page was shown: no colleague's move explains
    # another step, so the message does not blame one
    copy = promoted_copy(registry)
    target = copy if target == "the active one" else target
    response = hr.roll_back({"to": target, "replacing": "v9"})
    assert response.status_code == 400
    page = text_of(response)
    assert (
        f"Nothing was rolled back: the confirmation asks to go from v9 to {target}, a step this "
        "page did not offer; Software engineering's pointer history has not moved since"
    ) in page
    assert "active model changed" not in page
    assert f"A rollback now would go from {copy} to v1" in page
    assert (registry / "active" / "engineering").read_text().strip() == copy
    assert events(team, "rollback") == []
    (refused,) = events(team, "rollback_refused")
    assert refused.detail["why"].startswith(f"the confirmation asks to go from v9 to {target}")


def test_a_rollback_confirmed_after_more_moves_than_the_history_has_is_refused(team, hr, registry):
    copy = promoted_copy(registry)
    lines = (registry / "history.jsonl").read_text().splitlines()
    moves = sum(json.loads(line)["pack"] == "engineering" for line in lines)
    response = hr.roll_back({"moves": str(moves + 5)})
    assert response.status_code == 400
    assert (
        f"the confirmation counts {moves + 5} pointer moves for Software engineering, but its "
        f"history has {moves}; this page did not make it"
    ) in text_of(response)
    assert (registry / "active" / "engineering").read_text().strip() == copy
    assert len(events(team, "rollback_refused")) == 1


def test_a_rollback_confirmed_with_an_older_count_it_was_never_offered_at_is_refused(
    team, hr, registry
):
    """An outside review forged moves=0 (nothing could be rolled back then) and was told a
    colleague had moved the pointer since (409, naming one): it is a forgery (400)."""
    copy = promoted_copy(registry)
    lines = (registry / "history.jsonl").read_text().splitlines()
    moves = sum(json.loads(line)["pack"] == "engineering" for line in lines)
    response = hr.roll_back({"moves": "0"})
    assert response.status_code == 400
    page = text_of(response)
    assert (
        f"the confirmation asks to go from {copy} to v1 after 0 pointer moves of Software "
        "engineering, but the rollback page offered nothing to roll back then; this page did "
        "not make it"
    ) in page
    assert "since" not in page.split("this page did not make it")[0][-200:]
    assert (registry / "active" / "engineering").read_text().strip() == copy
    assert moves >= 1 and len(events(team, "rollback_refused")) == 1


def test_a_rollback_confirmed_before_a_colleague_moved_the_pointer_says_so(team, hr, registry):
    copy = promoted_copy(registry)
    kept = hidden_fields(hr.get("/hr/models/rollback").get_data(as_text=True))
    newer = promoted_copy(registry, copy)  # a colleague promotes another version meanwhile
    response = hr.client.post(
        "/hr/models/rollback", data={**kept, "justification": ROLLBACK_REASON}
    )
    assert response.status_code == 409
    page = text_of(response)
    assert (
        f"Software engineering's active model changed since you asked to go back from {copy} "
        f"to v1, last by the promotion of {newer} in place of {copy} at 2026-11-30 10:00 UTC "
        "(the history does not say who; the audit log has every move made on these pages). "
        f"A rollback now would go from {newer} to {copy}"
    ) in page
    assert f"Yes, roll back to {copy}" in page  # the step there is now, to confirm afresh
    # the reason was for going back from copy to v1: not carried over to another step
    assert f"Your reason was written for going back from {copy} to v1" in page
    assert ROLLBACK_REASON not in page
    assert (registry / "active" / "engineering").read_text().strip() == newer
    assert events(team, "rollback") == []
    assert len(events(team, "rollback_refused")) == 1


def test_a_refused_rollback_names_who_made_the_move_that_got_in_its_way(team, hr, registry):
    """The registry's history keeps who moved the pointer; a stale rollback names them, and
    the pointer history shows them (cut short when a line not written here is long)."""
    copy = promoted_copy(registry)
    kept = hidden_fields(hr.get("/hr/models/rollback").get_data(as_text=True))
    newer = forged_version(registry, lambda arrays: None)
    writer = RegistryWriter(registry)
    writer.promote(newer, replacing=copy, by="Grace Hopper (grace@example.com)")
    response = hr.client.post(
        "/hr/models/rollback", data={**kept, "justification": ROLLBACK_REASON}
    )
    assert response.status_code == 409
    page = text_of(response)
    assert f"last by the promotion of {newer} in place of {copy} at " in page
    assert "UTC, made by \u2068Grace Hopper (grace@example.com)\u2069. A rollback now would go" in (
        page
    )
    assert "does not say who" not in page
    with (registry / "history.jsonl").open("a") as history:  # a line not written by trackfit
        move = {"action": "rollback", "pack": "engineering", "from": newer, "to": copy}
        history.write(json.dumps({**move, "by": "<b>\u202e\x00\u200b\ufeff" + "y" * 10_000}) + "\n")
    (registry / "active" / "engineering").write_text(f"{copy}\n")
    html = hr.get("/hr/models").get_data(as_text=True)
    assert (
        f'promoted {copy} → {newer}<span class="by"> by <bdi>Grace Hopper (grace@example.com)'
        in html
    )
    # direction marks and control characters dropped, a line not written here cut short
    assert "<bdi>&lt;b&gt; " + "y" * 395 + "…</bdi>" in html and "y" * 396 not in html
    assert f"time not recorded: rolled back {newer} → {copy}" in html  # the line had no time
    # the longest name and email an account can have are shown whole
    longest = "N" * 120 + " (" + "e" * 242 + "@example.com)"
    assert len(longest) == 120 + 254 + 3
    third = forged_version(registry, lambda arrays: None)
    writer.promote(third, by=longest)
    assert f"<bdi>{longest}</bdi>" in hr.get("/hr/models").get_data(as_text=True)


def test_a_stale_rollback_form_cannot_undo_a_later_promotion(team, hr, registry):
    """The rollback page's form, kept (the back button, a second tab, a colleague), posted
    after the pointer went back and forth: the same two versions, but not the same step."""
    copy = promoted_copy(registry)
    page = hr.get("/hr/models/rollback").get_data(as_text=True)
    kept = {**hidden_fields(page), "justification": ROLLBACK_REASON}
    assert hr.client.post("/hr/models/rollback", data=kept).status_code == 302
    assert hr.promote(copy).status_code == 302  # promoted again: copy replaces v1
    history = (registry / "history.jsonl").read_bytes()
    again = hr.client.post("/hr/models/rollback", data=kept)
    assert again.status_code == 409
    words = text_of(again)
    assert f"It has moved and come back to {copy} since" in words
    assert "Yes, roll back to v1" in words  # the same step, to confirm afresh
    assert (registry / "active" / "engineering").read_text().strip() == copy
    assert (registry / "history.jsonl").read_bytes() == history
    assert len(events(team, "rollback")) == 1


def test_a_stale_rollback_page_with_a_weak_reason_is_told_first_that_the_pointer_moved(
    team, hr, registry
):
    # the page was shown; a colleague rolled back and promoted the same version again since;
    # a weak reason must not hide that behind "write a reason" and re-offer the step quietly
    copy = promoted_copy(registry)
    kept = hidden_fields(hr.get("/hr/models/rollback").get_data(as_text=True))
    assert hr.roll_back().status_code == 302  # the colleague: back to v1 ...
    assert hr.promote(copy).status_code == 302  # ... and copy active again
    response = hr.client.post("/hr/models/rollback", data={**kept, "justification": "asdf"})
    assert response.status_code == 409
    page = text_of(response)
    assert f"It has moved and come back to {copy} since" in page
    assert "Say why going back is right, in words: it is 4 characters" in page  # said too
    assert (registry / "active" / "engineering").read_text().strip() == copy
    (refused,) = events(team, "rollback_refused")
    assert "active model changed since you asked" in refused.detail["why"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("field", ["to", "replacing", "moves", "justification"])
def test_a_nul_in_any_rollback_field_is_refused_and_audited_on_every_database(
    team, hr, registry, field
):
    copy = promoted_copy(registry)
    posted = {"to": "v\x001", "replacing": "v\x004", "moves": "2\x00", "justification": "a\x00b"}
    response = hr.roll_back({field: posted[field]})
    assert response.status_code in (400, 422)
    assert "Nothing was rolled back" in text_of(response)
    assert (registry / "active" / "engineering").read_text().strip() == copy
    (refused,) = events(team, "rollback_refused")
    kept = [refused.subject, *(str(value) for value in refused.detail.values())]
    assert not any("\x00" in text for text in kept)


def test_a_rollback_to_another_disciplines_version_is_refused_as_such(team, hr, registry):
    copy = promoted_copy(registry)
    design = Registry(registry).active("product-design")
    for moves in ("0", "1"):  # an older count too: no colleague's move explains it
        response = hr.roll_back({"to": design, "replacing": "v9", "moves": moves})
        assert response.status_code == 400
        page = text_of(response)
        assert f"{design} is a model of Product design, not of Software engineering" in page
        assert "active model changed" not in page
    assert (registry / "active" / "engineering").read_text().strip() == copy


def test_a_rollback_posted_twice_says_the_version_asked_for_is_active(team, hr, registry):
    copy = promoted_copy(registry)
    kept = hidden_fields(hr.get("/hr/models/rollback").get_data(as_text=True))
    kept["justification"] = ROLLBACK_REASON
    assert hr.client.post("/hr/models/rollback", data=kept).status_code == 302
    twice = hr.client.post("/hr/models/rollback", data=kept)
    assert twice.status_code == 409
    assert "v1 is active now, as you asked: this rollback, or one like it, was made already" in (
        text_of(twice)
    )
    assert (registry / "active" / "engineering").read_text().strip() == "v1"
    assert [e.detail["previous"] for e in events(team, "rollback")] == [copy]


def test_a_rollback_to_a_version_the_registry_never_held_is_refused(team, hr, registry):
    copy = promoted_copy(registry)
    response = hr.roll_back({"to": "v99"})
    assert response.status_code == 400
    assert (
        f"the registry holds no version v99. A rollback now would go from {copy} to v1"
        in text_of(response)
    )
    assert (registry / "active" / "engineering").read_text().strip() == copy
    assert events(team, "rollback") == []


def test_promoting_the_active_version_is_a_409_that_records_nothing(team, hr, registry):
    history = (registry / "history.jsonl").read_bytes()
    model_page = text_of(hr.get("/hr/models/v1"))
    assert "Promote v1" not in model_page  # the active version is never offered for promotion
    for action in ("promote", "promote/confirm"):
        response = hr.submit("/hr/models/v1", action_url=f"/hr/models/v1/{action}")
        assert response.status_code == 409
        page = text_of(response)
        assert "v1 is already the active version for Software engineering" in page
        assert "instead of v1" not in page and "Yes, promote" not in page
    assert (registry / "history.jsonl").read_bytes() == history
    assert (registry / "active" / "engineering").read_text().strip() == "v1"
    assert events(team, "promote") == []
    assert "Go back from" not in text_of(hr.get("/hr/models"))


def test_a_move_to_the_active_version_in_an_older_history_is_no_step_to_roll_back(hr, registry):
    copy = promoted_copy(registry)
    with (registry / "history.jsonl").open("a") as history:
        move = {"action": "promote", "pack": "engineering", "from": copy, "to": copy}
        history.write(json.dumps({"at": "2026-11-30T11:00:00+00:00", **move}) + "\n")
    models = text_of(hr.get("/hr/models"))
    assert f"Go back from {copy} to v1" in models and f"to {copy}," not in models
    asked = hr.get("/hr/models/rollback")
    assert f"v1 will answer every new assessment instead of {copy}" in text_of(asked)
    assert hr.roll_back().status_code == 302
    assert (registry / "active" / "engineering").read_text().strip() == "v1"


@pytest.mark.parametrize(
    "posted",
    [{"to": ""}, {"to": "  "}, {}, {"to": "v1"}, {"to": "v1", "replacing": " "}, {"moves": "²"}],
    ids=["empty", "blank", "none", "no-replacing", "blank-replacing", "forged-moves"],
)
def test_a_rollback_posted_without_the_version_confirmed_is_refused(team, hr, registry, posted):
    # the check that the pointer has not moved since needs the version the page offered
    copy = promoted_copy(registry)
    if "moves" in posted:  # the right step, but a count of moves that is no number
        posted = {"to": "v1", "replacing": copy, **posted}
    history = (registry / "history.jsonl").read_bytes()
    response = hr.submit("/hr/models/rollback", posted)
    assert response.status_code == 400
    page = text_of(response)
    assert "Nothing was rolled back: the confirmation did not say which version" in page
    assert "Yes, roll back to v1" in page  # the step there is now, to confirm afresh
    assert (registry / "active" / "engineering").read_text().strip() == copy
    assert (registry / "history.jsonl").read_bytes() == history
    assert events(team, "rollback") == []


def test_with_an_unreadable_pointer_history_nothing_is_rolled_back_and_it_says_why(
    team, hr, registry
):
    copy = promoted_copy(registry)
    broken_line = len((registry / "history.jsonl").read_text().splitlines()) + 1
    with (registry / "history.jsonl").open("a") as history:
        history.write('{"action": "promote", "to": \n')
    for response in (hr.get("/hr/models/rollback"), hr.submit("/hr/models/rollback", {"to": "v1"})):
        assert response.status_code == 422
        page = text_of(response)
        assert "Nothing can be rolled back while the pointer history cannot be read" in page
        assert f"history.jsonl:{broken_line}" in page and str(registry) not in page
    assert (registry / "active" / "engineering").read_text().strip() == copy
    assert events(team, "rollback") == []


# Justifications hold nothing hidden

OVERRIDDEN = "\u202e" + ROLLBACK_REASON  # shown, it would read backwards
OVERRIDE_SAID = (
    "it holds an invisible character, U+202E RIGHT-TO-LEFT OVERRIDE, at character 1; remove "
    "it and try again"
)


def test_a_rollback_reason_with_a_direction_override_is_refused_and_never_stored(
    team, hr, registry
):
    copy = promoted_copy(registry)
    history = (registry / "history.jsonl").read_bytes()
    response = hr.roll_back({"justification": OVERRIDDEN})
    assert response.status_code == 422
    page = text_of(response)
    assert f"Nothing was rolled back: the reason given cannot be kept: {OVERRIDE_SAID}" in page
    assert f"Why roll back?: {OVERRIDE_SAID}." in page  # beside the field too
    assert (registry / "active" / "engineering").read_text().strip() == copy
    assert (registry / "history.jsonl").read_bytes() == history
    assert events(team, "rollback") == []
    (refused,) = events(team, "rollback_refused")
    assert refused.detail["justification"] is None and "\u202e" not in json.dumps(refused.detail)
    assert OVERRIDE_SAID in refused.detail["why"]
    assert "\u202e" not in hr.get("/hr/audit.csv").get_data(as_text=True)


@pytest.mark.parametrize("step", ["promote", "promote/confirm"])
def test_a_promotion_justified_with_a_hidden_character_is_refused_needed_or_not(
    team, hr, registry, step
):
    """The copy needs no justification; one given is kept, so it is checked all the same."""
    name = forged_version(registry, lambda arrays: None)
    history = (registry / "history.jsonl").read_bytes()
    page = f"/hr/models/{name}"
    typed = ROLLBACK_REASON[:3] + "\u200b" + ROLLBACK_REASON[3:]
    response = hr.submit(page, {"justification": typed}, action_url=f"{page}/{step}")
    assert response.status_code == 422
    said = (
        "Justification: it holds an invisible character, U+200B ZERO WIDTH SPACE, at character "
        "4; remove it and try again."
    )
    assert said in text_of(response)
    assert (registry / "history.jsonl").read_bytes() == history
    assert (registry / "active" / "engineering").read_text().strip() == "v1"
    assert events(team, "promote") == [] and events(team, "promotion_refused") == []
    assert hr.promote(name, ROLLBACK_REASON).status_code == 302  # typed without it: promoted


def test_the_audit_log_isolates_each_detail_from_the_text_around_it(team, hr):
    """Defence in depth: a direction mark stored before justifications refused them turns
    its own detail around, not the details after it."""
    detail = {"justification": OVERRIDDEN, "pack": "engineering"}
    add_events(team, 1, action="rollback", detail=detail)
    html = hr.get("/hr/audit?action=rollback").get_data(as_text=True)
    assert "<bdi>discipline: engineering</bdi>" in html
    assert f'<div class="reason">reason: <bdi>“{OVERRIDDEN}”</bdi></div>' in html


# No server paths


def test_no_refusal_on_the_model_pages_shows_where_the_registry_is_on_the_server(
    team, hr, registry
):
    server_paths = (str(registry), str(registry.resolve()), str(registry.parent))
    broken = forged_version(
        registry, lambda arrays: arrays.update(shape_ic_0=arrays["shape_ic_0"] * 0 + 1e9)
    )
    with (registry / "history.jsonl").open("a") as history:
        for move in ({"from": "v1", "to": broken}, {"from": broken, "to": "v1"}):
            history.write(
                json.dumps(
                    {
                        "at": "2026-01-01T00:00:00+00:00",
                        "action": "promote",
                        "pack": "engineering",
                        **move,
                    }
                )
            )
            history.write("\n")
    page = f"/hr/models/{broken}"
    responses = {
        "promote": hr.submit(page, action_url=f"{page}/promote"),
        "promote/confirm": hr.submit(page, action_url=f"{page}/promote/confirm"),
        "rollback": hr.roll_back({"to": broken, "replacing": "v1"}),
    }
    for name, response in responses.items():
        assert response.status_code == 422, name
        assert not any(path in response.get_data(as_text=True) for path in server_paths), name
    assert f"{broken}/model.npz" in text_of(
        responses["promote"]
    )  # the file, named inside the registry
    (registry / "v1" / "manifest.json").write_text('{"sha256": 3}')
    (registry / "active" / "engineering").write_bytes(b"../../etc/passwd")
    for url in ("/hr/models", "/hr/models/v1", "/hr/models/v1/card", "/hr/models/rollback"):
        html = hr.get(url).get_data(as_text=True)
        assert not any(path in html for path in server_paths), url
    assert "v1/manifest.json" in text_of(hr.get("/hr/models/v1"))
    assert "active/engineering" in text_of(hr.get("/hr/models"))


# Warnings look like warnings


def with_flags_and_a_worse_verdict(registry: Path) -> None:
    """v1's manifest says 3 groups are flagged and the comparison judged it worse."""
    path = registry / "v1" / "manifest.json"
    manifest = json.loads(path.read_text())
    flagged = [{"attribute": "gender", "outcome": "manager", "group": g} for g in "abc"]
    manifest["fairness"] = {**(manifest.get("fairness") or {}), "flagged": flagged}
    manifest["comparison"] = {"verdict": {"worse": True, "summary": "worse on both", "rows": 1}}
    path.write_text(json.dumps(manifest))


def test_flagged_groups_and_a_worse_verdict_are_warnings_not_notes(hr, registry):
    with_flags_and_a_worse_verdict(registry)
    model = hr.get("/hr/models/v1").get_data(as_text=True)
    assert re.search(r'class="notice warning"><strong>3 flagged groups</strong>', model)
    assert re.search(r'aria-labelledby="verdict-heading" class="notice warning"', model)
    assert "Behind this verdict: 1 person," in text_of(hr.get("/hr/models/v1"))
    # the verdict judges the training as much as the model: HR is told so
    assert (
        "It judges the way v1 was trained as much as v1 itself: by 5-fold cross-fitting, each "
        "person was scored by one of the candidates trained the same way without them"
    ) in text_of(hr.get("/hr/models/v1"))
    models = hr.get("/hr/models").get_data(as_text=True)
    assert '<strong class="warning-text">3 flagged groups</strong>' in models
    assert '<strong class="warning-text">worse on both</strong>' in models


def test_a_printed_model_page_leaves_out_the_promotion_form(hr, registry):
    """Printed, a candidate's page ended on a page of its own holding an empty justification
    box and its hint: a form is no record, and the other forms are left out in print."""
    copy = forged_version(registry, lambda arrays: None)
    html = hr.get(f"/hr/models/{copy}").get_data(as_text=True)
    section = re.search(r"<section id=\"promote\"[^>]*>", html)
    assert section and "no-print" in section.group(0)


def test_a_refused_promotion_is_summed_up_as_a_promotion_not_as_answers(hr, registry):
    with_flags_and_a_worse_verdict(registry)
    copy = forged_version(registry, lambda arrays: None)
    path = registry / copy / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["fairness"] = {"flagged": [{"group": "a"}]}
    path.write_text(json.dumps(manifest))
    response = hr.submit(f"/hr/models/{copy}", action_url=f"/hr/models/{copy}/promote")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html[html.index('class="error-summary"') :][:1200]
    assert f"{copy} was not promoted" in summary and "Please check" not in summary
    assert "the fairness report flags 1 group" in text_of(response)
    assert "Justification —" not in summary  # the message says what it is about
    assert "autofocus" in summary


def test_chances_that_run_high_for_a_group_are_on_the_confirmation_and_in_the_audit_log(
    app, hr, registry
):
    """An outside review: the model page and the justification prompt named a group whose
    chances ran high; the confirmation step and the audit record did not."""
    copy = forged_version(registry, lambda arrays: None)
    path = registry / copy / "manifest.json"
    manifest = json.loads(path.read_text())
    group = {
        "group": "b", "people": 40, "observed": 0.3, "observed_interval": [0.2, 0.4],
        "predicted": 0.59, "difference": -0.29, "p_value": 0.001, "p_adjusted": 0.002,
        "flagged": True,
    }  # fmt: skip
    cell = {"people": 80, "groups": [group], "not_judged": [], "in_smaller_groups": 0}
    manifest["sensitive_columns"] = ["team"]
    manifest["holdout"]["calibration_by_group"] = {
        "smallest_judged": 30,
        "attributes": [{"attribute": "team", "tracks": {"ic": cell}}],
    }
    manifest["comparison"] = {"active": "v0", "verdict": {"summary": "no difference", "rows": 80}}
    path.write_text(json.dumps(manifest))
    why = "Reviewed the group b gap with the works council; a retraining is planned for March."
    page = f"/hr/models/{copy}"
    asked = hr.submit(page, {"justification": why}, f"{page}/promote")
    assert asked.status_code == 200
    said = text_of(asked)
    assert "Calibration by group chances run high or low for 1 group" in said
    assert f'href="/hr/models/{copy}#calibration-heading"' in asked.get_data(as_text=True)
    confirmation = hidden_fields(asked.get_data(as_text=True))
    assert hr.client.post(f"{page}/promote/confirm", data=confirmation).status_code == 302
    (event,) = events(app, "promote")
    assert event.detail["calibration"] == "chances run high or low for 1 group"
    assert event.detail["judged_against"] == "v0"  # not v1, the version it replaced
    log = text_of(hr.get("/hr/audit"))
    assert "calibration by group: chances run high or low for 1 group" in log
    assert "verdict judged against: v0" in log


@pytest.mark.parametrize(
    ("fairness", "said"),
    [
        (None, "Fairness not checked: trained without sensitive columns"),
        (
            {"attributes": [{"attribute": "team", "outcomes": {}}], "flagged": []},
            "Fairness no check possible (no sensitive attribute had two groups to compare): "
            "this is not a pass",
        ),
    ],
    ids=["no sensitive data", "nothing could be compared"],
)
def test_the_confirmation_says_when_the_advice_was_never_checked_for_fairness(
    team, hr, registry, fairness, said
):
    """The last step before a version answers everyone named fairness only when it flagged a
    group: a version whose advice was never checked (no sensitive column, or none with two
    groups to compare, which the models list calls 'no check possible') read as a pass."""
    copy = forged_version(registry, lambda arrays: None)
    path = registry / copy / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.pop("fairness", None)
    if fairness is not None:
        manifest["fairness"] = fairness
    path.write_text(json.dumps(manifest))
    page = f"/hr/models/{copy}"
    asked = hr.submit(page, action_url=f"{page}/promote")
    assert asked.status_code == 200 and "Yes, promote" in text_of(asked)
    assert said in text_of(asked)
    # and the audit record says so, not "0 flagged groups" alone
    confirmation = hidden_fields(asked.get_data(as_text=True))
    assert hr.client.post(f"{page}/promote/confirm", data=confirmation).status_code == 302
    (event,) = events(team, "promote")
    assert event.detail["fairness"] == said.removeprefix("Fairness ")
    assert f"fairness: {event.detail['fairness']}" in text_of(hr.get("/hr/audit"))


# The pack pages name one version for new assessments


def test_right_after_an_install_the_pack_pages_name_the_new_version_only(team, hr):
    # the answering door keeps the pack it loaded for a while, as in production
    team.config["TRACKFIT_RECHECK_SECONDS"] = 600
    assert "engineering@1" in text_of(hr.get("/hr/packs"))
    installed = upload(hr, zipped(pack_files(2)))
    assert installed.status_code == 302
    page = text_of(hr.get(installed.headers["Location"]))
    assert "Pack engineering@2 is installed; new assessments use it from now on." in page
    assert "New assessments use this version, engineering@2." in page
    assert "New assessments use engineering@1" not in page
    packs = hr.get("/hr/packs").get_data(as_text=True)
    used = re.findall(
        r">(engineering@\d)</a></th>.*?<td[^>]*>(used for new assessments|kept)", packs
    )
    assert used == [("engineering@2", "used for new assessments"), ("engineering@1", "kept")]
    assert "higher than that discipline's newest (Software engineering: 2," in text_of(
        hr.get("/hr/packs")
    )


# The audit log


def add_events(app, count: int, **fields) -> None:
    """`count` export events, one a minute from 2025-01-01 00:00, the newest last."""
    start = datetime(2025, 1, 1)
    with app.app_context():
        for n in range(count):
            db.session.add(
                AuditEvent(
                    at=start + timedelta(minutes=n),
                    action=fields.get("action", "export"),
                    subject=f"event {n}",
                    actor_email="ada@example.com",
                    detail=fields.get("detail", {}),
                    address=fields.get("address"),
                )
            )
        db.session.commit()


def subjects(response) -> list[str]:
    return re.findall(r'class="subject">([^<]*)</td>', response.get_data(as_text=True))


def test_the_audit_log_is_paged_newest_first_with_a_count_and_page_links(team, hr):
    add_events(team, 120)  # and HR's login: 121 events
    first = hr.get("/hr/audit")
    assert first.status_code == 200
    assert len(subjects(first)) == 50
    assert subjects(first)[1:3] == ["event 119", "event 118"]
    page = text_of(first)
    assert "Events 1–50 of 121, page 1 of 3." in page
    assert 'href="/hr/audit?page=2" rel="next"' in first.get_data(as_text=True)
    last = hr.get("/hr/audit?page=3")
    assert subjects(last) == [f"event {n}" for n in range(20, -1, -1)]
    assert "Events 101–121 of 121, page 3 of 3." in text_of(last)
    assert "Download as CSV (all 121 events)" in text_of(last)
    # past the end: the last page; not a number: the first
    assert subjects(hr.get("/hr/audit?page=99")) == subjects(last)
    assert subjects(hr.get("/hr/audit?page=x")) == subjects(first)


def test_the_filters_are_kept_across_pages(team, hr):
    add_events(team, 60)
    add_events(team, 5, action="share")
    response = hr.get("/hr/audit?action=export&actor=ada")
    html = response.get_data(as_text=True)
    assert "Events 1–50 of 60 matching the filters, page 1 of 2." in text_of(response)
    assert 'href="/hr/audit?page=2&amp;action=export&amp;actor=ada" rel="next"' in html
    second = hr.get("/hr/audit?page=2&action=export&actor=ada")
    assert subjects(second) == [f"event {n}" for n in range(9, -1, -1)]


def test_a_small_log_has_no_page_links_and_its_count_agrees_with_its_noun(team, hr):
    response = hr.get("/hr/audit?action=login")
    assert "1 event matching the filters." in text_of(response)
    assert 'class="pages"' not in response.get_data(as_text=True)


def test_each_event_shows_a_compact_time_readable_details_and_its_address(team, hr):
    detail = {
        "rows": 1,
        "not_usable": 2,
        "kind": "short",
        "sensitive_columns": ["gender", "age_band"],
    }
    add_events(team, 1, action="outcomes_upload", detail=detail, address="203.0.113.9")
    html = hr.get("/hr/audit?action=outcomes_upload").get_data(as_text=True)
    assert '<time datetime="2025-01-01T00:00:00Z">2025-01-01 00:00</time>' in html
    page = text_of(hr.get("/hr/audit?action=outcomes_upload"))
    assert "1 row; 2 rows not usable; kind: short; sensitive columns: gender, age band" in page
    assert "203.0.113.9" in page
    assert "['" not in html and "{'" not in html


def test_ids_counts_and_yes_or_no_details_read_as_words(team, hr):
    detail = {"upload": 3, "rows": 10, "not_usable": 1}
    add_events(team, 1, action="outcomes_confirmed", detail=detail)
    add_events(team, 1, action="decision", detail={"track": "ic", "overrides": True})
    page = text_of(hr.get("/hr/audit?since=2025-01-01&until=2025-01-01"))
    assert "upload #3; 10 rows; 1 row not usable" in page
    assert "track: ic; overrides the advice" in page


def test_a_change_to_a_person_reads_as_what_changed(team, hr, make_user):
    add_events(
        team,
        1,
        action="org_edit",
        detail={
            "before": {"manager_id": 3, "role": "employee"},
            "after": {"manager_id": 3, "role": "manager"},
        },
    )
    assert "role: employee → manager" in text_of(hr.get("/hr/audit?action=org_edit"))


def test_the_csv_keeps_the_exact_details_as_json(team, hr):
    add_events(team, 1, action="outcomes_upload", detail={"sensitive_columns": ["age_band"]})
    csv_text = hr.get("/hr/audit.csv?action=outcomes_upload").get_data(as_text=True)
    assert '"{""sensitive_columns"": [""age_band""]}"' in csv_text


def unfolded(response) -> str:
    """The page's text as read without opening a fold: a <details> element's contents, and
    text shown only on paper, left out."""
    html = response.get_data(as_text=True)
    html = re.sub(
        r"<details.*?</details>|<span class=\"print-only\">.*?</span>", " ", html, flags=re.S
    )
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_a_rollback_reads_in_the_audit_log_as_who_went_back_from_which_version_and_why(
    team, hr, registry
):
    copy = promoted_copy(registry)
    assert hr.roll_back().status_code == 302
    response = hr.get("/hr/audit?action=rollback")
    # who, from which version back to which, and the reason in full, without opening anything
    assert (
        f"Hana hr@example.com rolled back the active model v1 from {copy} back to v1; "
        f"discipline: engineering reason: “{ROLLBACK_REASON}”"
    ) in unfolded(response)
    # a rollback carries a reason, not a promotion's justification
    assert "justification" not in text_of(response)


def test_each_written_reason_in_the_audit_log_is_named_for_what_it_is(team, hr, registry):
    justification = "The gap follows experience; reviewed with the works council on 2 December."
    add_events(
        team,
        1,
        action="promote",
        detail={"previous": "v1", "pack": "engineering", "justification": justification},
    )
    promotion = hr.get("/hr/audit?action=promote")
    # the justification is what a promotion's row is read for: whole, never behind a fold
    assert (f"replaced: v1; discipline: engineering justification: “{justification}”") in unfolded(
        promotion
    )
    assert "<details" not in promotion.text and "reason:" not in text_of(promotion)
    copy = promoted_copy(registry)
    assert hr.roll_back({"justification": "asdf asdf asdf asdf asdf asdf"}).status_code == 422
    refused = text_of(hr.get("/hr/audit?action=rollback_refused"))
    assert "refused because: the reason given will not do: " in refused
    assert (
        f"; discipline: engineering; from {copy} back to v1; reason: asdf asdf asdf asdf asdf asdf"
    ) in refused
    assert "justification" not in refused
    assert ".;" not in refused  # the refusal's full stop ends it, not a list of details


def test_a_changed_password_is_audited(team, signed_in, password):
    ada = signed_in("ada@example.com")
    response = ada.submit(
        "/account/password",
        {
            "current": password,
            "password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert response.status_code == 302
    (event,) = events(team, "password_changed")
    assert (event.actor_email, event.subject) == ("ada@example.com", "ada@example.com")


# Counts agree with their nouns


@pytest.mark.parametrize(
    ("rows", "told"),
    [
        (["new1@example.com,New One,,employee"], "Org chart imported: 1 person added, "),
        (
            ["new1@example.com,New One,,employee", "new2@example.com,New Two,,employee"],
            "Org chart imported: 2 people added, ",
        ),
    ],
)
def test_the_org_chart_import_counts_people_in_words_that_agree(hr, rows, told):
    body = "\n".join(["email,name,manager_email,role", *rows]) + "\n"
    response = hr.post(
        "/hr/people/import",
        data={"csrf_token": hr.token("/hr/people"), "file": (io.BytesIO(body.encode()), "org.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert told in text_of(hr.get("/hr/people"))


def with_fold_choices(registry: Path, fold_choices) -> str:
    """A copy of v1 whose manifest records these fold choices; its name."""
    name = forged_version(registry, lambda arrays: None)
    path = registry / name / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["holdout"] = {**(manifest.get("holdout") or {}), "fold_choices": fold_choices}
    path.write_text(json.dumps(manifest))
    return name


def test_fold_choices_a_manifest_did_not_get_from_trackfit_never_break_the_model_page(hr, registry):
    odd = with_fold_choices(
        registry,
        [{"scored": True, "ic": {"knots": "2"}}, "fold", {"manager": {"knots": 2, "c": 1}}],
    )
    page = text_of(hr.get(f"/hr/models/{odd}"))
    assert "What each of the 3 cross-fitting folds chose" in page
    assert "Fold 1 not recorded not recorded not recorded" in page
    assert "Fold 3 not recorded not recorded straight lines" in page
    # more folds than any training makes: not drawn at all (each row is the page's work)
    many = with_fold_choices(registry, [{"ic": {"knots": 2}}] * 100_000)
    response = hr.get(f"/hr/models/{many}")
    assert response.status_code == 200
    assert "cross-fitting folds chose" not in text_of(response)
    assert len(response.get_data()) < 200_000


def with_pairs(registry: Path, pairs) -> str:
    """A copy of v1 whose manifest says its manager track took these interactions; its name."""
    name = forged_version(registry, lambda arrays: None)
    path = registry / name / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["metrics"]["tracks"]["manager"]["pairs"] = pairs
    manifest["holdout"] = {
        **(manifest.get("holdout") or {}),
        "fold_choices": [{"manager": {"knots": 2, "pairs": pairs}, "ic": {"knots": 2}}] * 2,
    }
    path.write_text(json.dumps(manifest))
    return name


def test_the_model_page_names_the_interactions_a_version_took_in_the_packs_words(hr, registry):
    name = with_pairs(
        registry, ["constructs.lead_affective*constructs.conflict_comfort", "constructs.x*y"]
    )
    page = text_of(hr.get(f"/hr/models/{name}"))
    assert (
        "people manager track with straight lines and 2 interactions: “Enjoys leading people” "
        "with “Comfort with difficult conversations”; “constructs.x” with “y”" in page
    )
    assert "straight lines, 2 interactions" in page  # each fold's choice
    for odd in ("constructs.a*constructs.b", [1, 2], [None], {"a": 1}, []):
        response = hr.get(f"/hr/models/{with_pairs(registry, odd)}")
        assert response.status_code == 200
        assert "interaction" not in text_of(response)


def test_the_folds_summary_says_when_their_penalties_differ_from_the_versions(hr, registry):
    tracks = json.loads((registry / "v1" / "manifest.json").read_text())["metrics"]["tracks"]
    own = {track: tracks[track]["regularisation_c"] for track in ("ic", "manager")}
    knots = {track: tracks[track]["knots"] for track in ("ic", "manager")}
    folds = [
        {
            "scored": 10,
            "ic": {"knots": knots["ic"], "regularisation_c": own["ic"]},
            "manager": {"knots": knots["manager"], "regularisation_c": c},
        }
        for c in (0.001, 0.0562)
    ]
    version = with_fold_choices(registry, folds)
    page = text_of(hr.get(f"/hr/models/{version}"))
    summary = page.split("What each of the 2 cross-fitting folds chose: ")[1].split(" Each fold")[0]
    assert "2 of 2 chose" in summary
    assert f"(C from 0.001 to 0.0562; {version}: {own['manager']:.3g})" in summary
    assert summary.count("(C ") == 1  # the IC track's folds all chose the version's penalty


def test_a_long_reason_in_the_pointer_history_is_folded_and_a_huge_one_cut(hr, registry):
    copy = promoted_copy(registry)
    long_reason = "Back to v1 while the works council reviews the new version. " * 12
    assert hr.roll_back({"justification": long_reason}).status_code == 302
    with (registry / "history.jsonl").open("a") as history:  # a line not written by trackfit
        move = {"action": "promote", "pack": "engineering", "from": "v1", "to": copy}
        huge = {"at": "2026-12-01T10:00:00+00:00", **move, "justification": "x" * 1_000_000}
        history.write(json.dumps(huge) + "\n")
    response = hr.get("/hr/models")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and len(html) < 100_000
    assert '<details class="why"><summary><span class="preview">“Back to v1 while the' in html
    assert f"“{long_reason.strip()}”" in html  # the whole of it, once opened
    assert "x" * 3999 + "…" in html and "x" * 4000 not in html


def test_a_flag_that_could_be_chance_says_so_on_the_model_page(hr, registry):
    labels = np.array(["a"] * 200 + ["b"] * 40, dtype=object)
    chosen = np.array([i < 100 for i in range(200)] + [i < 15 for i in range(40)])
    name = forged_version(registry, lambda arrays: None)
    path = registry / name / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["fairness"] = fairness_report({"manager_recommended": chosen}, {"gender": labels})
    path.write_text(json.dumps(manifest))
    page = text_of(hr.get(f"/hr/models/{name}"))
    assert "flagged , though p ≥ 0.05: a gap this size among these people could be chance" in page
