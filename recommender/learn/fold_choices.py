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


def pairs_of(choice: Any) -> list[str] | None:
    """A track's recorded interactions ("a*b" names; empty when it took none), or None when
    it records none or anything else (a version trained before they were searched)."""
    pairs = choice.get("pairs") if isinstance(choice, dict) else None
    if isinstance(pairs, list) and all(isinstance(p, str) and "*" in p for p in pairs):
        return pairs
    return None


def same_shapes(folds: list[Any], track: str, mine: Any) -> int:
    """How many folds chose the knots of the version's choice `mine` for the track, and its
    interactions where it records them (a fold that records none took none)."""
    knots, own = knots_of(mine), pairs_of(mine)

    def same(choice: Any) -> bool:
        if knots_of(choice) != knots:
            return False
        if own is None:
            return True
        theirs = pairs_of(choice) if isinstance(choice, dict) and "pairs" in choice else []
        return theirs is not None and set(theirs) == set(own)

    return sum(same(fold.get(track)) for fold in folds if isinstance(fold, dict))
