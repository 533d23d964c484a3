"""Counts in words with the noun agreeing: '1 person', '2 people', '1,204 rows'."""

from __future__ import annotations

from flask import Flask


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """`number` and its noun, singular only for exactly one (English says '0 rows')."""
    noun = singular if number == 1 else (plural or singular + "s")
    return f"{number:,} {noun}"


def register(app: Flask) -> None:
    """Make `counted` a template filter: `{{ people|length|counted('person', 'people') }}`."""
    app.add_template_filter(counted)
