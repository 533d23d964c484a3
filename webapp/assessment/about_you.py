"""The About-you step's checks: answers about your current role that cannot all be true."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from webapp.answering import TRACK_IDS, Pack

IC, MANAGER = TRACK_IDS
REPORTS_ROLE = "reports_role"  # the follow-up question's field: not a pack item, never stored
LEADS_THEM, MANAGED_ELSEWHERE = "lead", "elsewhere"
CONTEXT_CHECKED = ("years_experience", "years_at_level", "current_track", "current_level")


@dataclass(frozen=True)
class Contradiction:
    """Two answers about one's role that cannot both be true, said next to `field`."""

    field: str  # the context field whose answer the message sits next to
    message: str


def contradictions(
    pack: Pack, context: Mapping[str, Any], reports_role: str | None = None
) -> list[Contradiction]:
    """Every contradiction in these context answers, in the order of the questions.
    Answers missing or not whole numbers are left to their own field's checks."""
    framework = pack.framework
    found = []
    experience, at_level = (
        _whole(context.get("years_experience")),
        _whole(context.get("years_at_level")),
    )
    if experience is not None and at_level is not None and at_level > experience:
        found.append(
            Contradiction(
                "years_at_level",
                f"You said {_years(at_level)} at your current level but {_years(experience)} "
                f"of experience in all: years at your level can be at most {experience}.",
            )
        )
    reports = _whole(context.get("direct_reports"))
    track_id, level_id = context.get("current_track"), context.get("current_level")
    track = next((t for t in framework.tracks if t.id == track_id), None)
    if (
        track is not None
        and track.id == IC
        and reports is not None
        and reports > 0
        and reports_role not in (LEADS_THEM, MANAGED_ELSEWHERE)
    ):
        found.append(
            Contradiction(
                "direct_reports",
                f"You chose the {track.title.lower()} track and said {_people(reports)} "
                f"report to you. Tell us which is true in the question below this one, or "
                f"change this number or your track.",
            )
        )
    if track_id is not None and level_id is not None:
        message = _level_problem(framework, track_id, level_id)
        if message:
            found.append(Contradiction("current_level", message))
    return found


def saved_contradictions(pack: Pack, context: Mapping[str, Any]) -> list[Contradiction]:
    """The contradictions in saved answers (kept before these checks existed): reports on the
    individual contributor track were only ever saved after "I lead them"."""
    return contradictions(pack, context, follow_up_answer(context).get(REPORTS_ROLE))


def _level_problem(framework, track_id: Any, level_id: Any) -> str | None:
    ladders = {track.id: framework.ladder(track.id) for track in framework.tracks}
    if not isinstance(track_id, str) or track_id not in ladders:
        return f"Choose your track first: {track_id!s:.40} is not a track of this framework."
    ladder = ladders[track_id]
    if level_id in _ids(ladder):
        return None
    track = framework.track(track_id)
    on = [t.title.lower() for t in framework.tracks if level_id in _ids(ladders[t.id])]
    if not on:
        return f"Choose a level from the {track.title.lower()} list."
    level = framework.level(level_id)
    return (
        f"{level.title} is a level of the {' and '.join(on)} track, not of the "
        f"{track.title.lower()} track you chose: choose a level from the "
        f"{track.title.lower()} list, or change your track."
    )


def _ids(ladder) -> tuple[str, ...]:
    return tuple(level.id for level in ladder)


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _years(number: int) -> str:
    return f"{number} year" if number == 1 else f"{number} years"


def _people(number: int) -> str:
    return "1 person" if number == 1 else f"{number} people"


def level_choices(pack: Pack) -> list[SelectChoice]:
    """The level list grouped by track: the shared trunk first, then each track's own levels,
    then levels where the tracks meet again at the top, each group from lowest grade up."""
    framework = pack.framework
    every_track = set(framework.track_ids)
    groups: dict[str, list] = {}
    trunk, top = "Both tracks, before they branch", "Both tracks, where they meet at the top"
    for group in (trunk, *(t.title for t in framework.tracks), top):
        groups[group] = []
    for level in sorted(framework.levels, key=lambda lv: lv.grade):
        if set(level.tracks) >= every_track:
            group = trunk if level.grade < framework.branch_grade else top
        else:
            group = " and ".join(t.title for t in framework.tracks if t.id in level.tracks)
        groups.setdefault(group, []).append(level)
    choices = [SelectChoice("", "Choose…")]
    for group, levels in groups.items():
        choices += [SelectChoice(level.id, level.title, optgroup=group) for level in levels]
    return choices


def reports_role_field() -> RadioField:
    """The follow-up asked when someone on the individual contributor track has reports."""
    return RadioField(
        "Which is true about the people who report to you?",
        choices=[
            SelectChoice(
                LEADS_THEM,
                "I lead them while staying an individual contributor (for example as a tech "
                "lead): keep my number of reports",
            ),
            SelectChoice(
                MANAGED_ELSEWHERE,
                "Someone else manages them (their reviews, pay and growth): count me as having "
                "no direct reports",
            ),
        ],
        validators=[Optional()],
        invalid_value_message="Choose one of the two answers listed.",
        invalid_choice_message="Choose one of the two answers listed.",
    )


def asks_about_reports(context: Mapping[str, Any]) -> bool:
    """Whether these answers need the follow-up: the individual contributor track with
    reports."""
    reports = _whole(context.get("direct_reports"))
    return context.get("current_track") == IC and reports is not None and reports > 0


def follow_up_answer(context: Mapping[str, Any]) -> dict[str, str]:
    """The follow-up's answer implied by saved answers: reports on the individual contributor
    track were only ever saved after "I lead them"."""
    return {REPORTS_ROLE: LEADS_THEM} if asks_about_reports(context) else {}


def settled(context: Mapping[str, Any], reports_role: str | None) -> dict[str, Any]:
    """The answers to keep: with "someone else manages them", no direct reports (what the
    person chose, said in the choice itself)."""
    kept = dict(context)
    if reports_role == MANAGED_ELSEWHERE and asks_about_reports(kept):
        kept["direct_reports"] = 0
    return kept
