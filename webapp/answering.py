"""The web's door for answering: packs, recommendations and reading model versions, kept warm.

Every page that shows, takes or explains an assessment reaches the recommender through here
(numpy only: nothing of it trains). HR's learning work has its own door, `webapp.learning`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app

from recommender.answer.answers import Answers, JsonRefused, read_json_document
from recommender.answer.contract import recommendation_schema
from recommender.answer.employee_ids import EmployeeIdRefused, employee_id_key, read_employee_id
from recommender.answer.levels import next_anchor
from recommender.answer.profile import Profile
from recommender.answer.quality import FLAG_MESSAGES
from recommender.answer.recommendation import Recommender
from recommender.answer.registry import ModelRefused, Registry
from recommender.answer.scoring import answer_matrix, score, score_many, scoring_layout
from recommender.answer.trial import tried_recommender, try_version
from recommender.errors import AnswersInvalid, PackInvalid, quoted
from recommender.pack.fields import FLAG_IDS
from recommender.pack.framework import TRACK_IDS
from recommender.pack.loading import PACK_FILES, Pack, load_pack, packs_dir
from recommender.pack.questionnaire import ANCHORED, CHOICE, NUMBER, SCALED_KINDS, Item, Section
from webapp import pack_versions

__all__ = [  # what the web app uses of the answering layer, named once here
    "ANCHORED",
    "CHOICE",
    "FLAG_IDS",
    "FLAG_MESSAGES",
    "NUMBER",
    "SCALED_KINDS",
    "TRACK_IDS",
    "Answers",
    "AnswersInvalid",
    "EmployeeIdRefused",
    "Item",
    "JsonRefused",
    "ModelRefused",
    "Pack",
    "PackInvalid",
    "Profile",
    "Recommender",
    "Section",
    "active_model_problem",
    "answer_matrix",
    "answers_json",
    "current_pack",
    "current_recommender",
    "disciplines",
    "employee_id_key",
    "load_pack",
    "model_registry",
    "next_anchor",
    "pack_of",
    "profile_of",
    "quoted",
    "read_employee_id",
    "read_json_document",
    "recommend",
    "recommendation_schema",
    "score_many",
    "scoring_layout",
    "try_version",
]

_lock = threading.Lock()
MAX_OPENED = 8  # (pack version, model version) pairs kept open
# (pack, what opening gave): a recommender, or the refusal to raise again (fresh each time)
_opened: dict[tuple, tuple[Pack, Recommender | ModelRefused]] = {}
# What was found at the last look, per setting: (monotonic time of the look, what was found).
_looked: dict[tuple, tuple[float, Any]] = {}


def _at_most_every(interval: float, key: tuple, look):
    """`look()`, or what it gave less than `interval` seconds ago: the pack files and the
    registry's active version are re-read about once a second, not on every request."""
    now = time.monotonic()
    seen = _looked.get(key)
    if seen is not None and now - seen[0] < interval:
        return seen[1]
    found = look()
    _looked[key] = (now, found)
    return found


def current_pack(discipline: str | None = None) -> Pack:
    """The pack new assessments of a discipline use (the configured default discipline when
    None): the newest installed version of its pack (reloaded soon after its files change or a
    version is uploaded)."""
    setting = discipline or current_app.config["TRACKFIT_PACK"]
    return _at_most_every(
        current_app.config["TRACKFIT_RECHECK_SECONDS"],
        ("pack", setting, current_app.instance_path),
        lambda: pack_versions.newest(setting),
    )


def disciplines() -> list[Pack]:
    """The newest version of each discipline's pack: the configured default first, then the
    other bundled packs by title."""
    default = current_pack()
    others = []
    for folder in sorted(packs_dir().iterdir()):
        if folder.name == default.id or not all((folder / n).is_file() for n in PACK_FILES):
            continue
        try:
            others.append(current_pack(folder.name))
        except PackInvalid:
            current_app.logger.error("the bundled pack %s does not load", folder.name)
    return [default, *sorted(others, key=lambda pack: pack.title)]


def pack_of(ref: str) -> Pack:
    """The pack version an assessment was taken in (the current one if it is gone)."""
    pack = current_pack()
    if ref == pack.ref:
        return pack
    setting = current_app.config["TRACKFIT_PACK"]
    found = _at_most_every(
        current_app.config["TRACKFIT_RECHECK_SECONDS"],
        ("pack version", setting, current_app.instance_path, ref),
        lambda: pack_versions.version_of(setting, ref),
    )
    return found or pack


def model_registry() -> Registry:
    """The configured model registry, for reading versions (writing is `webapp.learning`'s)."""
    return Registry(current_app.config["TRACKFIT_MODELS"])


def current_recommender(pack: Pack | None = None) -> Recommender:
    """The recommender for a pack (the current one by default) and the active model version.

    Opening verifies the model file's hash and tries the version on sample people, so it is
    done once per (pack, version) and kept, a refusal too (versions are never rewritten);
    promoting or rolling back a version changes the key and the next request opens the new one.
    """
    pack = pack or current_pack()
    registry = current_app.config["TRACKFIT_MODELS"]
    active = _at_most_every(
        current_app.config["TRACKFIT_RECHECK_SECONDS"],
        ("active model", registry, pack.id),
        lambda: model_registry().active(pack.id),
    )
    key = (id(pack), registry, active)
    with _lock:
        opened_for, recommender = _opened.get(key, (None, None))
        if opened_for is not pack:
            if len(_opened) > MAX_OPENED:
                _opened.clear()
            try:
                recommender = tried_recommender(pack, registry, active)
            except ModelRefused as refused:
                recommender = refused
                current_app.logger.error("the active model cannot be used: %s", refused)
            _opened[key] = (pack, recommender)
    if isinstance(recommender, ModelRefused):
        raise ModelRefused(recommender.problems)
    return recommender


def active_model_problem() -> str | None:
    """Why the active model version cannot answer the current pack, or None when it can:
    what the web app says at start-up instead of failing every later request."""
    try:
        current_recommender()
    except (ModelRefused, PackInvalid) as refused:
        return refused.report()
    return None


def recommend(data: dict[str, Any], pack: Pack | None = None) -> dict[str, Any]:
    """The recommendation JSON for one person's answers JSON (in `pack`, by default the
    current one); raises AnswersInvalid."""
    recommender = current_recommender(pack)
    return recommender.recommend(Answers.from_json(data, recommender.pack))


def profile_of(data: dict[str, Any], pack: Pack) -> Profile:
    """The scored profile of stored answers (construct means and competency ratings)."""
    return score(pack, Answers.from_json(data, pack))


def answers_json(
    employee_id: str,
    answers: dict[str, Any],
    context: dict[str, Any] | None,
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Stored answers in the recommender's answers JSON shape (`Answers.from_json` reads it);
    page timings only when there are some."""
    data: dict[str, Any] = {
        "employee_id": employee_id,
        "answers": dict(answers),
        "context": dict(context or {}),
    }
    if timings:
        data["timings"] = dict(timings)
    return data
