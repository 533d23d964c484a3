"""Everything trackfit keeps about one person, as JSON and as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from webapp.accounts.models import User
from webapp.assessment.models import Assessment

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SUMMARY_COLUMNS = (
    "assessment_id",
    "started_at",
    "completed_at",
    "pack",
    "model_version",
    "track",
    "confidence",
    "p_success_ic",
    "p_success_manager",
    "ic_current",
    "ic_target",
    "manager_current",
    "manager_target",
)


def _moment(value) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def export_json(user: User, assessments: list[Assessment]) -> dict[str, Any]:
    """The account and every assessment: answers, timings and the stored recommendation."""
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
            }
            for a in assessments
        ],
    }


def export_csv(assessments: list[Assessment]) -> str:
    """One row per assessment: the recommendation's headline figures, then every answer."""
    items = sorted({key for a in assessments for key in a.answers})
    context = sorted({key for a in assessments for key in a.context})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*SUMMARY_COLUMNS, *context, *items])
    for a in assessments:
        rec = a.recommendation or {}
        levels = rec.get("levels", {})
        p = rec.get("p_success", {})
        row = [
            a.id,
            _moment(a.started_at),
            _moment(a.completed_at),
            a.pack,
            a.model_version,
            rec.get("track"),
            rec.get("confidence"),
            p.get("ic"),
            p.get("manager"),
            levels.get("ic", {}).get("current"),
            levels.get("ic", {}).get("target"),
            levels.get("manager", {}).get("current"),
            levels.get("manager", {}).get("target"),
        ]
        row += [a.context.get(key) for key in context] + [a.answers.get(key) for key in items]
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value
