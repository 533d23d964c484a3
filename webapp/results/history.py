"""The history page: a person's results over time, and what changed between them, in words."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template
from flask_login import current_user, login_required

from webapp import answering
from webapp.assessment.models import Assessment, discipline_of_ref
from webapp.results import bp
from webapp.results.history_wording import advice_changes, answer_changes, version_notes
from webapp.results.reading import TrackLevels, track_levels


@dataclass(frozen=True)
class Entry:
    """One finished assessment on the history page; `changes` is None for the first."""

    assessment: Assessment
    track_titles: dict[str, str]
    level_titles: dict[str, str]
    changes: list[str] | None  # in the advice
    moves: list[str] = field(default_factory=list)  # in the person's own scores
    notes: list[str] = field(default_factory=list)
    compared: bool = True  # False when the one before is of another discipline
    discipline: str = ""  # the title of the pack it was taken in
    # each track's levels as the result page reads them, so that the next step said here is
    # the one the page says (the level held first, when the answers fall short of it)
    levels: dict[str, TrackLevels] = field(default_factory=dict)


@bp.route("/history")
@login_required
def history():
    """Past assessments, newest first, with the time each was finished and what changed since
    the one before, said in words (and whether another model or pack version played a part)."""
    completed = Assessment.completed(current_user.id)
    entries = []
    for index, newer in enumerate(completed):
        older = completed[index + 1] if index + 1 < len(completed) else None
        pack = answering.pack_of(newer.pack)
        framework = pack.framework
        levels = track_levels(newer.recommendation, pack, newer.context)
        titles = (
            {track.id: track.title for track in framework.tracks},
            {level.id: level.title for level in framework.levels},
        )
        if older is not None and discipline_of_ref(older.pack) != pack.id:
            # Other ladders and competencies: a change between them would compare unlike things
            was = answering.pack_of(older.pack)
            note = (
                f"This result is on the {pack.title} ladders; the one before was on the "
                f"{was.title} ladders, so the two are not compared."
            )
            entries.append(
                Entry(
                    newer,
                    *titles,
                    [],
                    notes=[note],
                    compared=False,
                    discipline=pack.title,
                    levels=levels,
                )
            )
            continue
        entries.append(
            Entry(
                newer,
                *titles,
                advice_changes(newer.recommendation, older.recommendation, pack) if older else None,
                answer_changes(newer.recommendation, older.recommendation, pack) if older else [],
                version_notes(newer.recommendation, older.recommendation) if older else [],
                discipline=pack.title,
                levels=levels,
            )
        )
    return render_template(
        "results/history.html",
        entries=entries,
        in_progress=Assessment.in_progress(current_user.id),
    )
