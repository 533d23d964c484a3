"""Reading one YAML file of a pack, keeping the line of every value for precise messages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from recommender.errors import Problem, did_you_mean

Path_ = tuple[str | int, ...]

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]*$")
LEVEL_ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def format_path(path: Path_) -> str:
    """`('sections', 2, 'items', 3, 'construct')` -> `sections[2].items[3].construct`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass
class ProblemLog:
    """Collects every problem of a pack so that validation reports them all at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        """Record one problem."""
        self.problems.append(Problem(where, message))

    def __bool__(self) -> bool:
        return bool(self.problems)


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

    @classmethod
    def load(cls, path: Path, log: ProblemLog) -> PackSource:
        """Parse `path`; a missing, unreadable or malformed file is logged and gives no data."""
        name = path.name
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            log.add(name, "file is missing")
            return cls(name, None, {}, log, read=False)
        except UnicodeDecodeError as error:
            log.add(name, f"is not UTF-8 text (byte {error.start})")
            return cls(name, None, {}, log, read=False)
        return cls.parse(name, text, log)

    @classmethod
    def parse(cls, name: str, text: str, log: ProblemLog) -> PackSource:
        """Parse YAML text; syntax errors and duplicate keys are logged with their line."""
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"{name}:{mark.line + 1}" if mark else name
            problem = getattr(error, "problem", None) or str(error)
            log.add(where, f"is not valid YAML: {problem}")
            return cls(name, None, {}, log, read=False)
        finally:
            loader.dispose()
        source = cls(name, data, {}, log)
        if node is not None:
            source._index_lines(node, ())
        return source

    def _index_lines(self, node: yaml.Node, path: Path_) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    self.problem(path + (key,), "appears twice; the second would silently win")
                seen.add(key)
                self._index_lines(value_node, path + (key,))
                self.lines[path + (key,)] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._index_lines(item, path + (index,))

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

    # Typed readers: each returns the value, or None after logging what is wrong.

    def mapping(self, value: Any, path: Path_, what: str = "a mapping") -> dict | None:
        """The value if it is a mapping with string keys, else log and None."""
        if isinstance(value, dict):
            return value
        if not path and not self.read:
            return None  # why the file has no data is already reported
        self.problem(path, f"must be {what}, not {describe(value)}")
        return None

    def sequence(self, value: Any, path: Path_, *, min_len: int = 0) -> list | None:
        """The value if it is a list (of at least `min_len`), else log and None."""
        if not isinstance(value, list):
            self.problem(path, f"must be a list, not {describe(value)}")
            return None
        if len(value) < min_len:
            self.problem(path, f"must have at least {min_len} entries, has {len(value)}")
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
                f"{value!r} is not a valid id (letters, digits, '_' or '-', starting "
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
        hint = did_you_mean(value, [str(k) for k in known])
        self.problem(path, f"{value!r} is not a {kind} of this pack{hint}")
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
        return f"{name} {value!r}"
    return name
