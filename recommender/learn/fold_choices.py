"""What each cross-fitting fold's capacity search chose, as a version's manifest records it
(`holdout.fold_choices`, written by `candidate.cross_fitted_p_success`), read back for the
model card and HR's pages alike. The manifest's fields are checked for their type where they
are read: a list not written by trackfit reads as none, an entry of the wrong type as not
recorded."""

from __future__ import annotations

from typing import Any

from recommender.learn.recorded import is_count

# trackfit cross-fits with 5 folds (fewer when a track is small); a manifest listing more was
# not written by it, and each entry is work for whoever reads it
MAX_FOLDS = 20


def recorded_folds(manifest: dict[str, Any]) -> list[Any] | None:
    """The folds' choices as recorded, or None when there are none (a version trained before
    they were kept, or without cross-fitting) or more than any training makes."""
    holdout = manifest.get("holdout")
    folds = holdout.get("fold_choices") if isinstance(holdout, dict) else None
    return folds if isinstance(folds, list) and 0 < len(folds) <= MAX_FOLDS else None


def shrink_share(weight: float) -> str:
    """How far a search shrank toward its prior, as the words before "toward": none for all
    the way (a weight of 1), "halfway " for 0.5, else the share ("25% of the way ")."""
    if weight >= 1:
        return ""
    return "halfway " if weight == 0.5 else f"{weight:.0%} of the way "


def knots_of(choice: Any) -> int | None:
    """A track's recorded knots per feature (2: straight lines), or None."""
    knots = choice.get("knots") if isinstance(choice, dict) else None
    return knots if is_count(knots) else None


def same_shapes(folds: list[Any], track: str, knots: int, pairs: Any = None) -> int:
    """How many folds chose `knots` for the track, and the same interactions where the
    version records its own (`pairs`: a list of names; a fold that records none took none)."""
    own = set(pairs) if _is_names(pairs) else None

    def same(choice: Any) -> bool:
        if knots_of(choice) != knots:
            return False
        if own is None:
            return True
        theirs = choice.get("pairs", [])
        return _is_names(theirs) and set(theirs) == own

    return sum(same(fold.get(track)) for fold in folds if isinstance(fold, dict))


def _is_names(pairs: Any) -> bool:
    return isinstance(pairs, list) and all(isinstance(p, str) for p in pairs)
