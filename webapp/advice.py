"""The web app's door to the recommender: the configured pack and the active model, kept warm."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app

from recommender import Answers, Pack, Profile, Recommender, Registry, load_pack, score

_lock = threading.Lock()
_opened: dict[tuple, Recommender] = {}
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


def current_pack() -> Pack:
    """The pack people answer in this installation (reloaded soon after its files change)."""
    setting = current_app.config["TRACKFIT_PACK"]
    return _at_most_every(
        current_app.config["TRACKFIT_RECHECK_SECONDS"],
        ("pack", setting),
        lambda: load_pack(setting),
    )


def current_recommender() -> Recommender:
    """The recommender for the current pack and the active model version.

    Opening verifies the model file's hash, so it is done once per (pack, version) and kept;
    promoting or rolling back a version changes the key and the next request opens the new one.
    """
    pack = current_pack()
    registry = current_app.config["TRACKFIT_MODELS"]
    active = _at_most_every(
        current_app.config["TRACKFIT_RECHECK_SECONDS"],
        ("active model", registry),
        lambda: Registry(registry).active(),
    )
    key = (id(pack), registry, active)
    with _lock:
        recommender = _opened.get(key)
        if recommender is None or recommender.pack is not pack:
            _opened.clear()
            recommender = _opened[key] = Recommender.open(pack, registry)
    return recommender


def recommend(data: dict[str, Any]) -> dict[str, Any]:
    """The recommendation JSON for one person's answers JSON; raises AnswersInvalid."""
    recommender = current_recommender()
    return recommender.recommend(Answers.from_json(data, recommender.pack))


def profile_of(data: dict[str, Any], pack: Pack) -> Profile:
    """The scored profile of stored answers (construct means and competency ratings)."""
    return score(pack, Answers.from_json(data, pack))
