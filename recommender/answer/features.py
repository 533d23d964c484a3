"""The model's features: which profile fields a track model reads, as one matrix.

Sensitive attributes are not profile fields, so they cannot become features: this module is
the only way into a model, and it reads profiles alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from recommender.answer.profile import ProfileBatch
from recommender.answer.scoring import scoring_layout
from recommender.pack.loading import Pack

CONTEXT_FEATURES = ("years_experience", "years_at_level", "direct_reports", "current_grade")
MANAGING_NOW = "managing_now"
# What an explanation calls each context feature: a name, not the question that asked for it
# ("How many years have you worked as a software engineer or engineering manager"), which
# each pack words its own way
CONTEXT_LABELS = {
    "years_experience": "Years of experience",
    "years_at_level": "Years at your current level",
    "direct_reports": "People reporting to you",
    "current_grade": "Grade of your current level",
    MANAGING_NOW: "Managing people today",
}


@dataclass(frozen=True)
class Feature:
    """One model input: where it comes from and how people read it."""

    name: str  # e.g. constructs.lead_affective
    label: str  # e.g. "Enjoys leading people"

    @property
    def factor(self) -> str:
        """The name an explanation gives it, e.g. lead_affective."""
        return self.name.split(".", 1)[1]


@cache
def pack_features(pack: Pack) -> tuple[Feature, ...]:
    """The features of a pack, in matrix column order."""
    questionnaire, framework = pack.questionnaire, pack.framework
    features = [Feature(f"constructs.{c.id}", c.label) for c in questionnaire.constructs]
    features += [Feature(f"competencies.{c.id}", c.label) for c in framework.competencies]
    features += [
        Feature(f"context.{name}", CONTEXT_LABELS[name])
        for name in (*CONTEXT_FEATURES, MANAGING_NOW)
    ]
    return tuple(features)


def feature_labels(pack: Pack) -> dict[str, str]:
    """Each feature's label by its name (constructs.lead_affective -> "Enjoys leading
    people")."""
    return {feature.name: feature.label for feature in pack_features(pack)}


def feature_matrix(profiles: ProfileBatch) -> np.ndarray:
    """Features as a (people x features) float matrix, NaN where the profile has no value."""
    context = profiles.context
    managing = np.array(
        [
            np.nan if track is None else float(track == "manager")
            for track in context["current_track"]
        ]
    )
    columns = [profiles.constructs, profiles.competencies]
    columns += [context[name].astype(float)[:, None] for name in CONTEXT_FEATURES]
    columns.append(managing[:, None])
    return np.hstack(columns)


def feature_completeness(profiles: ProfileBatch) -> np.ndarray:
    """(people x features) the share of each score's statements the person answered, in the
    order of `feature_matrix`: 1 for a scale answered in full and for context, which is not
    read off statements. A score with no value (fewer than half answered) is missing in
    `feature_matrix`, whatever its share here."""
    shares = np.ones((len(profiles), len(pack_features(profiles.pack))))
    if profiles.items is None:
        return shares
    layout = scoring_layout(profiles.pack)
    membership = np.hstack([layout.constructs, layout.competencies])
    answered = (~np.isnan(profiles.items)).astype(float) @ membership
    shares[:, : membership.shape[1]] = answered / np.maximum(membership.sum(axis=0), 1.0)
    return shares
