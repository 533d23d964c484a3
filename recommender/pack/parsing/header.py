"""Reading `pack.yaml`: the pack's format, id, version, title and description."""

from __future__ import annotations

from pathlib import Path

from recommender.pack.source import PackSource, shown

FORMAT_VERSION = 1
MAX_VERSION = (
    1_000_000_000  # a version is a counter; far above any real one, within any integer column
)


def parse_header(source: PackSource, path: Path) -> tuple[str, int, str, str] | None:
    raw = source.mapping(source.data, (), "a mapping with format, id, version and title")
    if raw is None:
        return None
    source.fields(raw, (), required=("format", "id", "version", "title"), optional=("description",))
    fmt = raw.get("format")
    if "format" in raw and (type(fmt) is not int or fmt != FORMAT_VERSION):  # not true, not 1.0
        source.problem(
            ("format",),
            f"format {shown(fmt)} is not one this trackfit reads "
            f"(it reads format {FORMAT_VERSION})",
        )
    pack_id = source.identifier(raw, "id", ())
    if pack_id and pack_id != path.name:
        source.problem(("id",), f"'{pack_id}' must equal the pack's folder name '{path.name}'")
    version = source.integer(raw, "version", (), low=1, high=MAX_VERSION)
    title = source.text(raw, "title", ())
    description = source.text(raw, "description", (), required=False) or ""
    if pack_id is None or version is None or title is None:
        return None
    return pack_id, version, title, description
