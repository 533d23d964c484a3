"""When promoting a version needs a written justification, for every door that promotes (HR's
pages and `trackfit models promote` alike): the comparison judged it worse than the active
version, its chances rank people no better than a coin flip, or its fairness report flags a
group. Plain Python, light enough for a web page to read."""

from __future__ import annotations

import re
from typing import Any

MIN_JUSTIFICATION = 30  # characters: a reason, not "ok"
MAX_JUSTIFICATION = 4000  # characters: kept in the audit log and the registry's history
MIN_WORDS = 4  # different words: a reason, not thirty "a"s
WORD = re.compile(r"[^\W\d_]{2,}")  # two letters or more, in any script


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
    flagged = len((manifest.get("fairness") or {}).get("flagged", []))
    if flagged:
        reasons.append(f"the fairness report flags {flagged} group{'' if flagged == 1 else 's'}")
    return reasons


def not_a_reason(justification: str | None) -> str | None:
    """Why a justification is no written reason (under MIN_JUSTIFICATION characters once
    trimmed, over MAX_JUSTIFICATION, or fewer than MIN_WORDS different words), or None when
    it is one."""
    text = (justification or "").strip()
    words = {word.casefold() for word in WORD.findall(text)}
    if len(text) < MIN_JUSTIFICATION:
        return (
            f"it is {len(text)} character{'' if len(text) == 1 else 's'}; a justification is "
            f"at least {MIN_JUSTIFICATION}"
        )
    if len(text) > MAX_JUSTIFICATION:
        return (
            f"it is {len(text):,} characters; a justification is at most {MAX_JUSTIFICATION:,} "
            "(it is kept with the promotion in the history)"
        )
    if len(words) < MIN_WORDS:
        return (
            f"it has {len(words)} different word{'' if len(words) == 1 else 's'}; a "
            f"justification is a reason in at least {MIN_WORDS} different words"
        )
    return None


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
