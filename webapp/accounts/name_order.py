"""The order people's names are listed in: Unicode's collation (the UCA with its default table,
DUCET), not code points, so Łukasz comes among the L's, not after Trần and Zoë; Élodie beside
Elodie; Ægir among the A's; other scripts after the Latin one (Greek, Cyrillic, Arabic, Han).

The key is computed in Python once, when a name is stored, and kept as bytes beside it
(`User.name_key`): SQLite and PostgreSQL both order bytes as bytes, so the database pages
through thousands of people in one order on both, without ICU in either. Changing how the key
is made means a migration that computes every stored key again.
"""

from __future__ import annotations

from functools import cache

from pyuca.collator import Collator_10_0_0

MAX_WEIGHT = 0xFFFF  # every DUCET weight, implicit ones included, fits in two bytes
# Bytes kept of a key, under the size PostgreSQL indexes (a few thousand). The primary weights
# come first (the letters), then accents, then case, so a longer key loses case first; names
# that tie on what is kept are listed in the order they were added.
MAX_KEY_BYTES = 1024


@cache
def _collator() -> Collator_10_0_0:
    # The newest table the library ships, named so that keys never shift with its default.
    # A tenth of a second to read, once per process, when a name is first stored.
    return Collator_10_0_0()


def name_key(name: str) -> bytes:
    """The sort key of a name: each collation weight as two big-endian bytes, so comparing keys
    byte by byte orders names as the collation does (a name that is the start of another comes
    first, as "Ann" before "Anna"), at most MAX_KEY_BYTES long."""
    weights = _collator().sort_key(name)[: MAX_KEY_BYTES // 2]
    return b"".join(min(weight, MAX_WEIGHT).to_bytes(2, "big") for weight in weights)
