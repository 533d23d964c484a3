"""The framework as a person reads it: ladders by grade, each level's expectations in words,
and what changes from one level to another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from webapp.answering import ANCHORED, Pack

if TYPE_CHECKING:  # the pack's own objects, read only; the web reaches them through a Pack
    from recommender.pack.framework import Competency, Level


@dataclass(frozen=True)
class Cell:
    """A level in a grade's row, spanning the tracks it is on (a shared level spans both)."""

    level: Level | None
    span: int


@dataclass(frozen=True)
class Rung:
    """One grade: the level on each track, equal grades on one row."""

    grade: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Expectation:
    """What a level expects of one competency: a proficiency 1..5 and its anchor in words."""

    competency: Competency
    need: int
    words: str


@dataclass(frozen=True)
class Change:
    """A competency whose expectation differs between two levels."""

    before: Expectation
    after: Expectation

    @property
    def competency(self) -> Competency:
        """The competency that changes."""
        return self.before.competency

    @property
    def rises(self) -> bool:
        """Whether the other level expects more."""
        return self.after.need > self.before.need


@dataclass(frozen=True)
class Comparison:
    """Two levels side by side: what changes, what stays the same, and what kind of move."""

    base: Level
    other: Level
    move: str
    changes: tuple[Change, ...]
    same: tuple[Expectation, ...]


def rungs(pack: Pack) -> list[Rung]:
    """Every grade, highest first (a ladder is climbed upward), with a cell per track."""
    framework = pack.framework
    grades = sorted({level.grade for level in framework.levels}, reverse=True)
    rows = []
    for grade in grades:
        on_track = [
            next((level for level in framework.ladder(track) if level.grade == grade), None)
            for track in framework.track_ids
        ]
        cells: list[Cell] = []
        for level in on_track:
            if cells and level is not None and cells[-1].level is level:
                cells[-1] = Cell(level, cells[-1].span + 1)
            else:
                cells.append(Cell(level, 1))
        rows.append(Rung(grade, tuple(cells)))
    return rows


def anchors(pack: Pack) -> dict[str, dict[int, str]]:
    """The behavioural anchors of each competency's rating item: competency -> value -> text."""
    found: dict[str, dict[int, str]] = {}
    for item in pack.questionnaire.items_of_kind(ANCHORED):
        if item.competency and item.competency not in found:
            found[item.competency] = {int(a.value): a.label for a in item.anchors}
    return found


def expectations(pack: Pack, level: Level) -> list[Expectation]:
    """The level's expectation of every competency, in the pack's order, in words."""
    words = anchors(pack)
    return [
        Expectation(
            competency,
            need,
            words.get(competency.id, {}).get(need) or f"Proficiency {need} of 5.",
        )
        for competency in pack.framework.competencies
        if (need := level.expects.get(competency.id)) is not None
    ]


def level_named(pack: Pack, level_id: str) -> Level | None:
    """The level with this id, or None."""
    try:
        return pack.framework.level(level_id)
    except KeyError:
        return None


def near_misses(pack: Pack, level_id: str) -> list[Level]:
    """Levels whose id differs from `level_id` only in case or spaces (`l4`, ` L4`)."""
    wanted = level_id.strip().casefold()
    return [level for level in pack.framework.levels if level.id.casefold() == wanted]


def next_up(pack: Pack, level: Level, track: str) -> Level | None:
    """The level above `level` on `track`, or None at the top."""
    ladder = pack.framework.ladder(track)
    place = ladder.index(level)
    return ladder[place + 1] if place + 1 < len(ladder) else None


def branches(pack: Pack, level: Level) -> list[tuple[str, Level]]:
    """(track title, next level up) on each track of a shared level with more than one way up:
    where the ladder branches, every next step is worth a look."""
    steps = [
        (pack.framework.track(track).title, above)
        for track in level.tracks
        if (above := next_up(pack, level, track)) is not None
    ]
    return steps if len({above.id for _, above in steps}) > 1 else []


def compare_choices(pack: Pack, level: Level) -> list[tuple[str, list[tuple[str, str]]]]:
    """The levels to compare with, grouped by track (shared levels in a group of their own),
    each labelled by how it stands to `level`: the next level up, the same grade elsewhere."""
    framework = pack.framework
    notes: dict[str, str] = {}
    for track in level.tracks:
        above = next_up(pack, level, track)
        if above is not None:
            where = f" on the {framework.track(track).title.lower()} track"
            notes[above.id] = "next level up" + (where if len(level.tracks) > 1 else "")
    for track in framework.track_ids:
        same = framework.equivalent(level.id, track)
        if same is not None and same is not level and same.id not in notes:
            notes[same.id] = "same grade, other track"
    groups: dict[str, list[tuple[str, str]]] = {}
    for track in framework.track_ids:
        for other in framework.ladder(track):
            if other is level:
                continue
            shared = len(other.tracks) > 1
            group = "Shared by both tracks" if shared else framework.track(track).title
            note = f" ({notes[other.id]})" if other.id in notes else ""
            label = f"{other.id} {other.title}{note}"
            if (other.id, label) not in groups.get(group, []):
                groups.setdefault(group, []).append((other.id, label))
    return list(groups.items())


def default_comparison(pack: Pack, level: Level) -> Level | None:
    """What a level is compared with unless the person picks: the next level up on its own
    (first) track; at the top, the same grade on the other track; else the level below."""
    for track in level.tracks:
        above = next_up(pack, level, track)
        if above is not None:
            return above
    for track in pack.framework.track_ids:
        same = pack.framework.equivalent(level.id, track)
        if same is not None and same is not level:
            return same
    ladder = pack.framework.ladder(level.tracks[0])
    place = ladder.index(level)
    return ladder[place - 1] if place > 0 else None


def compare(pack: Pack, base: Level, other: Level) -> Comparison:
    """What changes from `base` to `other`, competency by competency."""
    before = {e.competency.id: e for e in expectations(pack, base)}
    after = {e.competency.id: e for e in expectations(pack, other)}
    changes, same = [], []
    for competency_id, was in before.items():
        now = after.get(competency_id)
        if now is None:
            continue
        if now.need == was.need:
            same.append(now)
        else:
            changes.append(Change(was, now))
    return Comparison(base, other, _move(pack, base, other), tuple(changes), tuple(same))


def _move(pack: Pack, base: Level, other: Level) -> str:
    """The move from `base` to `other` in words."""
    framework = pack.framework
    change_of_track = not set(base.tracks) & set(other.tracks)
    steps = other.grade - base.grade
    if change_of_track:
        track = framework.track(other.tracks[0]).title.lower()
        if steps == 0:
            return (
                f"{other.id} is at the same grade on the {track} track: moving there is a "
                "change of track, a sideways move, not a promotion."
            )
        grades = f"{abs(steps)} grade{'s' if abs(steps) > 1 else ''}"
        return (
            f"{other.id} is on the {track} track, {grades} {'above' if steps > 0 else 'below'} "
            f"{base.id}: a change of track as well as of grade."
        )
    if steps > 0:
        how_far = "the next level" if steps == 1 else f"{steps} levels"
        return f"{other.id} is {how_far} up from {base.id}."
    how_far = "one level" if steps == -1 else f"{-steps} levels"
    return f"{other.id} is {how_far} below {base.id}."
