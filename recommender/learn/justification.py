"""When promoting a version needs a written justification, for every door that promotes (HR's
pages and `trackfit models promote` alike): the comparison judged it worse than the active
version, its chances rank people no better than a coin flip, its fairness report flags a
group, or its chances run high or low for a group (calibration by group); and whether a
justification says why (it holds no character nobody sees: `hidden_character`, which every
written text is checked by). Plain Python, light enough for a web page to read."""

from __future__ import annotations

from typing import Any

from recommender.answer.written_text import (
    COUNTS_AS_TWO,
    counted_length,
    hidden_character,
    not_written,
    words_of,
)
from recommender.learn.fairness_wording import (
    CALIBRATION_UNREADABLE,
    calibration_flagged,
    calibration_readable,
    calibration_report,
    flagged_groups,
    flags_maybe_chance,
)

MIN_JUSTIFICATION = 30  # characters: a reason, not "ok"
MAX_JUSTIFICATION = 4000  # characters: kept in the audit log and the registry's history


def justification_reasons(manifest: dict[str, Any]) -> list[str]:
    """Why promoting the version of this manifest needs a written justification, one reason
    each; empty when it needs none."""
    reasons = []
    judged = (manifest.get("comparison") or {}).get("verdict")
    if judged and judged.get("worse"):
        reasons.append(f"the comparison judged it worse (“{judged['summary']}”)")
    if judged and judged.get("at_chance"):
        reasons.append(
            "its chances on a track rank people no better than a coin flip"
            + ("" if judged.get("worse") else f" (“{judged['summary']}”)")
        )
    flagged = flagged_groups(manifest.get("fairness"))
    if flagged:
        chance = flags_maybe_chance(manifest.get("fairness"))
        reasons.append(
            f"the fairness report flags {flagged} group{'' if flagged == 1 else 's'}"
            + (f" ({chance}; a flag is to be explained, not waved away)" if chance else "")
        )
    calibration = calibration_report(manifest)
    if calibration is not None and not calibration_readable(calibration):
        reasons.append(f"its calibration by group {CALIBRATION_UNREADABLE}")
    elif off := calibration_flagged(calibration):
        reasons.append(
            f"its chances run high or low for {off} group{'' if off == 1 else 's'} "
            "(calibration by group)"
        )
    return reasons


def not_a_reason(justification: str | None, called: str = "a justification") -> str | None:
    """Why a justification is no written reason (a character nobody sees, `hidden_character`;
    under MIN_JUSTIFICATION characters once trimmed, over MAX_JUSTIFICATION, or not written
    in words, `not_written`), or None when it is one; `called` names the text in the message
    ("a reason" for a rollback's)."""
    hidden = hidden_character(justification)
    if hidden:
        return hidden
    text = (justification or "").strip()
    if counted_length(text) < MIN_JUSTIFICATION:
        counted = COUNTS_AS_TWO if words_of(text)[1] else ""
        return (
            f"it is {len(text)} character{'' if len(text) == 1 else 's'}; {called} is "
            f"at least {MIN_JUSTIFICATION}{counted}"
        )
    if len(text) > MAX_JUSTIFICATION:
        return (
            f"it is {len(text):,} characters; {called} is at most {MAX_JUSTIFICATION:,} "
            "(it is kept with the move in the history)"
        )
    return not_written(text, called)


def needs_justification(reasons: list[str], justification: str | None) -> str:
    """The refusal's words both doors share: "needs a written justification, because A, B and
    C", then why the justification given, if any, is none (`not_a_reason`)."""
    because = reasons[0] if len(reasons) == 1 else f"{', '.join(reasons[:-1])} and {reasons[-1]}"
    why_not = not_a_reason(justification) if (justification or "").strip() else None
    given = f"; the one given is no reason: {why_not}" if why_not else ""
    return f"needs a written justification, because {because}{given}"


def unjustified(manifest: dict[str, Any], justification: str | None) -> list[str]:
    """The reasons promoting this version needs a written justification when `justification`
    is not one (`not_a_reason`); empty when none is needed, or the one given will do."""
    if not_a_reason(justification) is None:
        return []
    return justification_reasons(manifest)
