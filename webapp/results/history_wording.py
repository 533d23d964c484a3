"""What changed between two of a person's results, said in words for the history page."""

from __future__ import annotations

import re
from typing import Any

from webapp.answering import FLAG_IDS, Pack
from webapp.results.reading import level_name, track_name

# A rating or motivation score that moved less than this (on the 1-5 scales) is noise from one
# answer among several, not a change worth a line.
SMALLEST_STEP = 0.45
# Chances are estimates with a range of tens of points; a few points either way is not news.
SMALLEST_CHANCE = 0.05
# How sure the advice is (its confidence), likewise.
SMALLEST_SURENESS = 0.05
HALVES = {
    1: "half a {unit}",
    2: "a {unit}",
    3: "a {unit} and a half",
    4: "two {unit}s",
    5: "two and a half {unit}s",
    6: "three {unit}s",
    7: "three and a half {unit}s",
    8: "four {unit}s",
}


def advice_changes(newer: dict[str, Any], older: dict[str, Any], pack: Pack) -> list[str]:
    """How the advice differs between two recommendations: the recommended track, the levels
    on each track, the chances, then how sure it is and the notes on the answers that move
    that figure."""
    titles = {track.id: track.title for track in pack.framework.tracks}
    said = []
    if newer.get("track") != older.get("track"):
        said.append(
            f"The recommended track changed from {track_name(pack, older.get('track')).lower()} "
            f"to {track_name(pack, newer.get('track')).lower()}."
        )
    for track, title in titles.items():
        said += _level_changes(
            pack,
            title.lower(),
            newer.get("levels", {}).get(track, {}),
            older.get("levels", {}).get(track, {}),
        )
    for track, title in titles.items():
        before = older.get("p_success", {}).get(track)
        after = newer.get("p_success", {}).get(track)
        if before is not None and after is not None and abs(after - before) >= SMALLEST_CHANCE:
            said.append(
                f"The estimated chance of doing well on the {title.lower()} track "
                f"{'rose' if after > before else 'fell'} from {_chance(older, track)} "
                f"to {_chance(newer, track)}."
            )
    said += _sureness_change(newer, older, pack)
    notes, were = _answer_notes(newer), _answer_notes(older)
    said += [f"A new note on your answers: “{notes[flag]}”" for flag in notes if flag not in were]
    said += [f"No longer noted: “{were[flag]}”" for flag in were if flag not in notes]
    return said


def _sureness_change(newer: dict[str, Any], older: dict[str, Any], pack: Pack) -> list[str]:
    """How sure the advice is, when that changed: a rise or fall of one track's figure, or,
    when the track changed, how sure each advice was of its own track."""
    before, after = older.get("confidence"), newer.get("confidence")
    if before is None or after is None:
        return []
    if newer.get("track") != older.get("track"):
        return [
            f"How sure the advice is: {round(100 * before)}% for "
            f"{track_name(pack, older.get('track')).lower()} then, {round(100 * after)}% for "
            f"{track_name(pack, newer.get('track')).lower()} now."
        ]
    if abs(after - before) < SMALLEST_SURENESS:
        return []
    return [
        f"How sure the advice is {'rose' if after > before else 'fell'} from "
        f"{round(100 * before)}% to {round(100 * after)}%."
    ]


def _answer_notes(recommendation: dict[str, Any]) -> dict[str, str]:
    """The notes on the answers themselves (response quality), by flag: each brings how sure
    the advice is toward 50%."""
    return {
        flag["id"]: flag.get("message", flag["id"])
        for flag in recommendation.get("flags", [])
        if flag.get("id") in FLAG_IDS
    }


def _chance(recommendation: dict[str, Any], track: str) -> str:
    """A kept chance with the range the model gave it, as the result page says it ("about
    62% (likely between 51% and 72%)"), or bare for a result kept before there were ranges."""
    said = f"{round(100 * recommendation['p_success'][track])}%"
    interval = (recommendation.get("p_success_interval") or {}).get(track)
    if not interval:
        return said
    low, high = interval
    return f"about {said} (likely between {round(100 * low)}% and {round(100 * high)}%)"


def version_notes(newer: dict[str, Any], older: dict[str, Any]) -> list[str]:
    """Why part of a change may not come from the person: another model or questionnaire."""
    notes = []
    model, was = newer.get("model_version"), older.get("model_version")
    if model and was and model != was:
        kind = "a newer" if _is_later(model, was) else "a different"
        notes.append(
            f"{kind.capitalize()} model ({model}) produced this result; the one before came "
            f"from {was}. Part of the change may come from the model, not from you."
        )
    pack, was = newer.get("pack"), older.get("pack")
    if pack and was and pack != was:
        kind = "a newer" if _is_later(pack, was) else "a different"
        notes.append(
            f"{kind.capitalize()} version of the questionnaire and framework ({pack}) produced "
            f"this result; the one before came from {was}. Part of the change may come from "
            "the changed questions or levels, not from you."
        )
    return notes


def _is_later(name: str, other: str) -> bool:
    """'v10' after 'v9', 'engineering@2' after 'engineering@1'; otherwise not known."""
    number = re.search(r"(\d+)$", name)
    other_number = re.search(r"(\d+)$", other)
    return bool(
        number
        and other_number
        and name[: number.start()] == other[: other_number.start()]
        and int(number.group(1)) > int(other_number.group(1))
    )


def _level_changes(pack: Pack, track: str, newer: dict, older: dict) -> list[str]:
    said = []
    # Results kept before levels said which level you hold had only "current", and it meant
    # the level your answers support: compare like with like.
    before, after = _level(older, "held"), _level(newer, "held")
    if _UNKNOWN not in (before, after) and before != after:
        said.append(_held_changed(pack, track, before, after))
    before, after = _level(older, "supported"), _level(newer, "supported")
    if _UNKNOWN not in (before, after) and before != after:
        said.append(
            f"The level your answers support on the {track} track {_moved(pack, before, after)}."
        )
    before, after = older.get("target"), newer.get("target")
    if before != after:
        said.append(f"The target level on the {track} track {_moved(pack, before, after)}.")
    return said


_UNKNOWN = object()


def _held_changed(pack: Pack, track: str, before: str | None, after: str | None) -> str:
    """The level held is what the person gave on About you, not a judgement: a lower one is
    what they said this time, never a demotion, so it "changed" rather than rose or fell."""
    if before is None:
        return (
            f"You gave {level_name(pack, after)} as your current level on the {track} track, "
            "where you gave none before."
        )
    if after is None:
        return (
            f"You gave {level_name(pack, before)} as your current level on the {track} track "
            "before, and none this time."
        )
    return (
        f"The level you gave as your current one on the {track} track changed from "
        f"{level_name(pack, before)} to {level_name(pack, after)}."
    )


def _level(levels: dict, key: str) -> Any:
    if "supported" in levels:
        return levels.get("current") if key == "held" else levels.get("supported")
    return levels.get("current") if key == "supported" and levels else _UNKNOWN


def _moved(pack: Pack, before: str | None, after: str | None) -> str:
    if before is None:
        return f"is now {level_name(pack, after)}"
    if after is None:
        return f"went from {level_name(pack, before)} to none yet"
    grades = [_grade(pack, level) for level in (before, after)]
    verb = "moved"
    if None not in grades and grades[0] != grades[1]:
        verb = "rose" if grades[1] > grades[0] else "fell"
    return f"{verb} from {level_name(pack, before)} to {level_name(pack, after)}"


def _grade(pack: Pack, level_id: str) -> int | None:
    level = next((lv for lv in pack.framework.levels if lv.id == level_id), None)
    return level.grade if level else None


def answer_changes(newer: dict[str, Any], older: dict[str, Any], pack: Pack) -> list[str]:
    """How the person's own scores moved: skill ratings in steps of the rating scale first,
    then motivations in points of the agreement scale, each to the nearest half, biggest
    moves first."""
    competencies = set(pack.framework.competency_ids)
    constructs = {construct.id for construct in pack.questionnaire.constructs}
    was = {f["feature"]: f["value"] for f in older.get("explanation", {}).get("factors", [])}
    moves = []
    for factor in newer.get("explanation", {}).get("factors", []):
        feature, value = factor["feature"], factor["value"]
        if feature not in was or feature not in competencies | constructs:
            continue
        delta = value - was[feature]
        if abs(delta) < SMALLEST_STEP:
            continue
        unit = "step" if feature in competencies else "point"
        moves.append(
            (abs(delta), feature in competencies, factor.get("label", feature), delta, unit)
        )
    moves.sort(key=lambda move: (-move[1], -move[0]))
    return [
        f"{label} rose {_amount(delta, unit)}."
        if rating and delta > 0
        else f"{label} fell {_amount(delta, unit)}."
        if rating
        else f"“{label}” {'rose' if delta > 0 else 'fell'} {_amount(delta, unit)}."
        for _, rating, label, delta, unit in moves
    ]


def _amount(delta: float, unit: str) -> str:
    halves = max(1, round(abs(delta) * 2))
    exact = abs(abs(delta) * 2 - halves) < 0.01
    words = HALVES.get(halves, f"{halves / 2:g} {unit}s").format(unit=unit)
    return words if exact else f"about {words}"
