"""The web's door for answering: packs, recommendations and reading model versions, kept warm.

Every page that shows, takes or explains an assessment reaches the recommender through here
(numpy only: nothing of it trains). HR's learning work has its own door, `webapp.learning`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app
from sqlalchemy import or_

from recommender.answer.answers import Answers, JsonRefused, read_json_document
from recommender.answer.contract import recommendation_schema
from recommender.answer.employee_ids import (
    EmployeeIdRefused,
    employee_id_key,
    invisible_character,
    read_employee_id,
    repeated_employee_id,
)
from recommender.answer.features import CONTEXT_LABELS, feature_labels
from recommender.answer.levels import next_anchor
from recommender.answer.profile import Profile
from recommender.answer.quality import FLAG_MESSAGES
from recommender.answer.recommendation import Recommender
from recommender.answer.registry import MODEL_FILE, ModelRefused, Registry
from recommender.answer.scoring import given_answers, score, score_many, scoring_layout
from recommender.answer.track_model import INTERVAL_LEVEL
from recommender.answer.trial import tried_recommender, try_version
from recommender.answer.written_text import (
    COUNTS_AS_TWO,
    UNSPACED,
    counted_length,
    hidden_character,
    lookalike_scripts,
    not_written,
)
from recommender.errors import AnswersInvalid, PackInvalid, Problem, first_named, quoted
from recommender.pack.fields import CLOSE_CALL_FLAG, FLAG_IDS
from recommender.pack.framework import TRACK_IDS
from recommender.pack.loading import Pack, load_pack
from recommender.pack.questionnaire import (
    ANCHORED,
    CHOICE,
    NUMBER,
    SCALED_KINDS,
    WHOLE_CONTEXT,
    Item,
    Section,
)
from recommender.pack.saved_text import (
    SAVE_AS,
    csv_records,
    named_width,
    saved_as_utf16,
    undecodable_records,
)
from recommender.pack.written_cells import FORMULA_STARTS, spreadsheet_text
from webapp import pack_versions
from webapp.pack_versions import UnknownDiscipline

__all__ = [  # what the web app uses of the answering layer, named once here
    "ANCHORED",
    "CHOICE",
    "CLOSE_CALL_FLAG",
    "CONTEXT_LABELS",
    "COUNTS_AS_TWO",
    "FLAG_IDS",
    "FLAG_MESSAGES",
    "FORMULA_STARTS",
    "INTERVAL_LEVEL",
    "MODEL_FILE",
    "NUMBER",
    "SAVE_AS",
    "SCALED_KINDS",
    "TRACK_IDS",
    "UNSPACED",
    "WHOLE_CONTEXT",
    "Answers",
    "AnswersInvalid",
    "EmployeeIdRefused",
    "Item",
    "JsonRefused",
    "ModelRefused",
    "Pack",
    "PackInvalid",
    "Problem",
    "Profile",
    "Recommender",
    "Section",
    "UnknownDiscipline",
    "active_model_problem",
    "answers_json",
    "can_answer",
    "counted_length",
    "csv_records",
    "current_pack",
    "current_recommender",
    "default_discipline",
    "discipline_ids",
    "discipline_of",
    "disciplines",
    "employee_id_key",
    "feature_labels",
    "first_named",
    "given_answers",
    "hidden_character",
    "invisible_character",
    "load_pack",
    "lookalike_scripts",
    "model_registry",
    "named_width",
    "next_anchor",
    "not_written",
    "pack_for",
    "pack_of",
    "profile_of",
    "quoted",
    "read_employee_id",
    "read_json_document",
    "recommend",
    "recommendation_schema",
    "repeated_employee_id",
    "saved_as_utf16",
    "score_many",
    "scoring_layout",
    "spreadsheet_text",
    "try_version",
    "undecodable_records",
]

_lock = threading.Lock()
MAX_OPENED = 16  # (pack version, model version) pairs kept open: a few per discipline
# (pack, what opening gave): a recommender, or the refusal to raise again (fresh each time)
_opened: dict[tuple, tuple[Pack, Recommender | ModelRefused]] = {}
# What was found at the last look, per setting: (monotonic time of the look, what was found).
_looked: dict[tuple, tuple[float, Any]] = {}


def _at_most_every(interval: float, key: tuple, look, *, fresh: bool = False):
    """`look()`, or what it gave less than `interval` seconds ago: the pack files and the
    registry's active version are re-read about once a second, not on every request (always
    when `fresh`)."""
    now = time.monotonic()
    seen = _looked.get(key)
    if not fresh and seen is not None and now - seen[0] < interval:
        return seen[1]
    found = look()
    _looked[key] = (now, found)
    return found


def current_pack(discipline: str | None = None) -> Pack:
    """The pack new assessments of a discipline use: the newest installed version of that
    pack id (None: of the configured default pack), reloaded soon after its files change or a
    version is uploaded. UnknownDiscipline for an id no pack has."""
    setting = current_app.config["TRACKFIT_PACK"]  # a name, or a folder outside questionnaires/
    if discipline is not None and discipline != _newest(setting).id:
        if discipline not in discipline_ids() and discipline not in discipline_ids(fresh=True):
            # checked against the list before any folder is looked for: it may come from a URL
            # (read again before refusing: a pack uploaded a moment ago, by any process)
            raise UnknownDiscipline(discipline, discipline_ids())
        setting = discipline
    return _newest(setting)


def _newest(setting: str) -> Pack:
    return _at_most_every(
        current_app.config["TRACKFIT_RECHECK_SECONDS"],
        ("pack", setting, current_app.instance_path),
        lambda: pack_versions.newest(setting),
    )


def default_discipline() -> str:
    """The configured default discipline's pack id: everyone's without one of their own."""
    return current_pack().id


def discipline_ids(*, fresh: bool = False) -> list[str]:
    """Every discipline's pack id, the default first, then the rest as `disciplines()` lists
    them (read again from the folders when `fresh`)."""
    return _at_most_every(
        current_app.config["TRACKFIT_RECHECK_SECONDS"],
        ("disciplines", current_app.config["TRACKFIT_PACK"], current_app.instance_path),
        _discipline_ids,
        fresh=fresh,
    )


def _discipline_ids() -> list[str]:
    default = pack_versions.newest(current_app.config["TRACKFIT_PACK"])
    bundled = [
        pack_versions.newest(pack_id)
        for pack_id in pack_versions.bundled()
        if pack_id != default.id
    ]
    uploaded = [
        pack_versions.newest(pack_id)
        for pack_id in pack_versions.uploaded_ids()
        if pack_id != default.id and pack_id not in pack_versions.bundled()
    ]
    ordered = [default, *_by_title(bundled), *_by_title(uploaded)]
    return [pack.id for pack in ordered]


def _by_title(packs: list[Pack]) -> list[Pack]:
    return sorted(packs, key=lambda pack: (pack.title.casefold(), pack.id))


def disciplines() -> list[Pack]:
    """The newest version of each discipline's pack: the configured default first, then every
    other bundled pack, then the ones HR uploaded, each group by title."""
    return [current_pack(pack_id) for pack_id in discipline_ids()]


def discipline_of(user: Any) -> str:
    """The pack id of a person's discipline: their own (org chart), or the default when they
    have none or theirs is no longer installed."""
    own = getattr(user, "discipline", None)
    return own if own and own in discipline_ids() else default_discipline()


def disciplines_of(users: Any) -> dict[int, str]:
    """`discipline_of` for each of many people, by id, with the installed disciplines read
    once (a list of a hundred people asks once, not a hundred times)."""
    installed, default = set(discipline_ids()), default_discipline()
    return {user.id: user.discipline if user.discipline in installed else default for user in users}


def of_discipline(column: Any, chosen: str) -> Any:
    """The SQL condition on a `discipline` column that `discipline_of` reads as `chosen`: the
    default discipline's people include those with none, or with one no longer installed."""
    if chosen != default_discipline():
        return column == chosen
    return or_(column.is_(None), column.not_in(discipline_ids()), column == chosen)


def pack_for(user: Any) -> Pack:
    """The pack a person's new assessment uses: the newest version of their discipline's."""
    return current_pack(discipline_of(user))


def pack_of(ref: str) -> Pack:
    """The pack version an assessment was taken in, found by the ref's own pack id (the
    newest of its discipline if that version is gone; the default pack if the discipline
    is)."""
    found = _at_most_every(
        current_app.config["TRACKFIT_RECHECK_SECONDS"],
        ("pack version", current_app.instance_path, ref),
        lambda: pack_versions.version_of(ref),
    )
    if found is not None:
        return found
    pack_id = ref.partition("@")[0]
    return current_pack(pack_id if pack_id in discipline_ids() else None)


def model_registry() -> Registry:
    """The configured model registry, for reading versions (writing is `webapp.learning`'s)."""
    return Registry(current_app.config["TRACKFIT_MODELS"])


def current_recommender(pack: Pack | None = None) -> Recommender:
    """The recommender for a pack (the default discipline's current one by default) and that
    pack's active model version.

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
                current_app.logger.error(
                    "the active model of %s cannot be used: %s", pack.title, refused
                )
            _opened[key] = (pack, recommender)
    if isinstance(recommender, ModelRefused):
        raise ModelRefused(recommender.problems)
    return recommender


def can_answer(pack: Pack) -> bool:
    """Whether the pack's active model can give advice now (why not is the log's and HR's)."""
    try:
        current_recommender(pack)
    except (ModelRefused, PackInvalid):
        return False
    return True


def active_model_problem() -> str | None:
    """Why some discipline's active model cannot answer its pack, for every discipline where
    it cannot (named by title), or None when each can: what the web app says at start-up
    instead of failing every later request of those people."""
    try:
        packs = disciplines()
    except (PackInvalid, UnknownDiscipline) as refused:
        return refused.report() if isinstance(refused, PackInvalid) else str(refused)
    problems = []
    for pack in packs:
        try:
            current_recommender(pack)
        except (ModelRefused, PackInvalid) as refused:
            problems.append(f"{pack.title} ({pack.id}): {refused.report()}")
    return "\n".join(problems) or None


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
