"""Numbers and dates in words: the filters the templates use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask

from webapp import answering
from webapp.results.reading import close_call, level_name, track_name


def percent(value: float | None) -> str:
    """0.734 -> '73%'."""
    return "–" if value is None else f"{round(100 * value)}%"


def day(moment: datetime | None) -> str:
    """A date as people write it: '23 November 2026'."""
    return "" if moment is None else f"{moment.day} {moment:%B %Y}"


def minute(moment: datetime | None) -> str:
    """A date and time to the minute, in UTC."""
    return "" if moment is None else f"{day(moment)}, {moment:%H:%M} UTC"


def day_among(moment: datetime | None, moments: list[datetime | None]) -> str:
    """The day, and the time too where another of `moments` (the list it is shown in) falls
    on the same day, to the second where one falls in the same minute: two assessments of one
    day are told apart."""
    for said in (day, minute):
        if sum(other is not None and said(other) == said(moment) for other in moments) < 2:
            return said(moment)
    return "" if moment is None else f"{day(moment)}, {moment:%H:%M:%S} UTC"


def sureness(recommendation: dict[str, Any]) -> str:
    """How sure the advice is, in words.

    A close call is the close-call rule's decision (the result carries its flag, and the page
    shows the rule's note), never a band of the confidence: the model's own uncertainty can
    make a 74% lead a close call and leave a 55% one a real, if small, lead. Reading the flag
    keeps the headline and the note from contradicting each other, in results of any age.
    """
    if close_call(recommendation):  # whatever the figure, a rule's choice included
        return "a close call: neither track is clearly the better fit for you"
    if chosen_by_rule(recommendation):
        return "chosen by a rule: the model on its own leans to the other track"
    confidence = float(recommendation["confidence"])
    if confidence >= 0.75:
        return "a clear fit"
    if confidence >= 0.6:
        return "a fairly clear fit"
    return "the better fit, though not clearly so"


def chosen_by_rule(recommendation: dict[str, Any]) -> bool:
    """Whether a rule, not the model, chose the track (the model on its own leans to the
    other: how sure is under 50%) and it is no close call, which is said as one instead."""
    return float(recommendation["confidence"]) < 0.5 and not close_call(recommendation)


def track_named(track: str, pack_ref: str) -> str:
    """A track in running text as the pack an assessment was made in names it ('design
    manager' in product design, 'people manager' in engineering); an id it has not, as is."""
    return track_name(answering.pack_of(pack_ref), track).lower()


def level_named(level_id: str | None, pack_ref: str) -> str | None:
    """A level as the pack an assessment was made in names it, 'Design Manager (DM3)' where
    the bare id is a code people do not read (the id alone for a level it no longer has)."""
    return level_name(answering.pack_of(pack_ref), level_id)


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
    for function in (percent, day, minute, day_among, sureness, strength, track_named, level_named):
        app.add_template_filter(function)
    app.add_template_test(chosen_by_rule)
