"""A profile: what a person's answers say, as construct scores, proficiencies, context, flags."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from recommender.answer.quality import FLAG_MESSAGES
from recommender.pack.fields import FLAG_IDS

if TYPE_CHECKING:
    from recommender.pack.loading import Pack

DECIMALS = 4


@dataclass(frozen=True)
class Profile:
    """One person's profile; `None` marks a score that could not be computed."""

    employee_id: str
    pack: str
    constructs: dict[str, float | None]
    competencies: dict[str, float | None]
    context: dict[str, Any]
    flags: tuple[str, ...]
    answered: int
    asked: int

    def to_json(self) -> dict[str, Any]:
        """The JSON object `trackfit score` writes for this person."""
        return {
            "employee_id": self.employee_id,
            "pack": self.pack,
            "constructs": {k: _rounded(v) for k, v in self.constructs.items()},
            "competencies": {k: _rounded(v) for k, v in self.competencies.items()},
            "context": self.context,
            "flags": [{"id": flag, "message": FLAG_MESSAGES[flag]} for flag in self.flags],
            "answered": self.answered,
            "asked": self.asked,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


@dataclass
class ProfileBatch:
    """Profiles of many people as arrays: rows are people, columns constructs/competencies."""

    pack: Pack
    employee_ids: list[str]
    constructs: np.ndarray  # (n, C), NaN = missing
    competencies: np.ndarray  # (n, K), NaN = missing
    context: dict[str, np.ndarray]  # numbers as float (NaN missing), ids as object (None)
    flags: dict[str, np.ndarray]  # flag id -> bool (n,)
    answered: np.ndarray  # (n,) scored items answered (attention checks not counted)
    asked: int
    items: np.ndarray | None = None  # (n, items) scored answers, reverse-keyed ones flipped

    def __len__(self) -> int:
        return len(self.employee_ids)

    @property
    def flag_count(self) -> np.ndarray:
        """(n,) how many response-quality flags each person raised."""
        return np.sum([self.flags[flag] for flag in FLAG_IDS], axis=0, dtype=int)

    @property
    def flagged(self) -> np.ndarray:
        """(n,) whether each person raised any response-quality flag."""
        return self.flag_count > 0

    def profile(self, row: int) -> Profile:
        """The profile of one person of the batch."""
        questionnaire, framework = self.pack.questionnaire, self.pack.framework
        context = {}
        for name, column in self.context.items():
            value = column[row]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            context[name] = _plain(value)
        return Profile(
            employee_id=self.employee_ids[row],
            pack=self.pack.ref,
            constructs=_named(questionnaire.construct_ids, self.constructs[row]),
            competencies=_named(framework.competency_ids, self.competencies[row]),
            context=context,
            flags=tuple(flag for flag in FLAG_IDS if self.flags[flag][row]),
            answered=int(self.answered[row]),
            asked=self.asked,
        )

    def profiles(self) -> list[Profile]:
        """Every profile of the batch, in order."""
        return [self.profile(row) for row in range(len(self))]


def _named(ids: tuple[str, ...], row: np.ndarray) -> dict[str, float | None]:
    return {
        key: None if np.isnan(value) else float(value) for key, value in zip(ids, row, strict=True)
    }


def _plain(value: Any) -> Any:
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else float(value)
    return value
