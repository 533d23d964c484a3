"""How a value read back from a stored manifest or report is checked before it is said: the
files are written by trackfit, but read as untrusted (a hand-edited or older file may hold a
string, a boolean or NaN where a number belongs). Plain Python, light enough for every page."""

from __future__ import annotations

import math


def is_count(value: object) -> bool:
    """Whether a recorded value is a whole number of things (a boolean is not)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def is_number(value: object) -> bool:
    """Whether a recorded value is a finite number (a boolean is not)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
