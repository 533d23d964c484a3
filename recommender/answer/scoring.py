"""Scoring answers into profiles: construct scores, competency proficiencies, context, flags.

One vectorised path serves one person and twenty thousand alike, so a batch gives exactly the
single-person result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from recommender.answer.answers import Answers
from recommender.answer.profile import Profile, ProfileBatch
from recommender.answer.quality import QualityInputs, quality_flags
from recommender.pack.loading import Pack
from recommender.pack.questionnaire import ANCHORED, ATTENTION, LIKERT, NUMBER_CONTEXT


@dataclass(frozen=True)
class ScoringLayout:
    """A pack's items laid out as arrays, built once per pack."""

    item_ids: tuple[str, ...]
    column: dict[str, int]
    low: np.ndarray
    high: np.ndarray
    reverse: np.ndarray
    constructs: np.ndarray  # (I, C) 1 where item feeds construct
    competencies: np.ndarray  # (I, K) 1 where item feeds competency
    section_ids: tuple[str, ...]
    quality: QualityInputs


@cache
def scoring_layout(pack: Pack) -> ScoringLayout:
    """Arrays describing the pack's scored items (Likert, attention, anchored)."""
    questionnaire = pack.questionnaire
    items = questionnaire.scored_items
    construct_ids = questionnaire.construct_ids
    competency_ids = pack.framework.competency_ids
    constructs = np.zeros((len(items), len(construct_ids)))
    competencies = np.zeros((len(items), len(competency_ids)))
    construct_of = np.full(len(items), -1)
    for column, item in enumerate(items):
        if item.kind == LIKERT:
            construct_of[column] = construct_ids.index(item.construct)
            constructs[column, construct_of[column]] = 1.0
        elif item.kind == ANCHORED:
            competencies[column, competency_ids.index(item.competency)] = 1.0
    low = np.array([item.min for item in items], dtype=float)
    high = np.array([item.max for item in items], dtype=float)
    reverse = np.array([item.reverse for item in items])
    likert = np.array([item.kind == LIKERT for item in items])
    span = np.array(
        [
            (high - low)[construct_of == c][0] if (construct_of == c).any() else 1.0
            for c in range(len(construct_ids))
        ]
    )
    section_ids = tuple(section.id for section in questionnaire.sections)
    quality = QualityInputs(
        likert=likert,
        reverse=reverse,
        attention_expected=np.array(
            [item.expected if item.kind == ATTENTION else np.nan for item in items], dtype=float
        ),
        counted=np.array([item.kind != ATTENTION for item in items]),
        construct_of=construct_of,
        n_constructs=len(construct_ids),
        span=span,
        section_items=np.array([len(s.item_ids) for s in questionnaire.sections], dtype=float),
    )
    return ScoringLayout(
        item_ids=tuple(item.id for item in items),
        column={item.id: column for column, item in enumerate(items)},
        low=low,
        high=high,
        reverse=reverse,
        constructs=constructs,
        competencies=competencies,
        section_ids=section_ids,
        quality=quality,
    )


def answer_matrix(pack: Pack, people: Sequence[Answers]) -> np.ndarray:
    """Answers as a (people x scored items) float matrix, NaN where not answered."""
    layout = scoring_layout(pack)
    matrix = np.full((len(people), len(layout.item_ids)), np.nan)
    column = layout.column
    for row, person in enumerate(people):
        for item_id, value in person.answers.items():
            matrix[row, column[item_id]] = value
    return matrix


def given_answers(profiles: ProfileBatch) -> np.ndarray:
    """The answer matrix the profiles were scored from (`answer_matrix`'s), reverse-keyed items
    turned back as given: what reliability figures and floor and ceiling shares are computed
    on, without reading every person's answers a second time."""
    layout = scoring_layout(profiles.pack)
    assert profiles.items is not None
    return np.where(layout.reverse, layout.low + layout.high - profiles.items, profiles.items)


def score(pack: Pack, answers: Answers) -> Profile:
    """One person's profile."""
    return score_many(pack, [answers]).profile(0)


def score_many(pack: Pack, people: Sequence[Answers]) -> ProfileBatch:
    """Profiles for many people at once (a few numpy operations, whatever the count)."""
    layout = scoring_layout(pack)
    raw = answer_matrix(pack, people)
    return score_matrix(
        pack,
        raw,
        _timing_matrix(layout, people),
        _context(pack, people),
        [person.employee_id for person in people],
    )


def score_matrix(
    pack: Pack,
    raw: np.ndarray,
    timings: np.ndarray,
    context: dict[str, np.ndarray],
    employee_ids: Sequence[str],
) -> ProfileBatch:
    """Profiles from an answer matrix already laid out by `answer_matrix`."""
    layout = scoring_layout(pack)
    answered = ~np.isnan(raw)
    scored = np.where(layout.reverse, layout.low + layout.high - raw, raw)
    return ProfileBatch(
        pack=pack,
        employee_ids=list(employee_ids),
        constructs=_masked_mean(scored, answered, layout.constructs),
        competencies=_masked_mean(scored, answered, layout.competencies),
        context=context,
        flags=quality_flags(raw, scored, timings, layout.quality),
        answered=answered[:, layout.quality.counted].sum(axis=1),
        asked=int(layout.quality.counted.sum()),
        items=scored,
    )


def _masked_mean(values: np.ndarray, answered: np.ndarray, membership: np.ndarray) -> np.ndarray:
    """Mean of each group's answered items; missing when fewer than half were answered."""
    totals = np.where(answered, values, 0.0) @ membership
    counts = answered.astype(float) @ membership
    sizes = membership.sum(axis=0)
    enough = 2 * counts >= sizes
    with np.errstate(invalid="ignore", divide="ignore"):
        means = totals / counts
    return np.where(enough & (counts > 0), means, np.nan)


def _timing_matrix(layout: ScoringLayout, people: Sequence[Answers]) -> np.ndarray:
    timings = np.full((len(people), len(layout.section_ids)), np.nan)
    for row, person in enumerate(people):
        for section_id, seconds in person.timings.items():
            timings[row, layout.section_ids.index(section_id)] = seconds
    return timings


def _context(pack: Pack, people: Sequence[Answers]) -> dict[str, np.ndarray]:
    """Context fields as columns: numbers as floats (NaN missing), ids as objects (None)."""
    columns: dict[str, Any] = {}
    for name in pack.questionnaire.context_items:
        values = [person.context.get(name) for person in people]
        if name in NUMBER_CONTEXT:
            columns[name] = np.array([np.nan if v is None else v for v in values], dtype=float)
        else:
            columns[name] = np.array(values, dtype=object)
    framework = pack.framework
    grades = [
        framework.level(level).grade if level else np.nan
        for level in columns.get("current_level", [])
    ]
    columns["current_grade"] = np.array(grades, dtype=float)
    return columns
