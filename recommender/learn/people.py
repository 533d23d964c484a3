"""Who a model version learnt from, so that a later candidate can tell which of its people the
active version has already seen.

A company's outcome files are often cumulative (last year's people and this year's), so a
candidate's people and the active version's overlap without the files being the same. On
people it learnt from, the active version is scored in-sample and looks better than it is; and
shrinking toward it would count those people twice, with cross-fitting's held-out people
inside the prior. Each version therefore records a key per person it learnt from (directly,
or through the prior the search took), `people.npy` beside the model.

A key is the first 8 bytes of the SHA-256 of the employee id, compared the way the rest of
trackfit compares ids (`employee_id_key`: Unicode NFKC, case and surrounding spaces ignored);
the web app keys a row joined to an account by that account (its employee id, else its email),
whichever way the file named the person. Two ids collide with a chance of about 1 in 10^19 per
pair. This is not anonymisation: anyone holding the registry and an employee id can tell
whether that person was learnt from; the registry is HR's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from recommender.answer.employee_ids import employee_id_key


def person_keys(employee_ids: Sequence[str]) -> np.ndarray:
    """Each row's key (uint64), in row order."""
    return np.fromiter(
        (_key(employee_id) for employee_id in employee_ids),
        dtype=np.uint64,
        count=len(employee_ids),
    )


def person_order(employee_ids: Sequence[str]) -> np.ndarray:
    """The rows in the order of their people's keys, whatever the file's order: folds and
    bootstrap samples follow the rows' order, so the same people saved in another order must
    be read in one order to train alike (from the command line as from HR's pages)."""
    return np.argsort(person_keys(employee_ids), kind="stable")


def _key(employee_id: str) -> int:
    plain = employee_id_key(str(employee_id))
    return int.from_bytes(hashlib.sha256(plain.encode("utf-8")).digest()[:8], "big")


def people_learnt(keys: np.ndarray, also: np.ndarray | None = None) -> np.ndarray:
    """The sorted, distinct keys of `keys` and of `also` (the prior's people, if known)."""
    return np.unique(keys if also is None else np.concatenate([keys, also])).astype(np.uint64)


def seen_rows(keys: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Which rows are people in `seen` (sorted keys)."""
    return np.isin(keys, seen)
