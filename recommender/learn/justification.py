"""When promoting a version needs a written justification, for every door that promotes (HR's
pages and `trackfit models promote` alike): the comparison judged it worse than the active
version, its chances rank people no better than a coin flip, or its fairness report flags a
group. Plain Python, light enough for a web page to read."""

from __future__ import annotations

from typing import Any

MIN_JUSTIFICATION = 30  # characters: a reason, not "ok"


def justification_reasons(manifest: dict[str, Any]) -> list[str]:
    """Why promoting the version of this manifest needs a written justification, one reason
    each; empty when it needs none."""
    reasons = []
    judged = (manifest.get("comparison") or {}).get("verdict")
    if judged and judged.get("worse"):
        reasons.append(f"the comparison judged it worse ({judged['summary']})")
    if judged and judged.get("at_chance"):
        reasons.append(
            "its chances on a track rank people no better than a coin flip"
            + ("" if judged.get("worse") else f" ({judged['summary']})")
        )
    flagged = len((manifest.get("fairness") or {}).get("flagged", []))
    if flagged:
        reasons.append(f"the fairness report flags {flagged} group{'' if flagged == 1 else 's'}")
    return reasons


def unjustified(manifest: dict[str, Any], justification: str | None) -> list[str]:
    """The reasons promoting this version needs a written justification when `justification`
    is not one (shorter than MIN_JUSTIFICATION once trimmed); empty when none is needed, or
    the one given will do."""
    if len((justification or "").strip()) >= MIN_JUSTIFICATION:
        return []
    return justification_reasons(manifest)
