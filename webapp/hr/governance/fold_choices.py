"""What each cross-fitting fold's capacity search chose, beside what the version itself chose:
the verdict judges the way a version was trained, and on few people the folds' choices can
differ from the version's. Read from the manifest, whose fields are checked for their type
only where the pages read them: anything unexpected here is shown as "not recorded"."""

from __future__ import annotations

from typing import Any

from webapp.answering import TRACK_IDS

NOT_RECORDED = "not recorded"
# trackfit cross-fits with 5 folds (fewer when a track is small); a manifest listing more was
# not written by it, and each row is work for the page
MAX_FOLDS = 20


def fold_choices(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The folds' choices as the model page shows them: one row per fold (its number, the
    people it scored, each track's choice in words), the version's own choice per track, and
    per track how many folds chose the version's shapes; None when the version recorded none
    (trained before they were kept, or without cross-fitting)."""
    holdout = manifest.get("holdout")
    folds = holdout.get("fold_choices") if isinstance(holdout, dict) else None
    if not isinstance(folds, list) or not 0 < len(folds) <= MAX_FOLDS:
        return None  # none, or more than any training makes: not shown (nor drawn for long)
    metrics = manifest.get("metrics")
    tracks = metrics.get("tracks") if isinstance(metrics, dict) else None
    final = tracks if isinstance(tracks, dict) else {}
    rows = []
    for number, recorded in enumerate(folds, start=1):
        fold = recorded if isinstance(recorded, dict) else {}
        scored = fold.get("scored")
        rows.append(
            {
                "number": number,
                "scored": scored if _count(scored) else None,
                "tracks": {track: choice_said(fold.get(track)) for track in TRACK_IDS},
            }
        )
    return {
        "rows": rows,
        "version": {track: choice_said(final.get(track)) for track in TRACK_IDS},
        # None where the version's own shapes were not recorded: nothing to be the same as
        "same_shapes": {
            track: sum(_same_shapes(fold, final, track) for fold in folds)
            if _knots(final.get(track)) is not None
            else None
            for track in TRACK_IDS
        },
    }


def choice_said(choice: Any) -> str:
    """One search's choice for a track in words: "straight lines, C = 0.316, shrunk toward
    the prior"."""
    knots = _knots(choice)
    if knots is None:
        return NOT_RECORDED
    words = ["straight lines" if knots == 2 else f"{knots} knots per feature"]
    strength = choice.get("regularisation_c")
    if isinstance(strength, int | float) and not isinstance(strength, bool):
        words.append(f"C = {strength:.3g}")
    if choice.get("optional_context") is True:
        words.append("with the optional context")
    weight = choice.get("prior_weight")
    if isinstance(weight, int | float) and not isinstance(weight, bool):
        words.append("shrunk toward the prior" if weight else "not shrunk toward the prior")
    return ", ".join(words)


def _same_shapes(fold: Any, final: dict[str, Any], track: str) -> bool:
    """Whether a fold chose the version's knots for a track (both recorded)."""
    mine = _knots(final.get(track))
    return mine is not None and isinstance(fold, dict) and _knots(fold.get(track)) == mine


def _knots(choice: Any) -> int | None:
    knots = choice.get("knots") if isinstance(choice, dict) else None
    return knots if _count(knots) else None


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
