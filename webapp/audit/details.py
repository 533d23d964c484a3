"""An event's details as a person reads them: "sensitive columns: gender, age band; 3 people
added", never a Python dict or list."""

from __future__ import annotations

from typing import Any

from webapp.counting import counted

# Counts, with the noun they count: {"created": 1} reads "1 person added".
COUNTS = {
    "created": ("person added", "people added"),
    "updated": ("person updated", "people updated"),
    "unchanged": ("person unchanged", "people unchanged"),
    "rows": ("row", "rows"),
    "not_usable": ("row not usable", "rows not usable"),
    "problems": ("problem", "problems"),
    "flagged_groups": ("flagged group", "flagged groups"),
    "rated": ("competency rated", "competencies rated"),
    "moved": ("person moved to another discipline", "people moved to another discipline"),
}
# Yes-or-no details, as the phrase each answer reads as (None: nothing worth saying).
FLAGS = {
    "too_few_rows": ("too few usable rows", None),
    "activated": ("first login after activating the account", None),
    "overrides": ("overrides the advice", "follows the advice"),
    "reclaimed": ("registered on the site: signed out until invited", None),
}
LABELS = {
    "previous": "replaced",
    "replacing": "would have replaced",
    "sha256": "file fingerprint",
    "filename": "file",
    "run": "training run",
    "target": "target level",
    "manager_id": "manager (account id)",  # what edits recorded before 3 December 2026
    "unfinished": "an unfinished assessment keeps",
    "why": "refused because",
    "calibration": "calibration by group",
    "judged_against": "verdict judged against",
    "again_after": "started again after failed run",
    "left_without_manager": "now without a manager",
}
# A model's moves, as HR reads them: `pack` there is the discipline whose pointer moved; a
# rollback's words are its reason (a promotion's, its justification), and it goes from the
# version it replaced (or would have) back to its subject.
MODEL_MOVES = {"promote", "promotion_refused", "rollback", "rollback_refused"}
GONE_BACK_FROM = {"rollback": "previous", "rollback_refused": "replacing"}
# Our own sentences, recorded with their full stop: in a list of details it would read ".;".
OWN_SENTENCES = {"why"}
# Details that are the id of a row (upload 3, run 7), read as "upload #3".
IDS = {"upload", "run", "decision", "again_after"}
# Details whose values are names written for code (age_band), shown as words (age band).
NAMES = {"sensitive_columns", "filters", "kind", "format", "role", "track"}


def readable(detail: dict[str, Any] | None, action: str = "", subject: str = "") -> list[str]:
    """One phrase per detail, in the order they were recorded; empty details say nothing. A
    rollback's reason and a promotion's justification are not among them: `reason` gives
    them, to be shown whole."""
    detail = detail or {}
    phrases = []
    if isinstance(detail.get("before"), dict) and isinstance(detail.get("after"), dict):
        phrases += _changes(detail["before"], detail["after"])
        detail = {k: v for k, v in detail.items() if k not in ("before", "after")}
    for key, value in detail.items():
        if key == "justification" and reason(action, detail):
            continue  # shown whole, apart from the rest: `reason`
        phrase = _move_phrase(action, subject, key, value) or _phrase(key, value)
        if phrase:
            phrases.append(phrase)
    return phrases


# The words HR wrote for a model's move that took effect, by what the page calls them: what
# such a row is read for, so never folded among its other details.
WRITTEN = {"rollback": "reason", "promote": "justification"}


def reason(action: str, detail: dict[str, Any] | None) -> tuple[str, str] | None:
    """What the words written for a rollback (its reason) or a promotion (its justification)
    are called, and the words; None when none were written."""
    written = (detail or {}).get("justification") if action in WRITTEN else None
    return (WRITTEN[action], written) if isinstance(written, str) and written else None


def _move_phrase(action: str, subject: str, key: str, value: Any) -> str | None:
    """A detail of a model's move in the move's own words, or None where the general words do."""
    if action not in MODEL_MOVES or value is None or value == "":
        return None
    if key == "pack":
        return f"discipline: {_value(value)}"
    if key == GONE_BACK_FROM.get(action):
        return f"from {_value(value)} back to {subject}" if subject else f"from {_value(value)}"
    if key == "justification" and action == "rollback_refused":
        return f"reason: {_value(value)}"
    return None


def _phrase(key: str, value: Any) -> str | None:
    if key in COUNTS and isinstance(value, int) and not isinstance(value, bool):
        return counted(value, *COUNTS[key])
    if key in FLAGS and isinstance(value, bool):
        return FLAGS[key][0] if value else FLAGS[key][1]
    if value is None or value in ("", [], {}):
        return None
    if key in IDS and isinstance(value, int) and not isinstance(value, bool):
        return f"{_label(key)} #{value}"
    if key in OWN_SENTENCES and isinstance(value, str):
        return f"{_label(key)}: {value.removesuffix('.')}"
    return f"{_label(key)}: {_value(value, words=key in NAMES)}"


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """'role: employee → manager' for each field that changed (or 'no change')."""
    changed = [
        f"{_label(key)}: {_value(before.get(key), key in NAMES)} → "
        f"{_value(after.get(key), key in NAMES)}"
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]
    return changed or ["no change"]


def _label(key: str) -> str:
    return LABELS.get(key, key.replace("_", " "))


def _value(value: Any, words: bool = False) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{_label(k)} {_value(v, words)}" for k, v in sorted(value.items()))
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(item, words) for item in value) or "none"
    text = str(value)
    return text.replace("_", " ") if words else text
