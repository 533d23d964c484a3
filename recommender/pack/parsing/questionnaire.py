"""Reading `questionnaire.yaml` into a Questionnaire, every problem logged with its place."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from recommender.pack.framework import PROFICIENCY_MAX, PROFICIENCY_MIN, Framework
from recommender.pack.parsing.shared import SharedPart, read_shared_parts
from recommender.pack.questionnaire import (
    ANCHORED,
    ATTENTION,
    CHOICE,
    CHOICE_CONTEXT,
    CONTEXT_FIELDS,
    ITEM_KINDS,
    LIKERT,
    MIN_ITEMS_PER_CONSTRUCT,
    NUMBER,
    NUMBER_CONTEXT,
    RESERVED_NAMES,
    Construct,
    Item,
    Option,
    Questionnaire,
    Scale,
    Section,
)
from recommender.pack.source import ID_PATTERN, PackSource, shown


def parse_questionnaire(
    source: PackSource, framework: Framework | None, shared_folders: tuple[Path, ...] = ()
) -> Questionnaire | None:
    """Build the questionnaire from `questionnaire.yaml` and the shared parts its sections
    list names (looked for in `shared_folders`), logging every problem found."""
    raw = source.mapping(source.data, (), "a mapping with scales, constructs and sections")
    if raw is None:
        return None
    parts = read_shared_parts(source, raw.get("sections"), shared_folders)
    own = ("scales", "constructs")
    # a pack whose motivation is all shared may have no scales or constructs of its own; so
    # may one that names a part, even a part that does not read (its problems are its own)
    entries = raw.get("sections") if isinstance(raw.get("sections"), list) else []
    named = sum(isinstance(entry, dict) and "shared" in entry for entry in entries)
    names_a_part = named > 0
    if names_a_part:
        source.fields(raw, (), required=("sections",), optional=own)
    else:
        source.fields(raw, (), required=(*own, "sections"))
    scales = _parse_scales(source, raw.get("scales")) if "scales" in raw else {}
    constructs = _parse_constructs(source, raw.get("constructs"), 0 if names_a_part else 1)
    defined_in: dict[str, PackSource] = {}  # a shared construct's problems go to its part
    for part in parts.values():
        for scale in _parse_scales(part.source, part.raw.get("scales")).values():
            _take_shared(source, "scales", scale.id, scales, part.ref)
            scales.setdefault(scale.id, scale)
        for construct in _parse_constructs(part.source, part.raw.get("constructs")):
            if _take_shared(
                source, "constructs", construct.id, [c.id for c in constructs], part.ref
            ):
                constructs.append(construct)
                defined_in[construct.id] = part.source
    _names_apart(source, constructs, framework, defined_in)
    parser = _ItemParser(source, scales, {c.id for c in constructs}, framework)
    sections = parser.sections(raw.get("sections"), parts)
    parser.check_coverage(constructs, defined_in)
    if (
        source.has_problems
        or len(parts) < named  # a part that did not read: what it holds is not known
        or any(part.source.has_problems for part in parts.values())
    ):
        return None
    return Questionnaire(scales, tuple(constructs), tuple(sections), tuple(parser.items))


def _names_apart(
    source: PackSource,
    constructs: list[Construct],
    framework: Framework | None,
    defined_in: dict[str, PackSource],
) -> None:
    """A construct's id is no competency's and no context field's: an explanation names each
    factor by its id alone, and an item names what it feeds by it."""
    competencies = set(framework.competency_ids) if framework else set()
    for index, construct in enumerate(constructs):
        clash = (
            "the name of a competency in framework.yaml"
            if construct.id in competencies
            else "the name of a context field trackfit asks itself"
            if construct.id in RESERVED_NAMES
            else None
        )
        if clash:
            shared = defined_in.get(construct.id)
            (shared or source).problem(
                ("constructs",) if shared else ("constructs", index, "id"),
                f"construct '{construct.id}' has {clash}; give one of them another id "
                "(explanations and items name each by its id alone)",
            )


def _take_shared(source: PackSource, kind: str, part_id: str, own, ref: str) -> bool:
    """Whether a shared part's scale or construct can join the pack's (whose own of the same
    id would be ambiguous: logged in the pack's file)."""
    if part_id in own:
        source.problem(
            (kind,),
            f"{kind[:-1]} '{part_id}' is defined here and by shared part {ref}; "
            "remove this one and use the shared one",
        )
        return False
    return True


def _parse_scales(source: PackSource, value: object) -> dict[str, Scale]:
    raw = source.mapping(value, ("scales",))
    if raw is None:
        return {}
    scales = {}
    for scale_id, entry in raw.items():
        path = ("scales", scale_id)
        if not ID_PATTERN.match(scale_id):  # still read: its items are not refused for it
            source.problem(
                path,
                f"{shown(scale_id)} is not a valid id (letters, digits, '_' or '-', starting "
                "with a letter)",
            )
        spec = source.mapping(entry, path)
        if spec is None:
            continue
        source.fields(spec, path, required=("min", "max", "labels"))
        low = source.integer(spec, "min", path)
        high = source.integer(spec, "max", path)
        labels = source.sequence(spec.get("labels"), path + ("labels",))
        if low is None or high is None or labels is None:
            continue
        if high <= low:
            source.problem(path + ("max",), f"must be above min ({low})")
            continue
        if len(labels) != high - low + 1:
            source.problem(
                path + ("labels",),
                f"needs one label per scale point ({high - low + 1}), has {len(labels)}",
            )
            continue
        # each label is shown beside its radio button: text people read (a number is its text)
        written = {
            index: str(label)
            if isinstance(label, int | float) and not isinstance(label, bool)
            else label
            for index, label in enumerate(labels)
        }
        texts = [source.text(written, index, path + ("labels",)) for index in written]
        # a bad label is reported; the scale is still read, so its items are not refused for it
        shown_labels = (
            text if text is not None else str(written[i]) for i, text in enumerate(texts)
        )
        scales[scale_id] = Scale(scale_id, low, high, tuple(shown_labels))
    return scales


def _parse_constructs(source: PackSource, value: object, min_len: int = 1) -> list[Construct]:
    if value is None and min_len == 0:
        return []
    entries = source.sequence(value, ("constructs",), min_len=min_len)
    if entries is None:
        return []
    constructs = []
    for index, raw, _ in source.unique_ids(entries, ("constructs",), "construct"):
        path = ("constructs", index)
        source.fields(raw, path, required=("id", "label", "high", "low"), optional=("description",))
        construct_id = source.identifier(raw, "id", path)
        texts = [source.text(raw, key, path) for key in ("label", "high", "low")]
        if construct_id and all(texts):
            description = source.text(raw, "description", path, required=False) or ""
            label, high, low = texts
            constructs.append(Construct(construct_id, label, description, high, low))
    return constructs


# where each choice's options come from
OPTIONS_FROM = {"current_track": "tracks", "current_level": "levels"}


class _ItemParser:
    """Parses sections and items, tracking what each item feeds across the whole file."""

    REQUIRED: ClassVar = {
        LIKERT: ("id", "kind", "text", "scale", "construct"),
        ATTENTION: ("id", "kind", "text", "scale", "expected"),
        ANCHORED: ("id", "kind", "text", "competency", "anchors"),
        NUMBER: ("id", "kind", "text", "context", "min", "max"),
        CHOICE: ("id", "kind", "text", "context"),
    }
    OPTIONAL: ClassVar = {LIKERT: ("reverse",), CHOICE: ("options_from", "options")}

    def __init__(
        self,
        source: PackSource,
        scales: dict[str, Scale],
        construct_ids: set[str],
        framework: Framework | None,
    ):
        self.source = source
        self.scales = scales
        self.construct_ids = construct_ids
        self.framework = framework
        self.items: list[Item] = []
        self.seen_items: dict[str, str] = {}
        self.fed_by: dict[tuple[str, str], list[tuple[tuple, Item]]] = {}
        # (kind, name) named by an item refused for a problem of its own
        self.claimed: set[tuple[str, str]] = set()

    def sections(self, value: object, parts: dict[int, SharedPart] | None = None) -> list[Section]:
        """The sections in order, each shared part's spliced in where it is named."""
        entries = self.source.sequence(value, ("sections",), min_len=1)
        if entries is None:
            return []
        pack_source, sections, seen = self.source, [], {}
        for index, raw, _ in pack_source.unique_ids(entries, ("sections",), "section"):
            if "shared" in raw:
                part = (parts or {}).get(index)
                if part is not None:
                    self.source = part.source  # its problems are named in its own file
                    found = self._sections_of(
                        self.source.sequence(part.raw.get("sections"), ("sections",), min_len=1)
                        or [],
                        seen,
                    )
                    self.source = pack_source
                    sections += found
                continue
            sections += self._sections_of([(index, raw)], seen)
        return sections

    def _sections_of(self, entries, seen: dict[str, str]) -> list[Section]:
        """Sections from (index, raw) pairs, or a shared part's raw list, of `self.source`;
        a section id already used (in the pack or a shared part) is logged."""
        if entries and not isinstance(entries[0], tuple):
            entries = list(self.source.unique_ids(entries, ("sections",), "section"))
            entries = [(index, raw) for index, raw, _ in entries]
        sections = []
        for index, raw in entries:
            path = ("sections", index)
            self.source.fields(raw, path, required=("id", "title", "items"), optional=("intro",))
            section_id = self.source.identifier(raw, "id", path)
            title = self.source.text(raw, "title", path)
            intro = self.source.text(raw, "intro", path, required=False) or ""
            if section_id in seen and seen[section_id] != self.source.name:
                self.source.problem(
                    path + ("id",), f"section id '{section_id}' is also used in {seen[section_id]}"
                )
            elif section_id:
                seen[section_id] = self.source.name
            items = self.source.sequence(raw.get("items"), path + ("items",), min_len=1) or []
            ids = [
                self.item(entry, path + ("items", i), section_id or "")
                for i, entry in enumerate(items)
            ]
            if section_id and title:
                sections.append(Section(section_id, title, intro, tuple(i for i in ids if i)))
        return sections

    def item(self, value: object, path: tuple, section_id: str) -> str | None:
        source = self.source
        raw = source.mapping(value, path)
        if raw is None:
            return None
        kind = raw.get("kind")
        if kind not in ITEM_KINDS:
            source.reference(kind, path + ("kind",), ITEM_KINDS, "item kind")
            return None
        source.fields(raw, path, required=self.REQUIRED[kind], optional=self.OPTIONAL.get(kind, ()))
        item_id = source.identifier(raw, "id", path)
        text = source.text(raw, "text", path)
        if item_id in self.seen_items:
            source.problem(
                path + ("id",),
                f"item id '{item_id}' is used twice (first at {self.seen_items[item_id]})",
            )
            return None
        if item_id:
            self.seen_items[item_id] = source.where(path).split(": ", 1)[-1]
        built = getattr(self, f"_{kind}")(raw, path)
        if not (item_id and text and built is not None):
            # what the item would measure is claimed: its own problem is reported, and the
            # construct, competency or context field it names is not also "measured by none"
            self.claimed.update(
                (key, raw[key])
                for key in ("construct", "competency", "context")
                if isinstance(raw.get(key), str)
            )
            return None
        item = Item(id=item_id, kind=kind, text=text, section=section_id, **built)
        self.items.append(item)
        for key in ("construct", "competency", "context"):
            if getattr(item, key):  # each kind apart: a competency may not share a name
                self.fed_by.setdefault((key, getattr(item, key)), []).append((path, item))
        return item_id

    def _scale(self, raw: dict, path: tuple) -> Scale | None:
        if "scale" not in raw:
            return None
        return self.scales.get(
            self.source.reference(raw["scale"], path + ("scale",), self.scales, "scale") or ""
        )

    def _likert(self, raw: dict, path: tuple) -> dict | None:
        scale = self._scale(raw, path)
        construct = (
            self.source.reference(
                raw.get("construct"), path + ("construct",), self.construct_ids, "construct"
            )
            if "construct" in raw
            else None
        )
        reverse = raw.get("reverse", False)
        if not isinstance(reverse, bool):
            self.source.problem(path + ("reverse",), "must be true or false")
            return None
        if scale is None or construct is None:
            return None
        return {
            "construct": construct,
            "reverse": reverse,
            "scale": scale.id,
            "min": scale.min,
            "max": scale.max,
        }

    def _attention(self, raw: dict, path: tuple) -> dict | None:
        scale = self._scale(raw, path)
        if scale is None:
            return None
        expected = self.source.integer(raw, "expected", path, low=scale.min, high=scale.max)
        if expected is None:
            return None
        return {"scale": scale.id, "expected": expected, "min": scale.min, "max": scale.max}

    def _anchored(self, raw: dict, path: tuple) -> dict | None:
        source = self.source
        competencies = self.framework.competency_ids if self.framework else ()
        competency = (
            source.reference(
                raw.get("competency"), path + ("competency",), competencies, "competency"
            )
            if "competency" in raw and self.framework
            else None
        )
        anchors = self._options(
            raw.get("anchors"), path + ("anchors",), key="value", label="text", numeric=True
        )
        if anchors is None:
            return None
        values = sorted(int(anchor.value) for anchor in anchors)
        wanted = list(range(PROFICIENCY_MIN, PROFICIENCY_MAX + 1))
        if values != wanted:
            source.problem(
                path + ("anchors",),
                f"needs one anchor for each proficiency {wanted}, has values {values}",
            )
            return None
        if competency is None:
            return None
        return {
            "competency": competency,
            "anchors": anchors,
            "min": PROFICIENCY_MIN,
            "max": PROFICIENCY_MAX,
        }

    def _number(self, raw: dict, path: tuple) -> dict | None:
        context = self._context(raw, path, NUMBER_CONTEXT)
        low = self.source.integer(raw, "min", path, low=0)
        high = self.source.integer(raw, "max", path, low=0)
        if low is not None and high is not None and high <= low:
            self.source.problem(path + ("max",), f"must be above min ({low})")
            return None
        if context is None or low is None or high is None:
            return None
        return {"context": context, "min": low, "max": high}

    def _choice(self, raw: dict, path: tuple) -> dict | None:
        """A choice is the track or the level held: its options are the framework's own, so
        that every answer is one the level engine and the model know."""
        source = self.source
        context = self._context(raw, path, CHOICE_CONTEXT)
        wanted = OPTIONS_FROM.get(context)
        if "options" in raw:
            source.problem(
                path + ("options",),
                f"the options of '{context}' are the framework's {wanted or 'tracks or levels'}"
                f": write options_from: {wanted or 'tracks or levels'} instead (options of "
                "its own would offer answers the framework does not know)",
            )
            return None
        if "options_from" not in raw:
            source.problem(path, f"needs options_from: {wanted or 'tracks or levels'}")
            return None
        options = self._options_from(raw["options_from"], path + ("options_from",))
        if options is not None and wanted and raw["options_from"] != wanted:
            source.problem(
                path + ("options_from",),
                f"'{context}' is answered from the framework's {wanted}, not its "
                f"{raw['options_from']}: write options_from: {wanted}",
            )
            return None
        if context is None or options is None:
            return None
        return {"context": context, "options": options}

    def _options_from(self, value: object, path: tuple) -> tuple[Option, ...] | None:
        if value not in ("tracks", "levels"):
            self.source.reference(value, path, ("tracks", "levels"), "list to take options from")
            return None
        if self.framework is None:
            return ()  # the framework's own problems are reported; do not add echoes here
        if value == "tracks":
            return tuple(Option(t.id, t.title) for t in self.framework.tracks)
        return tuple(
            Option(level_id, self.framework.level(level_id).title)
            for level_id in self.framework.level_ids
        )

    def _options(
        self, value: object, path: tuple, *, key: str, label: str, numeric: bool
    ) -> tuple[Option, ...] | None:
        source = self.source
        entries = source.sequence(value, path, min_len=2)
        if entries is None:
            return None
        options = []
        for index, raw, given in source.unique_ids(entries, path, "option", key=key):
            option_path = path + (index,)
            source.fields(raw, option_path, required=(key, label))
            text = source.text(raw, label, option_path)
            value = source.integer(raw, key, option_path) if numeric else given
            if not numeric and value is not None and not isinstance(value, str):
                source.problem(option_path + (key,), "must be text")
                value = None
            if value is None or text is None:
                return None
            options.append(Option(value, text))
        return tuple(options)

    def _context(self, raw: dict, path: tuple, allowed: tuple[str, ...]) -> str | None:
        if "context" not in raw:
            return None
        return self.source.reference(
            raw["context"], path + ("context",), allowed, "context field for this kind of item"
        )

    def check_coverage(
        self, constructs: list[Construct], defined_in: dict[str, PackSource] | None = None
    ) -> None:
        """Every construct, competency and context field is measured as the format requires;
        a construct's problem is named in the file that defines it (a shared part's own)."""
        source = self.source
        for construct in constructs:
            feeding = self.fed_by.get(("construct", construct.id), [])
            claimed = ("construct", construct.id) in self.claimed
            if len(feeding) < MIN_ITEMS_PER_CONSTRUCT and not claimed:
                (defined_in or {}).get(construct.id, source).problem(
                    ("constructs",),
                    f"construct '{construct.id}' is measured by "
                    f"{len(feeding)} Likert items; it needs at least "
                    f"{MIN_ITEMS_PER_CONSTRUCT}",
                )
            scales = {item.scale for _, item in feeding}
            if len(scales) > 1:
                source.problem(
                    feeding[-1][0] + ("scale",),
                    f"construct '{construct.id}' mixes scales {sorted(scales)}; "
                    "its items must share one",
                )
        for competency in self.framework.competency_ids if self.framework else ():
            named = ("competency", competency)
            if named not in self.fed_by and named not in self.claimed:
                source.problem(("sections",), f"competency '{competency}' has no anchored item")
        for context in CONTEXT_FIELDS:
            asked = self.fed_by.get(("context", context), [])
            if not asked and ("context", context) not in self.claimed:
                source.problem(("sections",), f"context field '{context}' is asked by no item")
            for path, _ in asked[1:]:
                source.problem(path + ("context",), f"context field '{context}' is asked twice")
