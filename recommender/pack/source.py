"""Reading one YAML file of a pack, keeping the line of every value for precise messages."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
)

from recommender.errors import Problem, did_you_mean

Path_ = tuple[str | int, ...]

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*$")
LEVEL_ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")

# Limits that keep a tiny hostile file cheap to read. The bundled packs nest 7 deep, use no
# anchors and no number longer than a few digits; these limits are far above any real pack.
MAX_FILE_BYTES = 256 * 1024  # the largest bundled file is 21 KB
MAX_VALUES = 10_000  # the largest bundled file has 1,262; PyYAML reads ~15,000 a second
MAX_PROBLEMS_PER_FILE = 100  # the rest are counted, so a report stays cheap to build and read
MAX_HINT_CHOICES = 500  # "did you mean" compares with every choice; beyond this it is too slow
MAX_DEPTH = 32
MAX_NUMBER_CHARS = 20
SURROGATE = re.compile("[\ud800-\udfff]")
# Escaped control characters ("\0", "\e") and the invisible marks that reorder or hide text
# (bidirectional overrides, zero-width characters): a label would read differently on the page
# from what HR reviewed. Line breaks and tabs are plain text.
HIDDEN_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff]"
)
YAML_TAG = "tag:yaml.org,2002:"
STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
TAG_NAMES = {
    NULL_TAG: "nothing",
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:merge": "a merge key (<<)",
}


def format_path(path: Path_) -> str:
    """`('sections', 2, 'items', 3, 'construct')` -> `sections[2].items[3].construct`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{cut(part)}" if text else cut(part)
    return text


def shown(value: Any) -> str:
    """A value as messages quote it: its repr, cut short so a huge value keeps a report small."""
    return cut(repr(value))


def cut(text: str, limit: int = 80) -> str:
    """Text cut short for a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class ProblemLog:
    """Collects every problem of a pack so that validation reports them all at once."""

    problems: list[Problem] = field(default_factory=list)
    count: int = 0  # every problem found, listed or not
    _per_file: dict[str, int] = field(default_factory=dict)

    def add(self, where: str, message: str) -> None:
        """Record one problem; beyond MAX_PROBLEMS_PER_FILE in a file it is only counted."""
        self.count += 1
        file = where.split(":", 1)[0]
        self._per_file[file] = self._per_file.get(file, 0) + 1
        if self._per_file[file] <= MAX_PROBLEMS_PER_FILE:
            self.problems.append(Problem(where, message))

    def listed(self) -> list[Problem]:
        """The problems listed, then how many more each file has."""
        more = [
            Problem(file, f"and {found - MAX_PROBLEMS_PER_FILE:,} more problems")
            for file, found in self._per_file.items()
            if found > MAX_PROBLEMS_PER_FILE
        ]
        return self.problems + more

    def __bool__(self) -> bool:
        return self.count > 0

    def found_in(self, file: str) -> int:
        """How many problems were found in `file` (listed or not)."""
        return self._per_file.get(file, 0)


class _PackLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses what a pack never needs and an attacker would use.

    Aliases are refused rather than expanded: a few nested aliases describe billions of values
    (the "billion laughs"). Nesting is bounded so that reading never recurses without end.
    What it refuses is collected in `refusals` (line, message), every one in a single pass.
    """

    def __init__(self, text: str):
        super().__init__(text)
        self.refusals: list[tuple[int, str]] = []
        self._depth = 0
        self._values = 0
        self._alias_uses: dict[str, list] = {}  # name -> [first mark, uses]

    def all_refusals(self) -> list[tuple[int, str]]:
        """Every refusal in line order; each alias once, with how often it is used."""
        aliases = [
            (
                mark.line + 1,
                f"the alias *{name} ({_times(uses)}) is not allowed in a pack; write the value out",
            )
            for name, (mark, uses) in self._alias_uses.items()
        ]
        return sorted(self.refusals + aliases)

    def refuse(self, mark, message: str) -> None:
        self.refusals.append((mark.line + 1, message))

    def compose_node(self, parent, index):
        event = self.peek_event()
        self._values += 1
        if self._values > MAX_VALUES:
            raise ComposerError(
                None,
                None,
                f"has more than {MAX_VALUES:,} values, far more than a pack needs",
                event.start_mark,
            )
        if isinstance(event, AliasEvent):
            self.get_event()
            self._alias_uses.setdefault(event.anchor, [event.start_mark, 0])[1] += 1
            return yaml.ScalarNode(NULL_TAG, "", event.start_mark, event.end_mark)
        if event.anchor is not None:
            self.refuse(
                event.start_mark,
                f"the anchor &{event.anchor} is not allowed in a pack; write the value out",
            )
        if not isinstance(event, CollectionStartEvent):
            node = super().compose_node(parent, index)
            if SURROGATE.search(node.value):
                # "\ud800" in double quotes: not text, and a page showing it could not be sent
                self.refuse(event.start_mark, "has an escaped lone surrogate (\\ud800-\\udfff)")
            hidden = HIDDEN_CHARACTERS.search(node.value)
            if hidden:
                self.refuse(
                    event.start_mark,
                    f"has an invisible or control character (U+{ord(hidden.group()):04X}); "
                    "write the text without it",
                )
            return node
        if self._depth >= MAX_DEPTH:
            # Stop here rather than skip the rest: PyYAML scans deep flow nesting ([[[[...)
            # in time quadratic in the depth, so reading on would be the attack itself.
            raise ComposerError(
                None, None, f"nests deeper than {MAX_DEPTH} levels", event.start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as error:
            # e.g. `!!int abc` or the date 2001-02-30: PyYAML lets these escape as non-YAML errors
            raise ConstructorError(
                None, None, f"cannot read this value ({error})", node.start_mark
            ) from None

    def construct_mapping(self, node, deep=False):
        # Keys that are not text (`~:`, `1:`, `[a]:`) are reported by the line index and left
        # out here, so every key a parser sees is text and hashable.
        if not isinstance(node, yaml.MappingNode):
            raise ConstructorError(None, None, "expected a mapping", node.start_mark)
        return {
            key_node.value: self.construct_object(value_node, deep=deep)
            for key_node, value_node in node.value
            if _is_text_key(key_node)
        }

    def construct_yaml_int(self, node):
        if len(node.value) > MAX_NUMBER_CHARS:
            self.refuse(
                node.start_mark,
                f"a number {len(node.value)} characters long is longer than a pack needs "
                f"(at most {MAX_NUMBER_CHARS})",
            )
            return 0
        return super().construct_yaml_int(node)


_PackLoader.add_constructor("tag:yaml.org,2002:int", _PackLoader.construct_yaml_int)


def _key_refusal(name: str, line: int, key_node: yaml.Node, path: Path_) -> tuple[str, str]:
    scalar = isinstance(key_node, yaml.ScalarNode)
    written = key_node.value if scalar else "?"
    tag = key_node.tag.replace(YAML_TAG, "!!", 1)
    kind = TAG_NAMES.get(key_node.tag) or (
        f"a value tagged {tag}" if scalar else "a list or mapping"
    )
    return (
        f"{name}:{line}: {format_path(path + (written,))}",
        f"a key must be text, not {kind}; put it in quotes if you mean the text",
    )


def _times(count: int) -> str:
    return "used once" if count == 1 else f"used {count} times"


def _is_text_key(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == STR_TAG


class PackSource:
    """One parsed pack file: its data, the line of each path, and typed readers that log."""

    def __init__(
        self, name: str, data: Any, lines: dict[Path_, int], log: ProblemLog, *, read: bool = True
    ):
        self.name = name
        self.data = data
        self.lines = lines
        self.log = log
        self.read = read  # False when the file could not be read or parsed (already logged)
        self.missing: set[Path_] = set()  # required fields named missing (`fields`)

    @classmethod
    def load(cls, path: Path, log: ProblemLog) -> PackSource:
        """Parse `path`; a missing, unreadable or malformed file is logged and gives no data."""
        name = path.name
        try:
            if not stat.S_ISREG(path.stat().st_mode):
                # a folder, or a pipe or device that would block or never end
                log.add(name, "is not a regular file (a folder, pipe or device)")
                return cls(name, None, {}, log, read=False)
            with path.open("rb") as stream:
                content = stream.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            log.add(name, "file is missing")
            return cls(name, None, {}, log, read=False)
        except OSError as error:  # a link loop, a file it may not read
            log.add(name, f"cannot be read ({error.strerror or error})")
            return cls(name, None, {}, log, read=False)
        if len(content) > MAX_FILE_BYTES:
            log.add(name, f"is larger than {MAX_FILE_BYTES // 1024} KB, more than a pack needs")
            return cls(name, None, {}, log, read=False)
        return cls.parse_bytes(name, content, log)

    @classmethod
    def parse_bytes(cls, name: str, content: bytes, log: ProblemLog) -> PackSource:
        """Parse a file's bytes, which must be UTF-8 text."""
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as error:
            line = content.count(b"\n", 0, error.start) + 1
            column = error.start - (content.rfind(b"\n", 0, error.start) + 1) + 1
            log.add(
                f"{name}:{line}",
                f"is not UTF-8 text (byte {error.start}, 0x{content[error.start]:02X}, at column "
                f"{column}); save the file as UTF-8",
            )
            return cls(name, None, {}, log, read=False)
        return cls.parse(name, text, log)

    @classmethod
    def parse(cls, name: str, text: str, log: ProblemLog) -> PackSource:
        """Parse YAML text; syntax errors, duplicate keys, keys that are not text, aliases,
        deep nesting and overlong numbers are logged with their line, every one in one pass."""
        loader = None
        try:
            loader = _PackLoader(text)  # the reader refuses some characters (NUL) right here
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        except yaml.YAMLError as error:
            log.add(_error_place(name, text, error), f"is not valid YAML: {_error_problem(error)}")
            return cls(name, None, {}, log, read=False)
        finally:
            if loader is not None:
                loader.dispose()
        source = cls(name, data, {}, log)
        found: list[tuple[int, str, str]] = []  # (line, where, message), logged in line order
        if node is not None:
            source._index_lines(node, (), found)
        refusals = loader.all_refusals()
        found += [(line, f"{name}:{line}", message) for line, message in refusals]
        for _line, where, message in sorted(found, key=lambda entry: entry[0]):
            log.add(where, message)
        if refusals:
            source.data, source.read = None, False  # what is left of the file is not the pack
        return source

    def _index_lines(self, node: yaml.Node, path: Path_, found: list) -> None:
        """Record the line of every path; note repeated keys and keys that are not text."""
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if not _is_text_key(key_node):
                    found.append((line, *_key_refusal(self.name, line, key_node, path)))
                    continue
                key = key_node.value
                if key in seen:
                    where = f"{self.name}:{line}: {format_path(path + (key,))}"
                    found.append((line, where, "appears twice; the second would silently win"))
                seen.add(key)
                self._index_lines(value_node, path + (key,), found)
                self.lines[path + (key,)] = line
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._index_lines(item, path + (index,), found)

    def where(self, path: Path_) -> str:
        """`file:line: path` for messages, with the nearest known line."""
        probe = path
        while probe not in self.lines and probe:
            probe = probe[:-1]
        line = self.lines.get(probe)
        location = f"{self.name}:{line}" if line else self.name
        return f"{location}: {format_path(path)}" if path else location

    def problem(self, path: Path_, message: str) -> None:
        """Log a problem at `path` of this file."""
        self.log.add(self.where(path), message)

    @property
    def has_problems(self) -> bool:
        """Whether a problem was found in this file: what it builds cannot be used, while the
        other files are still read for theirs (every problem of a pack in one pass)."""
        return self.log.found_in(self.name) > 0

    # Typed readers: each returns the value, or None after logging what is wrong.

    def mapping(self, value: Any, path: Path_, what: str = "a mapping") -> dict | None:
        """The value if it is a mapping with string keys, else log and None."""
        if isinstance(value, dict):
            return value
        if (not path and not self.read) or (value is None and tuple(path) in self.missing):
            return None  # why the file has no data, or that the field is missing, is said
        self.problem(path, f"must be {what}, not {describe(value)}")
        return None

    def sequence(self, value: Any, path: Path_, *, min_len: int = 0) -> list | None:
        """The value if it is a list (of at least `min_len`), else log and None."""
        if not isinstance(value, list):
            if value is not None or tuple(path) not in self.missing:
                self.problem(path, f"must be a list, not {describe(value)}")
            return None
        if len(value) < min_len:
            entries = "entry" if min_len == 1 else "entries"
            self.problem(path, f"must have at least {min_len} {entries}, has {len(value)}")
        return value

    def fields(
        self,
        raw: dict,
        path: Path_,
        *,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> bool:
        """Check a mapping's keys: every required one present, none unknown."""
        ok = True
        for key in required:
            if key not in raw:
                self.problem(path, f"'{key}' is required")
                self.missing.add((*path, key))  # not said again as a value of no kind
                ok = False
        known = set(required) | set(optional)
        for key in raw:
            if key not in known:
                hint = did_you_mean(key, known)
                self.problem(path + (key,), f"is not a known field here{hint}")
                ok = False
        return ok

    def text(self, raw: dict, key: str, path: Path_, *, required: bool = True) -> str | None:
        """A non-empty string field."""
        value = raw.get(key)
        if value is None:
            if required and key in raw:
                self.problem(path + (key,), "must not be empty")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(path + (key,), f"must be non-empty text, not {describe(value)}")
            return None
        return value.strip()

    def identifier(self, raw: dict, key: str, path: Path_, *, pattern=ID_PATTERN) -> str | None:
        """An id field matching the pack's id pattern."""
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not pattern.match(value):
            self.problem(
                path + (key,),
                f"{shown(value)} is not a valid id (letters, digits, '_' or '-', starting "
                "with a letter)",
            )
            return None
        return value

    def integer(
        self,
        raw: dict,
        key: str,
        path: Path_,
        *,
        low: int | None = None,
        high: int | None = None,
    ) -> int | None:
        """An integer field within [low, high]."""
        value = raw.get(key)
        if value is None:
            return None
        return self.check_integer(value, path + (key,), low=low, high=high)

    def check_integer(
        self, value: Any, path: Path_, *, low: int | None = None, high: int | None = None
    ) -> int | None:
        """`value` if it is an integer within [low, high], else log and None."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, f"must be a whole number, not {describe(value)}")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            self.problem(path, f"must be {bounds}, not {value}")
            return None
        return value

    def reference(
        self, value: Any, path: Path_, known: dict | set | list | tuple, kind: str
    ) -> str | None:
        """`value` if it names one of `known` (of the given kind), else log with a hint."""
        if isinstance(value, str) and value in known:
            return value
        hint = suggestion(value, known)
        self.problem(path, f"{shown(value)} is not a {kind} of this pack{hint}")
        return None

    def unique_ids(
        self, entries: list, path: Path_, kind: str, key: str = "id"
    ) -> Iterator[tuple[int, dict, str | None]]:
        """Yield (index, entry, id) for mapping entries, logging repeated ids."""
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            entry_path = path + (index,)
            raw = self.mapping(entry, entry_path)
            if raw is None:
                continue
            entry_id = raw.get(key)
            if isinstance(entry_id, str) and entry_id in seen:
                self.problem(
                    entry_path + (key,),
                    f"{kind} id '{entry_id}' is used twice (first at "
                    f"{format_path(path + (seen[entry_id],))})",
                )
            elif isinstance(entry_id, str):
                seen[entry_id] = index
            yield index, raw, entry_id


def suggestion(value: Any, choices) -> str:
    """A "did you mean" hint, left out when there are too many choices to compare cheaply."""
    if len(choices) > MAX_HINT_CHOICES:
        return ""
    return did_you_mean(value, [str(choice) for choice in choices])


def _error_place(name: str, text: str, error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    if mark is not None:
        return f"{name}:{mark.line + 1}"
    position = getattr(error, "position", None)  # a reader error: a character YAML refuses
    if isinstance(position, int):
        return f"{name}:{text.count(chr(10), 0, position) + 1}"
    return name


def _error_problem(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.reader.ReaderError):
        return f"the character U+{error.character:04X} is not allowed in YAML"
    return getattr(error, "problem", None) or str(error)


def describe(value: Any) -> str:
    """A short description of a value's type, for messages."""
    names: dict[type, str] = {
        type(None): "nothing",
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
    }
    name = names.get(type(value), type(value).__name__)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return f"{name} {shown(value)}"
    return name
