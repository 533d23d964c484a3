"""A model version is tried before it is trusted: opened for a pack and asked about sample people.

A version whose file matches its hash can still hold arrays that answer nobody (a wrong shape,
NaN, features of another pack). Promoting, rolling back and the web app's start all try a
version this way first, so that a broken one is refused with its reason instead of becoming
the active model and failing every later request.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from recommender.answer.answers import Answers
from recommender.answer.recommendation import Recommender
from recommender.answer.registry import WHAT_TO_DO, ModelRefused, ModelVersion, Registry
from recommender.errors import AnswersInvalid
from recommender.pack.framework import TRACK_IDS
from recommender.pack.loading import Pack, packs_dir
from recommender.pack.questionnaire import NUMBER_CONTEXT


def try_version(registry: Registry, name: str, pack: str | Pack | None = None) -> None:
    """Load a version and answer sample people of `pack` with it (by default the installed
    pack it was trained for; made-up feature rows when that pack is not installed here).
    ModelRefused naming the reason when the version cannot be trusted."""
    pack = pack or installed_pack(registry, name)
    if pack is None:
        tried_model(registry.load(name))
    else:
        tried_recommender(pack, str(registry.root), name)


def installed_pack(registry: Registry, name: str) -> str | None:
    """The name of the installed pack a version was trained for, or None."""
    trained_for = registry.pack_of(name)  # a checked pack id, also a safe folder name
    return trained_for if (packs_dir() / trained_for).is_dir() else None


def tried_recommender(
    pack: str | Pack | None = None, registry: str | None = None, version: str | None = None
) -> Recommender:
    """The recommender for `pack` and `version` (the active one by default), once it has
    answered every sample person with sensible numbers; otherwise ModelRefused."""
    recommender = Recommender.open(pack, registry, version)
    tried_model(recommender.model)
    name = recommender.model.name
    try:
        with np.errstate(all="ignore"):  # overflow shows as infinity, named below
            records = recommender.recommend_many(sample_people(recommender.pack))
        problem = _implausible(records)
    except Exception as error:  # the arrays are untrusted: any failure refuses
        problem = f"{type(error).__name__}: {error}"
    if problem:
        raise ModelRefused(
            f"model {name} was tried on sample people of pack {recommender.pack.ref} and "
            f"failed ({problem}). {WHAT_TO_DO}"
        )
    return recommender


def tried_model(version: ModelVersion) -> None:
    """Ask a loaded version about made-up feature rows (every value missing, the fill values,
    and below, at and past every knot): ModelRefused unless each answer is a finite number.
    This needs no pack, so it holds for a version whose pack is not installed here."""
    model = version.model
    low = np.array([knots[0] - 1.0 for knots in model.knots])
    high = np.array([knots[-1] + 1.0 for knots in model.knots])
    rows = np.vstack([np.full_like(low, np.nan), model.fill, low, high])
    try:
        with np.errstate(all="ignore"):  # overflow shows as infinity, named below
            prediction = model.predict(rows)
        numbers = [prediction.score, prediction.effects, *prediction.p_success.values()]
        if prediction.intervals is not None:
            numbers += [*prediction.intervals.difference]
            numbers += [b for pair in prediction.intervals.p_success.values() for b in pair]
        finite = all(np.isfinite(np.asarray(n, dtype=float)).all() for n in numbers)
        problem = None if finite else "it answered NaN or infinity"
    except Exception as error:  # the arrays are untrusted: any failure refuses
        problem = f"{type(error).__name__}: {error}"
    if problem:
        raise ModelRefused(
            f"model {version.name} was tried on made-up people and failed ({problem}). {WHAT_TO_DO}"
        )


def sample_people(pack: Pack) -> list[Answers]:
    """People made from the pack alone: no answers, every item at its lowest, middle and
    highest point, with context numbers at the same points and a current track and level."""
    questionnaire = pack.questionnaire
    context_items = questionnaire.context_items
    track = pack.framework.track_ids[0]
    ladder = pack.framework.ladder(track)
    people = [{"employee_id": "sample-empty", "answers": {}}]
    for point, share in (("lowest", 0.0), ("middle", 0.5), ("highest", 1.0)):
        answers = {
            item.id: round(item.min + share * (item.max - item.min))
            for item in questionnaire.scored_items
        }
        context: dict[str, Any] = {
            key: round(item.min + share * (item.max - item.min))
            for key, item in context_items.items()
            if key in NUMBER_CONTEXT and item.min is not None and item.max is not None
        }
        if "current_track" in context_items and "current_level" in context_items and ladder:
            context["current_track"] = track
            context["current_level"] = ladder[round(share * (len(ladder) - 1))].id
        people.append({"employee_id": f"sample-{point}", "answers": answers, "context": context})
    made = []
    for person in people:
        try:
            made.append(Answers.from_json(person, pack))
        except AnswersInvalid:
            continue  # a pack whose fields a made-up person cannot fill: try with the others
    return made


def _implausible(records: list[dict[str, Any]]) -> str | None:
    """What is wrong with the sample recommendations, or None."""
    try:
        json.dumps(records, allow_nan=False)
    except ValueError:
        return "it answered NaN or infinity"
    for record in records:
        chances = [record["confidence"], *(record["p_success"][t] for t in TRACK_IDS)]
        if not all(isinstance(c, float) and math.isfinite(c) and 0 <= c <= 1 for c in chances):
            return f"it answered chances outside 0 to 1 for {record['employee_id']}"
    return None
