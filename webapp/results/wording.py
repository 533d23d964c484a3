"""Numbers and dates in words: the filters the templates use."""

from __future__ import annotations

from datetime import datetime

from flask import Flask


def percent(value: float | None) -> str:
    """0.734 -> '73%'."""
    return "–" if value is None else f"{round(100 * value)}%"


def day(moment: datetime | None) -> str:
    """A date as people write it: '23 November 2026'."""
    return "" if moment is None else f"{moment.day} {moment:%B %Y}"


def minute(moment: datetime | None) -> str:
    """A date and time to the minute, in UTC."""
    return "" if moment is None else f"{day(moment)}, {moment:%H:%M} UTC"


def sureness(confidence: float) -> str:
    """How sure the advice is, in words (confidence = chance the advised track works out better)."""
    if confidence >= 0.75:
        return "a clear fit"
    if confidence >= 0.6:
        return "a fairly clear fit"
    if confidence >= 0.5:
        return "a close call: both tracks could work for you"
    return "chosen by a rule: the model on its own leans to the other track"


def strength(effect: float) -> str:
    """How hard one factor pushed, in words (log-odds units)."""
    size = abs(effect)
    if size >= 0.75:
        return "strongly"
    if size >= 0.3:
        return "moderately"
    return "slightly"


def register(app: Flask) -> None:
    """Make the filters available to templates."""
    for function in (percent, day, minute, sureness, strength):
        app.add_template_filter(function)
