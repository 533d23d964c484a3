"""How far a questionnaire score can lie from the person's true standing: each feature's
reliability, for the measurement part of the intervals.

A construct is the mean of several Likert items, so its reliability is read off the data
(Cronbach's alpha of its items). A competency rated by one anchored statement has no
internal consistency to read; it takes SINGLE_RATING_RELIABILITY, a documented assumption:
retest correlations of single self-ratings of a skill are typically 0.5-0.7. Context fields
(years, grade, reports) are taken as exact.
"""

from __future__ import annotations

import numpy as np

from recommender.answer.features import pack_features
from recommender.answer.profile import ProfileBatch
from recommender.answer.scoring import scoring_layout
from recommender.learn.reliability import cronbach_alpha

SINGLE_RATING_RELIABILITY = 0.6
RELIABILITY_FLOOR = 0.3  # below this a scale says little; keep the correction bounded


def feature_reliability(profiles: ProfileBatch, rows: np.ndarray | None = None) -> np.ndarray:
    """Per model feature, the reliability of its score (1 for exact fields)."""
    pack = profiles.pack
    layout = scoring_layout(pack)
    items = profiles.items
    if rows is not None and items is not None:
        items = items[rows]
    groups = {
        f"constructs.{c}": layout.constructs[:, i]
        for i, c in enumerate(pack.questionnaire.construct_ids)
    }
    groups |= {
        f"competencies.{c}": layout.competencies[:, i]
        for i, c in enumerate(pack.framework.competency_ids)
    }
    reliability = np.ones(len(pack_features(pack)))
    for j, feature in enumerate(pack_features(pack)):
        membership = groups.get(feature.name)
        if membership is None:
            continue
        reliability[j] = _scale_reliability(items, membership > 0)
    return reliability


def _scale_reliability(items: np.ndarray | None, members: np.ndarray) -> float:
    if members.sum() < 2:
        return SINGLE_RATING_RELIABILITY
    if items is None:
        return SINGLE_RATING_RELIABILITY
    try:
        alpha = cronbach_alpha(items[:, members])
    except ValueError:
        return SINGLE_RATING_RELIABILITY
    return float(np.clip(alpha, RELIABILITY_FLOOR, 0.99))
