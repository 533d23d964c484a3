"""The order people's names are listed in: Unicode's collation (ICU's root collation, the
Unicode Collation Algorithm with CLDR's default table), not code points, so Łukasz comes among
the L's, not after Trần and Zoë; Élodie beside Elodie; Ægir among the A's; other scripts after
the Latin one (Greek, Cyrillic, Arabic, Han).

The key is computed in Python once, when a name is stored, and kept as bytes beside it
(`User.name_key`): ICU makes sort keys to be compared byte by byte, and SQLite and PostgreSQL
both order bytes as bytes, so the database pages through thousands of people in one order on
both, without ICU or a locale in either. The ICU version comes with the pinned `pyicu-wheels`;
a new one may order a few names differently, so changing it means a migration that computes
every stored key again.
"""

from __future__ import annotations

import threading

import icu

# Bytes kept of a key, well under the size PostgreSQL indexes (a few thousand); ICU's keys of
# names of 120 characters are a few hundred. The letters come first in a key, then accents,
# then case, so a key cut short loses case first; names that tie on what is kept are listed in
# the order they were added.
MAX_KEY_BYTES = 1024

_per_thread = threading.local()  # a collator is used by one thread at a time


def _collator() -> icu.Collator:
    collator = getattr(_per_thread, "collator", None)
    if collator is None:  # a few milliseconds and a few megabytes, once per thread
        collator = _per_thread.collator = icu.Collator.createInstance(icu.Locale.getRoot())
    return collator


def name_key(name: str) -> bytes:
    """The sort key of a name: comparing keys byte by byte orders names as the collation does
    (a name that is the start of another comes first, as "Ann" before "Anna"), at most
    MAX_KEY_BYTES long."""
    return bytes(_collator().getSortKey(name))[:MAX_KEY_BYTES]
