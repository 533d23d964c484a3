"""Reading `framework.yaml` into a Framework, every problem logged with its place."""

from __future__ import annotations

from itertools import pairwise

from recommender.pack.framework import (
    BRANCHING_TRACK,
    PROFICIENCY_MAX,
    PROFICIENCY_MIN,
    TRACK_IDS,
    Competency,
    Framework,
    Level,
    LevelRule,
    Track,
)
from recommender.pack.questionnaire import RESERVED_NAMES
from recommender.pack.source import LEVEL_ID_PATTERN, PackSource


def parse_framework(source: PackSource) -> Framework | None:
    """Build the framework from `framework.yaml`, logging every problem found. A framework that
    reads whole is returned even when its ladders break a rule (the pack is refused for the
    problems logged), so that the questionnaire and the rules are checked against it in the same
    pass; None when it does not read."""
    raw = source.mapping(source.data, (), "a mapping with tracks, competencies and levels")
    if raw is None:
        return None
    source.fields(raw, (), required=("tracks", "competencies", "levels"), optional=("level_rule",))
    tracks = _parse_tracks(source, raw.get("tracks"))
    competencies = _parse_competencies(source, raw.get("competencies"))
    level_rule = _parse_level_rule(source, raw.get("level_rule", {}))
    track_ids = {track.id for track in tracks}
    competency_ids = [competency.id for competency in competencies]
    levels = _parse_levels(source, raw.get("levels"), track_ids, competency_ids)
    if not _ladders_readable(tracks, competency_ids, levels, raw.get("levels"), level_rule):
        return None
    framework = Framework(tuple(tracks), tuple(competencies), tuple(levels), level_rule)
    _check_ladders(source, framework, raw.get("levels"))
    return framework


def _ladders_readable(
    tracks: list[Track],
    competency_ids: list[str],
    levels: list[Level],
    raw_levels: object,
    level_rule: LevelRule | None,
) -> bool:
    """Whether the ladders can be checked: both tracks with the branch grade, every level read
    whole. A problem elsewhere in the file (a key written twice, a summary that is not text)
    does not hide the ladders' own problems; a level that did not read would make them wrong."""
    manager = next((track for track in tracks if track.id == BRANCHING_TRACK), None)
    return (
        level_rule is not None
        and {track.id for track in tracks} == set(TRACK_IDS)
        and manager is not None
        and manager.branch_grade is not None
        and isinstance(raw_levels, list)
        and len(levels) == len(raw_levels)
        and all(set(level.expects) == set(competency_ids) for level in levels)
    )


def _parse_tracks(source: PackSource, value: object) -> list[Track]:
    entries = source.sequence(value, ("tracks",))
    if entries is None:
        return []
    tracks = []
    for index, raw, track_id in source.unique_ids(entries, ("tracks",), "track"):
        path = ("tracks", index)
        source.fields(raw, path, required=("id", "title"), optional=("description", "branch_grade"))
        if track_id is not None and track_id not in TRACK_IDS:
            source.reference(track_id, path + ("id",), TRACK_IDS, "track id trackfit knows")
            continue
        branch = source.integer(raw, "branch_grade", path, low=2)
        if track_id == BRANCHING_TRACK and "branch_grade" not in raw:
            source.problem(path, "the manager track needs a 'branch_grade'")
        if track_id != BRANCHING_TRACK and "branch_grade" in raw:
            source.problem(path + ("branch_grade",), "only the manager track branches")
        title = source.text(raw, "title", path)
        if track_id and title:
            tracks.append(
                Track(track_id, title, source.text(raw, "description", path) or "", branch)
            )
    missing = [track_id for track_id in TRACK_IDS if track_id not in {t.id for t in tracks}]
    if missing and not source.has_problems:
        source.problem(("tracks",), f"must define the tracks {', '.join(TRACK_IDS)}")
    return tracks


def _parse_competencies(source: PackSource, value: object) -> list[Competency]:
    entries = source.sequence(value, ("competencies",), min_len=1)
    if entries is None:
        return []
    competencies = []
    for index, raw, _ in source.unique_ids(entries, ("competencies",), "competency"):
        path = ("competencies", index)
        source.fields(raw, path, required=("id", "label"), optional=("description",))
        competency_id = source.identifier(raw, "id", path)
        if competency_id in RESERVED_NAMES:
            source.problem(
                path + ("id",),
                f"'{competency_id}' is the name of a context field trackfit asks itself; give "
                "the competency another id (explanations name each factor by its id alone)",
            )
        label = source.text(raw, "label", path)
        if competency_id:  # a bad label is its own problem: the levels still know the id
            description = source.text(raw, "description", path, required=False) or ""
            competencies.append(Competency(competency_id, label or competency_id, description))
    return competencies


def _parse_level_rule(source: PackSource, value: object) -> LevelRule | None:
    raw = source.mapping(value, ("level_rule",))
    if raw is None:
        return None
    path = ("level_rule",)
    source.fields(raw, path, required=(), optional=("max_steps_below", "max_total_shortfall"))
    default = LevelRule()
    steps = source.integer(raw, "max_steps_below", path, low=0, high=PROFICIENCY_MAX)
    shortfall = source.integer(raw, "max_total_shortfall", path, low=0)
    return LevelRule(
        default.max_steps_below if steps is None else steps,
        default.max_total_shortfall if shortfall is None else shortfall,
    )


def _parse_levels(
    source: PackSource, value: object, track_ids: set[str], competency_ids: list[str]
) -> list[Level]:
    entries = source.sequence(value, ("levels",), min_len=1)
    if entries is None:
        return []
    levels = []
    for index, raw, _ in source.unique_ids(entries, ("levels",), "level"):
        path = ("levels", index)
        source.fields(
            raw, path, required=("id", "title", "grade", "tracks", "expects"), optional=("summary",)
        )
        level_id = source.identifier(raw, "id", path, pattern=LEVEL_ID_PATTERN)
        title = source.text(raw, "title", path)
        grade = source.integer(raw, "grade", path, low=1)
        tracks = _parse_level_tracks(source, raw.get("tracks"), path + ("tracks",), track_ids)
        expects = _parse_expectations(source, raw.get("expects"), path, competency_ids)
        # a bad title or summary is its own problem: the level still takes its place on the
        # ladders, whose shape is checked in the same pass
        if level_id and grade is not None and tracks and expects is not None:
            summary = source.text(raw, "summary", path, required=False) or ""
            levels.append(Level(level_id, title or level_id, grade, tracks, summary, expects))
    return levels


def _parse_level_tracks(
    source: PackSource, value: object, path: tuple, track_ids: set[str]
) -> tuple[str, ...]:
    entries = source.sequence(value, path, min_len=1)
    if not entries:
        return ()
    found = [
        source.reference(entry, path + (i,), track_ids, "track") for i, entry in enumerate(entries)
    ]
    repeated = False
    for i, track in enumerate(found):
        if track and track in found[:i]:
            # [manager, manager] would pass for a level on both tracks and skip the trunk rules
            source.problem(path + (i,), f"lists track {track} twice; list each track once")
            repeated = True
    return tuple(track for track in found if track) if all(found) and not repeated else ()


def _parse_expectations(
    source: PackSource, value: object, path: tuple, competency_ids: list[str]
) -> dict[str, int] | None:
    raw = source.mapping(value, path + ("expects",))
    if raw is None:
        return None
    expects = {}
    for key, proficiency in raw.items():
        key_path = path + ("expects", key)
        if source.reference(key, key_path, competency_ids, "competency"):
            checked = source.check_integer(
                proficiency, key_path, low=PROFICIENCY_MIN, high=PROFICIENCY_MAX
            )
            if checked is not None:
                expects[key] = checked
    missing = [c for c in competency_ids if c not in raw]
    if missing:
        source.problem(path + ("expects",), f"has no expectation for {', '.join(missing)}")
    return expects


def _check_ladders(source: PackSource, framework: Framework, raw_levels: list) -> None:
    """The shape rules: one level per grade, trunk below the branch, monotone, steps that tell."""
    index_of = {entry.get("id"): i for i, entry in enumerate(raw_levels) if isinstance(entry, dict)}
    branch = framework.track(BRANCHING_TRACK).branch_grade or 0
    rule = framework.level_rule
    for level in framework.levels:
        path = ("levels", index_of[level.id])
        if len(level.tracks) == 1 and level.tracks[0] == BRANCHING_TRACK and level.grade < branch:
            source.problem(
                path + ("grade",),
                f"manager level {level.id} is below the branch grade {branch}: no junior "
                "managers (put it on both tracks to make it part of the trunk)",
            )
        if len(level.tracks) == 1 and level.tracks[0] == "ic" and level.grade < branch:
            source.problem(
                path + ("tracks",),
                f"level {level.id} is below the branch grade {branch}, so it is part of the "
                "shared trunk: list it on both tracks",
            )
    for track in framework.tracks:
        ladder = framework.ladder(track.id)
        for lower, upper in pairwise(ladder):
            path = ("levels", index_of[upper.id])
            if lower.grade == upper.grade:
                source.problem(
                    path + ("grade",),
                    f"track {track.id} has two levels at grade {upper.grade} "
                    f"({lower.id} and {upper.id})",
                )
                continue
            falls = [c for c in framework.competency_ids if upper.expects[c] < lower.expects[c]]
            if falls:
                source.problem(
                    path + ("expects",),
                    f"on track {track.id}, {upper.id} expects less than {lower.id} "
                    f"in {', '.join(falls)}",
                )
            rises = [upper.expects[c] - lower.expects[c] for c in framework.competency_ids]
            # no competency read (its problem is listed): no step to tell the levels apart by
            if (
                rises
                and max(rises) <= rule.max_steps_below
                and sum(rises) <= rule.max_total_shortfall
            ):
                source.problem(
                    path + ("expects",),
                    f"on track {track.id}, {upper.id} asks too little over {lower.id}: "
                    f"someone exactly meeting {lower.id} would also meet {upper.id} under "
                    f"level_rule (raise one competency by {rule.max_steps_below + 1} or the "
                    f"total by {rule.max_total_shortfall + 1})",
                )
        if track.id == BRANCHING_TRACK and ladder and not any(lv.grade == branch for lv in ladder):
            source.problem(
                ("tracks",), f"the manager track has no level at its branch grade {branch}"
            )
