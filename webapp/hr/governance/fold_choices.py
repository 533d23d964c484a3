"""What each cross-fitting fold's capacity search chose, beside what the version itself chose,
in words for the model page: the verdict judges the way a version was trained, and the folds'
choices can differ from the version's. Read through the learning layer's reading of the
manifest (`recommender.learn.fold_choices`): anything unexpected is shown as "not
recorded"."""

from __future__ import annotations

from typing import Any

from webapp import learning
from webapp.answering import TRACK_IDS
from webapp.hr import bp

NOT_RECORDED = "not recorded"


def fold_choices(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The folds' choices as the model page shows them: one row per fold (its number, the
    people it scored, each track's choice in words), the version's own choice per track, and
    per track how many folds chose the version's shapes; None when the version recorded none
    (trained before they were kept, or without cross-fitting)."""
    folds = learning.recorded_folds(manifest)
    if folds is None:
        return None
    metrics = manifest.get("metrics")
    tracks = metrics.get("tracks") if isinstance(metrics, dict) else None
    final = tracks if isinstance(tracks, dict) else {}
    # every fold was offered the prior the version was: named where the version names it
    priors = {track: _prior_of(final.get(track)) for track in TRACK_IDS}
    rows = []
    for number, recorded in enumerate(folds, start=1):
        fold = recorded if isinstance(recorded, dict) else {}
        scored = fold.get("scored")
        rows.append(
            {
                "number": number,
                "scored": scored if learning.is_count(scored) else None,
                "tracks": {t: choice_said(fold.get(t), priors[t]) for t in TRACK_IDS},
            }
        )
    return {
        "rows": rows,
        "version": {track: choice_said(final.get(track), priors[track]) for track in TRACK_IDS},
        "tracks": {track: _summary(folds, final.get(track), track) for track in TRACK_IDS},
    }


def _summary(folds: list, mine: Any, track: str) -> dict[str, Any]:
    """For one track: how many folds chose the version's shapes (None when its own are not
    recorded: nothing to be the same as), and the folds' penalties when they are not all the
    version's ("C from 0.001 to 0.0562")."""
    chosen = [fold.get(track) if isinstance(fold, dict) else None for fold in folds]
    same = None if learning.knots_of(mine) is None else learning.same_shapes(folds, track, mine)
    strengths = [c for c in map(_strength, chosen) if c is not None]
    own = _strength(mine)
    penalties = None
    if strengths and (own is None or any(c != own for c in strengths)):
        low, high = min(strengths), max(strengths)
        penalties = f"C = {low:.3g}" if low == high else f"C from {low:.3g} to {high:.3g}"
    return {"same": same, "penalties": penalties, "own": None if own is None else f"{own:.3g}"}


def choice_said(choice: Any, prior: str | None = None) -> str:
    """One search's choice for a track in words: "straight lines, C = 0.316, shrunk toward
    v1" (`prior`: the version it could shrink toward, when known)."""
    knots = learning.knots_of(choice)
    if knots is None:
        return NOT_RECORDED
    words = ["straight lines" if knots == 2 else f"{knots} knots per feature"]
    strength = _strength(choice)
    if strength is not None:
        words.append(f"C = {strength:.3g}")
    if choice.get("optional_context") is True:
        words.append("with the optional context")
    pairs = learning.pairs_of(choice)
    if pairs:
        words.append(f"{len(pairs)} interaction{'s' if len(pairs) > 1 else ''}")
    weight = choice.get("prior_weight")
    if isinstance(weight, int | float) and not isinstance(weight, bool):
        toward = prior or "the prior"
        words.append(
            f"shrunk {learning.shrink_share(weight)}toward {toward}"
            if weight
            else f"not shrunk toward {toward}"
        )
    return ", ".join(words)


def pairs_said(choice: Any, labels: dict[str, str]) -> str:
    """The interactions a track's `choice` took, in words: 'the interaction of “Enjoys leading
    people” with “Comfort with difficult conversations”' (`labels`: feature name -> label; a
    name not among them is shown as it is); empty when it took none or the manifest does not
    say."""
    said = []
    for pair in learning.pairs_of(choice) or []:
        first, _, second = pair.partition("*")
        said.append(f"“{labels.get(first, first)}” with “{labels.get(second, second)}”")
    if len(said) <= 1:
        return f"the interaction of {said[0]}" if said else ""
    return f"{len(said)} interactions: {'; '.join(said)}"


bp.add_app_template_filter(pairs_said, "pairs_said")


def _strength(choice: Any) -> float | None:
    strength = choice.get("regularisation_c") if isinstance(choice, dict) else None
    if isinstance(strength, int | float) and not isinstance(strength, bool):
        return float(strength)
    return None


def _prior_of(choice: Any) -> str | None:
    prior = choice.get("prior") if isinstance(choice, dict) else None
    return prior if isinstance(prior, str) and len(prior) <= 20 else None
