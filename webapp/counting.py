"""Counts in words with the noun agreeing: '1 person', '2 people', '1,204 rows'."""

from __future__ import annotations

from flask import Flask


def thousands(number):
    """20000 -> '20,000'; anything that is not a number is shown as it is."""
    if isinstance(number, (int, float)) and not isinstance(number, bool):
        return f"{number:,}"
    return number


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """`number` and its noun, singular only for exactly one (English says '0 rows')."""
    noun = singular if number == 1 else (plural or singular + "s")
    return f"{thousands(number)} {noun}"


def register(app: Flask) -> None:
    """Make `counted` and `thousands` template filters:
    `{{ people|length|counted('person', 'people') }}`, `{{ rows|thousands }}`."""
    app.add_template_filter(counted)
    app.add_template_filter(thousands)
