"""Everything trackfit keeps about one person, as JSON and as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select

from webapp.accounts.models import User
from webapp.answering import spreadsheet_text
from webapp.assessment.models import Assessment
from webapp.extensions import db
from webapp.manager.models import Decision, ManagerReview
from webapp.sharing.models import Share

SUMMARY_COLUMNS = (
    "assessment_id",
    "started_at",
    "completed_at",
    "pack",
    "model_version",
    "track",
    "confidence",
    "p_success_ic",
    "p_success_ic_low",
    "p_success_ic_high",
    "p_success_manager",
    "p_success_manager_low",
    "p_success_manager_high",
    "interval_level",
    "ic_current",
    "ic_supported",
    "ic_target",
    "manager_current",
    "manager_supported",
    "manager_target",
    # the result's notes, by their ids as the recommendation names them: on the answers
    # (straight_lining, too_fast...) and the rules' (close_call...), "; " between them
    "flags",
)


def _moment(value) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def export_json(user: User, assessments: list[Assessment]) -> dict[str, Any]:
    """The account and every assessment: answers, timings and the stored recommendation, and
    what was recorded about it in a 1:1: whom it was shared with and when, the managers'
    ratings and the notes they shared, and the decisions with their confirmation. A manager's
    private notes are theirs, kept for them alone: the file says so rather than leave them out
    in silence."""
    recorded = _recorded_in_one_to_ones([a.id for a in assessments])
    return {
        "account": {
            "name": user.name,
            "email": user.email,
            "role": user.role,
            # as the org chart sets it: None means the site's default discipline
            "discipline": user.discipline,
            "created_at": _moment(user.created_at),
        },
        "assessments": [
            {
                "id": a.id,
                "pack": a.pack,
                "started_at": _moment(a.started_at),
                "updated_at": _moment(a.updated_at),
                "completed_at": _moment(a.completed_at),
                "answers": a.answers,
                "context": a.context,
                "timings": a.timings,
                "recommendation": a.recommendation,
                **recorded[a.id],
            }
            for a in assessments
        ],
        "not_included": [
            "a manager's private notes about an assessment: only that manager sees them (the "
            "notes they shared with you are in each assessment's manager_reviews)",
            "records HR uploaded by your employee id to train and check the model (the track "
            "you took, whether it worked out, sometimes the answers of an assessment taken "
            "outside trackfit, and any attributes for fairness checks): HR's records, kept "
            "under its own retention rules and not deleted with your account; HR can look them "
            "up by your employee id and remove them (model versions already trained on them "
            "are not changed)",
        ],
    }


def _recorded_in_one_to_ones(assessment_ids: list[int]) -> dict[int, dict[str, list]]:
    """Per assessment: its shares, the managers' reviews (ratings and shared notes) and the
    decisions, oldest first, each naming the manager by name and email."""
    found: dict[int, dict[str, list]] = {
        number: {"shares": [], "manager_reviews": [], "decisions": []} for number in assessment_ids
    }
    if not assessment_ids:
        return found
    people = {}

    def person(user_id: int | None) -> dict[str, str] | None:
        if user_id is None:
            return None
        if user_id not in people:
            user = db.session.get(User, user_id)
            people[user_id] = {"name": user.name, "email": user.email} if user else None
        return people[user_id]

    shares = select(Share).where(Share.assessment_id.in_(assessment_ids)).order_by(Share.id)
    for share in db.session.scalars(shares):
        found[share.assessment_id]["shares"].append(
            {
                "manager": person(share.manager_id),
                "shared_at": _moment(share.shared_at),
                "ended_at": _moment(share.revoked_at),
                "ended_because": share.ended_because,
            }
        )
    reviews = select(ManagerReview).where(ManagerReview.assessment_id.in_(assessment_ids))
    for review in db.session.scalars(reviews.order_by(ManagerReview.id)):
        found[review.assessment_id]["manager_reviews"].append(
            {
                "manager": person(review.manager_id),
                "ratings": review.ratings,
                "shared_notes": review.shared_notes,
                "updated_at": _moment(review.updated_at),
            }
        )
    decisions = select(Decision).where(Decision.assessment_id.in_(assessment_ids))
    for decision in db.session.scalars(decisions.order_by(Decision.recorded_at, Decision.id)):
        found[decision.assessment_id]["decisions"].append(
            {
                "recorded_at": _moment(decision.recorded_at),
                "recorded_by": person(decision.recorded_by),
                "track": decision.track,
                "target_level": decision.target_level,
                "recommended_track": decision.recommended_track,
                "recommended_target": decision.recommended_target,
                "differs_from_the_advice": decision.overrides,
                "reason": decision.reason,
                "you_confirmed_at": _moment(decision.employee_agreed_at),
            }
        )
    return found


def export_csv(assessments: list[Assessment]) -> str:
    """One row per assessment: the recommendation's headline figures (each chance with its
    likely range; per track the level held, the level the answers support and the target),
    its notes (flags), then every answer."""
    items = sorted({key for a in assessments for key in a.answers})
    context = sorted({key for a in assessments for key in a.context})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*SUMMARY_COLUMNS, *context, *items])
    for a in assessments:
        rec = a.recommendation or {}
        levels = rec.get("levels", {})
        p = rec.get("p_success", {})
        # each chance with the range the model gave it (none in a result kept before ranges)
        ranges = rec.get("p_success_interval") or {}
        ic_range = ranges.get("ic") or (None, None)
        manager_range = ranges.get("manager") or (None, None)
        row = [
            a.id,
            _moment(a.started_at),
            _moment(a.completed_at),
            a.pack,
            a.model_version,
            rec.get("track"),
            rec.get("confidence"),
            p.get("ic"),
            *ic_range,
            p.get("manager"),
            *manager_range,
            rec.get("interval_level") if ranges else None,
            levels.get("ic", {}).get("current"),
            levels.get("ic", {}).get("supported"),
            levels.get("ic", {}).get("target"),
            levels.get("manager", {}).get("current"),
            levels.get("manager", {}).get("supported"),
            levels.get("manager", {}).get("target"),
            "; ".join(flag.get("id", "") for flag in rec.get("flags", [])),
        ]
        row += [a.context.get(key) for key in context] + [a.answers.get(key) for key in items]
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with a quote; numbers are
    written as numbers."""
    if isinstance(value, str):
        return spreadsheet_text(value)
    return "" if value is None else value
