"""Shared questionnaire parts: a versioned section set (the motivation questionnaire) that any
pack's questionnaire takes in by reference instead of copying it.

A part lives in `<packs>/shared/<id>@<version>.yaml` (the repository's `questionnaires/shared/`
when the packs folder has no such file) and is never edited once packs use it: a change is a
new version. It holds `id`, `version`, `title`, optionally `description`, and its own
`scales`, `constructs` and `sections`, in the same format as a questionnaire. A pack names it
in its sections list, `- shared: motivation@1`, where its sections are to be asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from recommender.pack.parsing.header import MAX_VERSION
from recommender.pack.source import PackSource, shown

REFERENCE = re.compile(r"^([a-z][a-z0-9_-]{0,63})@([1-9][0-9]{0,8})\Z")
SHARED_FOLDER = "shared"


@dataclass(frozen=True)
class SharedPart:
    """A shared part as read: its reference, its file and its raw parts (checked when parsed)."""

    ref: str
    source: PackSource
    raw: dict


def shared_folders(packs_folder: Path, bundled_folder: Path) -> tuple[Path, ...]:
    """Where shared parts are looked for, first match wins."""
    folders = [packs_folder / SHARED_FOLDER, bundled_folder / SHARED_FOLDER]
    return tuple(dict.fromkeys(folders))


def read_shared_parts(
    source: PackSource, entries: object, folders: tuple[Path, ...]
) -> dict[int, SharedPart]:
    """The shared parts a questionnaire's sections list names: section index -> part, each
    read and its header checked; every problem logged (in the pack's file for a bad
    reference, in the part's file for a bad part)."""
    if not isinstance(entries, list):
        return {}
    parts: dict[int, SharedPart] = {}
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if not (isinstance(entry, dict) and "shared" in entry):
            continue
        path = ("sections", index)
        extra = sorted(str(key) for key in entry if key != "shared")
        if extra:
            source.problem(
                path, f"a shared part is named by 'shared' alone; remove {', '.join(extra)}"
            )
        reference = entry["shared"]
        match = REFERENCE.match(reference) if isinstance(reference, str) else None
        if match is None:
            source.problem(
                path + ("shared",),
                f"{shown(reference)} is not a shared part's name and version, such as motivation@1",
            )
            continue
        if reference in seen:
            source.problem(
                path + ("shared",),
                f"shared part {reference} is taken in twice (first at sections[{seen[reference]}])",
            )
            continue
        seen[reference] = index
        found = next(
            (f / f"{reference}.yaml" for f in folders if (f / f"{reference}.yaml").is_file()), None
        )
        if found is None:
            known = sorted({p.stem for f in folders if f.is_dir() for p in f.glob("*@*.yaml")})
            source.problem(
                path + ("shared",),
                f"no shared part {reference} (shared parts: {', '.join(known) or 'none'})",
            )
            continue
        part = PackSource.load(found, source.log)
        raw = _checked_header(part, *match.groups())
        if raw is not None:
            parts[index] = SharedPart(reference, part, raw)
    return parts


def _checked_header(part: PackSource, part_id: str, version: str) -> dict | None:
    raw = part.mapping(
        part.data, (), "a mapping with id, version, title, scales, constructs and sections"
    )
    if raw is None:
        return None
    part.fields(
        raw,
        (),
        required=("id", "version", "title", "scales", "constructs", "sections"),
        optional=("description",),
    )
    if raw.get("id") != part_id:
        part.problem(("id",), f"must be '{part_id}', the name its file and packs use")
    found = part.integer(raw, "version", (), low=1, high=MAX_VERSION)
    if found is not None and found != int(version):
        part.problem(("version",), f"must be {version}, the version its file and packs use")
    part.text(raw, "title", ())
    return raw
