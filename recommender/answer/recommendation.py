"""Recommendations: the track model, the level engine and the rules, for one person or many.

The track is the one with the higher calibrated probability of success, unless a rule chooses
(the engineering pack's "the manager track needs real interest in leading"; its "not yet below
the branch grade" adds a flag and leaves the track: the manager track may fit someone who is
not yet at its grade, and the manager levels say "not yet"). `confidence` is the chance that the
recommended track works out better than the other, counting a tie as half:
0.5 + (p[recommended] - p[other]) / 2, pulled a quarter of the way to 0.5 for every
response-quality flag. Below 0.5 it says the model favours the other track and a rule decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from recommender.answer.answers import Answers
from recommender.answer.assessment import Assessment, assess
from recommender.answer.features import (
    Feature,
    feature_completeness,
    feature_matrix,
    pack_features,
)
from recommender.answer.profile import ProfileBatch
from recommender.answer.quality import FLAG_MESSAGES
from recommender.answer.registry import ModelRefused, ModelVersion, Registry
from recommender.answer.scoring import score_many
from recommender.answer.track_model import INTERVAL_LEVEL, Prediction
from recommender.pack.fields import FLAG_IDS
from recommender.pack.framework import TRACK_IDS
from recommender.pack.loading import Pack, load_pack

FLAG_DISCOUNT = 0.75
ADVICE_NOTE = "This is advice for your development, not a decision about you."


class TrainedForAnotherPack(ModelRefused):
    """A version asked to answer for a pack it was not trained for; `pack_id` is its own,
    `version` the version's name."""

    def __init__(self, message: str, pack_id: str, version: str):
        super().__init__(message)
        self.pack_id = pack_id
        self.version = version


@dataclass(frozen=True)
class Recommender:
    """A pack and a verified model version, ready to recommend."""

    pack: Pack
    model: ModelVersion

    @classmethod
    def open(
        cls, pack: str | Pack | None = None, registry: str | None = None, version: str | None = None
    ) -> Recommender:
        """Load the pack and the model version (by default the pack's active one)."""
        pack = pack if isinstance(pack, Pack) else load_pack(pack)
        model = Registry(registry).load(version, pack)
        trained_on = model.manifest.get("pack")
        if trained_on and trained_on.split("@")[0] != pack.id:
            raise TrainedForAnotherPack(
                f"model {model.name} was trained for pack {trained_on}, not {pack.ref}",
                trained_on.split("@")[0],
                model.name,
            )
        features = tuple(f.name for f in pack_features(pack))
        if features != model.model.input_names:
            raise ModelRefused(
                f"model {model.name} reads features that pack {pack.ref} does "
                "not provide; retrain it for this pack"
            )
        return cls(pack, model)

    def recommend(self, answers: Answers) -> dict[str, Any]:
        """One person's recommendation."""
        return self.recommend_many([answers])[0]

    def recommend_many(self, people: Sequence[Answers]) -> list[dict[str, Any]]:
        """Recommendations for many people, computed as one batch."""
        return self.recommend_profiles(score_many(self.pack, people))

    def recommend_profiles(self, profiles: ProfileBatch) -> list[dict[str, Any]]:
        """Recommendations for profiles already scored."""
        values = feature_matrix(profiles)
        prediction = self.model.model.predict(values, feature_completeness(profiles))
        assessment = assess(profiles, prediction.p_success, prediction.intervals)
        batch = _Batch(
            profiles,
            factors(pack_features(self.pack), values, prediction.effects),
            prediction,
            assessment,
            *decide(prediction, assessment, profiles),
        )
        return [self._record(batch, row) for row in range(len(profiles))]

    def _record(self, batch: _Batch, row: int) -> dict[str, Any]:
        profiles, prediction, assessment = batch.profiles, batch.prediction, batch.assessment
        profile_flags = [flag for flag in FLAG_IDS if profiles.flags[flag][row]]
        intervals = prediction.intervals
        return {
            "employee_id": profiles.employee_ids[row],
            "track": batch.tracks[row],
            "confidence": round(float(batch.confidence[row]), 4),
            "p_success": {t: round(float(prediction.p_success[t][row]), 4) for t in TRACK_IDS},
            "p_success_interval": {
                t: [
                    round(float(intervals.p_success[t][0][row]), 4),
                    round(float(intervals.p_success[t][1][row]), 4),
                ]
                for t in TRACK_IDS
            }
            if intervals
            else None,
            "interval_level": INTERVAL_LEVEL if intervals else None,
            "levels": assessment.levels_report(row),
            "explanation": {
                "score": float(prediction.score[row]),
                "baseline": prediction.baseline,
                "factors": batch.factors[row],
                "rules": assessment.rules_report(row),
            },
            "flags": [{"id": f, "message": FLAG_MESSAGES[f]} for f in profile_flags]
            + assessment.rule_flags(row),
            "model_version": self.model.name,
            "pack": self.pack.ref,
            "synthetic_model": bool(self.model.manifest.get("data", {}).get("synthetic")),
            "note": ADVICE_NOTE,
        }


@dataclass(frozen=True)
class _Batch:
    """Everything computed once for a batch, read row by row into JSON."""

    profiles: ProfileBatch
    factors: list[list[dict[str, Any]]]
    prediction: Prediction
    assessment: Assessment
    tracks: np.ndarray
    confidence: np.ndarray


def decide(
    prediction: Prediction, assessment: Assessment, profiles: ProfileBatch
) -> tuple[np.ndarray, np.ndarray]:
    """The recommended track per person and the confidence in it."""
    p_ic, p_manager = prediction.p_success["ic"], prediction.p_success["manager"]
    model_track = np.where(p_manager > p_ic, "manager", "ic").astype(object)
    chosen = np.where(assessment.rule_track != None, assessment.rule_track, model_track)  # noqa: E711
    lead = np.where(chosen == "manager", p_manager - p_ic, p_ic - p_manager)
    flags = profiles.flag_count
    confidence = 0.5 + (lead / 2) * FLAG_DISCOUNT**flags
    return chosen, confidence


def factors(
    features: tuple[Feature, ...], values: np.ndarray, effects: np.ndarray
) -> list[list[dict[str, Any]]]:
    """Per person (rows), every feature's effect on the score, largest first."""
    names, labels = [f.factor for f in features], [f.label for f in features]
    orders = np.argsort(-np.abs(effects), axis=1, kind="stable").tolist()
    rounded = np.round(values, 4)
    shown = np.where(np.isnan(rounded), None, rounded).tolist()
    # 1e-9 keeps baseline + sum(effects) within 24 * 5e-10 of the score: exact to the 1e-6
    # the contract promises, and half the digits to print
    effects = np.round(effects, 9).tolist()
    return [
        [
            {
                "feature": names[j],
                "label": labels[j],
                "value": row_values[j],
                "effect": row_effects[j],
            }
            for j in order
        ]
        for order, row_values, row_effects in zip(orders, shown, effects, strict=True)
    ]


def recommend(
    answers: Answers,
    *,
    pack: str | Pack | None = None,
    registry: str | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """One person's recommendation with the active model (or `version`)."""
    return Recommender.open(pack, registry, version).recommend(answers)


def recommend_many(
    batch: Sequence[Answers],
    *,
    pack: str | Pack | None = None,
    registry: str | None = None,
    version: str | None = None,
) -> list[dict[str, Any]]:
    """Recommendations for many people with the active model (or `version`)."""
    return Recommender.open(pack, registry, version).recommend_many(batch)
