"""One person's answers as given to trackfit, checked against the pack they answer."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from recommender.answer.employee_ids import employee_id_key, employee_id_problem
from recommender.errors import AnswersInvalid, Problem, ProblemList, did_you_mean
from recommender.pack.questionnaire import ANCHORED, NUMBER_CONTEXT, WHOLE_CONTEXT
from recommender.pack.source import describe

if TYPE_CHECKING:
    from recommender.pack.loading import Pack

TOP_LEVEL_FIELDS = ("employee_id", "answers", "context", "timings")
# Problems listed in one refusal (of a line, or of a whole file); the rest are counted, and
# no "did you mean" is looked for them: 20,000 unknown keys were seconds of work and a 1.5 MB
# answer before.
PROBLEMS_LISTED = 100
# Answers JSON is two objects deep; 32 leaves room and stops the decoder long before Python's
# recursion limit (100,000 nested brackets were a RecursionError).
MAX_JSON_DEPTH = 32
# No answer, timing or count needs more digits; more would cost quadratic time in int() and
# overflow float() (a 5000-digit integer is past Python's int conversion limit).
MAX_NUMBER_DIGITS = 30
MAX_FLOAT_CHARACTERS = 64
_STRUCTURE = re.compile(r'[\[\]{}"\\]')
_SURROGATE = re.compile("[\ud800-\udfff]")
_DIGITS_AS_NINES = str.maketrans("012345678", "999999999")
_LONG_DIGITS = "9" * (MAX_NUMBER_DIGITS + 1)


class JsonRefused(ValueError):
    """JSON that is not valid, or beyond trackfit's bounds (depth, number size, NaN, lone
    surrogates); the message says what and, where known, at which line and column."""

    def __init__(self, message: str, line: int = 0, column: int = 0):
        self.message, self.line, self.column = message, line, column
        where = f" at line {line}, column {column}" if line else ""
        super().__init__(f"{message}{where}")


class _LiteralRefused(Exception):
    """Raised from inside the decoder's hooks; turned into a JsonRefused with its place (that
    of the literal in the text; none for an empty literal)."""

    def __init__(self, literal: str, message: str):
        super().__init__(message)
        self.literal, self.message = literal, message


def read_json_document(text: str | bytes) -> Any:
    """Decode one JSON document within bounds, or raise JsonRefused naming the problem.

    Depth is measured before decoding, without recursion; numbers are bounded by the decoder's
    hooks before Python converts them; NaN, Infinity and lone surrogates are refused."""
    if isinstance(text, bytes):
        try:
            # utf-8-sig: a byte-order mark some tools write is not part of the document
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise JsonRefused(f"is not UTF-8 text (byte {error.start})") from None
    _check_depth(text)
    # The int hook costs a Python call per number and a line of answers holds a hundred small
    # ones: it is used only when the text holds a run of digits long enough to be too large.
    decoder = _CAREFUL if _LONG_DIGITS in text.translate(_DIGITS_AS_NINES) else _QUICK
    try:
        data = decoder.decode(text)
    except json.JSONDecodeError as error:
        raise JsonRefused(error.msg, error.lineno, error.colno) from None
    except _LiteralRefused as error:
        place = _place(text, text.find(error.literal)) if error.literal else (0, 0)
        raise JsonRefused(error.message, *place) from None
    except ValueError as error:  # past Python's own int limit: cannot happen with _CAREFUL
        raise JsonRefused(f"holds a number too large to read ({error})") from None
    if "\\u" in text or not text.isascii():
        _check_text(data)
    return data


def _place(text: str, offset: int) -> tuple[int, int]:
    if offset < 0:
        return 0, 0
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH, in one pass over the brackets, quotes and
    backslashes (linear: a regular expression for strings backtracks on unclosed ones)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return  # too few brackets to nest too deep
    depth, in_string, escaped_at = 0, False, -1
    for match in _STRUCTURE.finditer(text):
        at, char = match.start(), match.group()
        if at == escaped_at:
            continue
        if in_string:
            if char == "\\":
                escaped_at = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise JsonRefused(
                    f"is nested more than {MAX_JSON_DEPTH} levels deep", *_place(text, at)
                )
        elif char in "]}":
            depth -= 1


def _bounded_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _LiteralRefused(
            literal,
            f"a number of {len(literal.lstrip('-'))} digits is too large "
            f"(at most {MAX_NUMBER_DIGITS} digits)",
        )
    return int(literal)


def _bounded_float(literal: str) -> float:
    value = float(literal) if len(literal) <= MAX_FLOAT_CHARACTERS else math.inf
    if not math.isfinite(value):
        raise _LiteralRefused(
            literal,
            f"{literal[:20]}… is too large a number"
            if len(literal) > 20
            else f"{literal} is too large a number",
        )
    return value


def _no_constant(literal: str) -> float:
    raise _LiteralRefused(literal, f"{literal} is not a number JSON allows")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's members, refusing a key given twice (JSON readers differ on which one
    wins, so the answer would depend on the reader: "employee_id" twice names two people)."""
    data = dict(pairs)
    if len(data) < len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                # its place is not said: the text may hold the key elsewhere, or escaped
                raise _LiteralRefused(
                    "",
                    f"the key {json.dumps(key, ensure_ascii=False)} appears twice in one "
                    "object; the second would silently win",
                )
            seen.add(key)
    return data


_QUICK = json.JSONDecoder(
    parse_float=_bounded_float, parse_constant=_no_constant, object_pairs_hook=_unique_keys
)
_CAREFUL = json.JSONDecoder(
    parse_int=_bounded_int,
    parse_float=_bounded_float,
    parse_constant=_no_constant,
    object_pairs_hook=_unique_keys,
)


def _check_text(data: Any, path: str = "") -> None:
    """Refuse text holding a lone surrogate (`"\\ud800"`): it cannot be written as UTF-8."""
    if isinstance(data, str):
        found = _SURROGATE.search(data)
        if found:
            where = f"{path}: " if path else ""
            code = f"\\u{ord(found.group()):04x}"
            raise JsonRefused(f"{where}text holds a lone surrogate ({code}), which is not text")
    elif isinstance(data, dict):
        for key, value in data.items():
            _check_text(key, path)
            _check_text(value, f"{path}.{key}" if path else key)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            _check_text(value, f"{path}[{index}]")


@dataclass(frozen=True)
class Answers:
    """What one person answered: item answers, context fields and optional page timings."""

    employee_id: str
    answers: dict[str, float] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any, pack: Pack, where: str = "") -> Answers:
        """Check a decoded JSON object against the pack; raise AnswersInvalid naming each field."""
        return cls._checked(data, pack, where, PROBLEMS_LISTED)

    @classmethod
    def _checked(cls, data: Any, pack: Pack, where: str, room: int) -> Answers:
        """`from_json`, listing at most `room` problems (the rest counted)."""
        checker = _AnswersChecker(pack, where, room)
        answers = checker.check(data)
        if checker.found:
            refused = AnswersInvalid(checker.found.listed, more=checker.found.more)
            refused.employee_id = checker.employee_id  # a repeat is named even here
            try:
                raise refused
            finally:
                del refused  # no cycle through this frame: a batch runs without the collector
        assert answers is not None
        return answers

    @classmethod
    def checked_before(cls, data: dict[str, Any]) -> Answers:
        """The Answers `from_json` made of this object when it passed, made again without
        looking for problems (the batch's second reading of lines its first reading checked:
        a third of the run went to checking them twice)."""
        answers = {key: float(value) for key, value in (data.get("answers") or {}).items()
                   if value is not None}  # fmt: skip
        context = {
            key: _plain(float(value)) if key in NUMBER_CONTEXT else value
            for key, value in (data.get("context") or {}).items()
            if value is not None
        }
        timings = {key: float(value) for key, value in (data.get("timings") or {}).items()}
        return cls(data["employee_id"].strip(), answers, context, timings)

    def to_json(self) -> dict[str, Any]:
        """The JSON object this was read from (answers as given, integers kept integers)."""
        data: dict[str, Any] = {
            "employee_id": self.employee_id,
            "answers": {key: _plain(value) for key, value in self.answers.items()},
            "context": dict(self.context),
        }
        if self.timings:
            data["timings"] = dict(self.timings)
        return data


def _shown(value: float) -> str:
    """A number as a problem quotes it: as given, but 1e+308 rather than its 309 digits."""
    return str(_plain(value)) if abs(value) < 1e15 else f"{value:g}"


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


# an id longer than any HR system's (outcome files allow 64 characters, or 120 for an email)
MAX_EMPLOYEE_ID = 256
# a byte that is not UTF-8, as a file or stdin opened with errors="surrogateescape" keeps it
NOT_UTF8 = re.compile("[\udc80-\udcff]")


def read_answers_line(line: str, pack: Pack, where: str, room: int) -> Answers:
    """One line of answers JSONL, read at `where` ("stdin:3"); AnswersInvalid names the line
    when it is not JSON, or lists the first `room` problems of the object and counts the rest."""
    if bad := NOT_UTF8.search(line):
        raise AnswersInvalid(
            Problem(
                where,
                f"is not UTF-8 text (byte 0x{ord(bad.group()) - 0xDC00:02X} at column "
                f"{bad.start() + 1}); save the file as UTF-8",
            )
        )
    try:
        # without its line end: a line cut short is wrong at its end, not on "line 2, column 1"
        data = read_json_document(line.rstrip("\r\n"))
    except JsonRefused as error:
        at = f" at column {error.column}" if error.column else ""
        raise AnswersInvalid(Problem(where, f"is not valid JSON ({error.message}{at})")) from None
    return Answers._checked(data, pack, where, max(0, room))


def read_answers_jsonl(
    stream: TextIO | Iterable[str], pack: Pack, name: str = "stdin"
) -> Iterator[Answers]:
    """Parse answers JSONL lazily; blank lines are skipped, every bad line is collected.

    Everything is checked before anything is yielded downstream, so a
    bad line never leaves half an output behind. The first PROBLEMS_LISTED problems of the
    whole input are listed, the rest counted.
    """
    problems = ProblemList(PROBLEMS_LISTED)
    seen: dict[str, int] = {}
    parsed: list[Answers] = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            answers = read_answers_line(line, pack, where, PROBLEMS_LISTED - len(problems.listed))
        except AnswersInvalid as error:
            problems.extend(error)
            answers, employee_id = None, getattr(error, "employee_id", None)
        else:
            employee_id = answers.employee_id
        if employee_id is None:
            continue
        key = employee_id_key(employee_id)  # ids that look the same are the same id
        if key in seen:
            problems.add(
                f"{where}: employee_id",
                f"'{employee_id}' already appeared on line {seen[key]}",
            )
            continue
        seen[key] = number
        if answers is not None:
            parsed.append(answers)
    if problems:
        raise AnswersInvalid(problems.listed, more=problems.more)
    yield from parsed


class _AnswersChecker:
    """Collects every problem of one answers object: the first `room` listed, the rest
    counted (a message passed as a function is made only for a listed problem)."""

    def __init__(self, pack: Pack, where: str, room: int = PROBLEMS_LISTED):
        self.pack = pack
        self.where = where
        self.found = ProblemList(room)
        self.employee_id: str | None = None  # the object's id, when it is one

    def problem(self, field_name: str, message: str, near: tuple[Any, Any] | None = None) -> None:
        """Record a problem; `near` (the value, its choices) adds a "did you mean", looked for
        only when the problem is listed."""
        location = f"{self.where}: {field_name}" if self.where else field_name
        if near is None:
            self.found.add(location, message)
        else:
            self.found.add(location, lambda: message + did_you_mean(*near))

    def check(self, data: Any) -> Answers | None:
        if not isinstance(data, dict):
            self.problem("(line)", f"must be a JSON object, not {_json_kind(data)}")
            return None
        for key in data:
            if key not in TOP_LEVEL_FIELDS:
                self.problem(key, "is not a known field", near=(key, TOP_LEVEL_FIELDS))
        employee_id = data.get("employee_id")
        if "employee_id" not in data:
            self.problem("employee_id", "is missing: every line names the person it answers for")
        elif not isinstance(employee_id, str) or not employee_id.strip():
            self.problem("employee_id", f"must be non-empty text, not {_json_kind(employee_id)}")
        elif len(employee_id.strip()) > MAX_EMPLOYEE_ID:
            self.problem(
                "employee_id",
                f"is {len(employee_id.strip()):,} characters long; at most {MAX_EMPLOYEE_ID}",
            )
        elif hidden := employee_id_problem(employee_id):
            self.problem("employee_id", hidden)
        else:
            self.employee_id = employee_id.strip()
        answers = self._answers(self._object(data, "answers"))
        context = self._context(self._object(data, "context"))
        timings = self._timings(self._object(data, "timings"))
        if self.found:
            return None
        return Answers(employee_id.strip(), answers, context, timings)

    def _object(self, data: dict, key: str) -> dict:
        value = data.get(key, {})
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(key, f"must be a JSON object, not {_json_kind(value)}")
            return {}
        return value

    def _answers(self, raw: dict) -> dict[str, float]:
        items = self.pack.questionnaire.item_by_id
        scored = self.pack.questionnaire.scored_bounds
        answers = {}
        for item_id, value in raw.items():
            bounds = scored.get(item_id)
            # the common case, a whole number on the item's scale, needs no further checks
            if bounds is not None and type(value) is int and bounds[0] <= value <= bounds[1]:
                answers[item_id] = float(value)
                continue
            name = f"answers.{item_id}"
            if item_id not in scored:
                if item_id in items:
                    self.problem(name, f"is a context item: give it under context.{item_id}")
                else:
                    self.problem(
                        name, f"is not an item of pack {self.pack.ref}", near=(item_id, scored)
                    )
                continue
            if value is None:
                continue
            item = items[item_id]
            number = self._number(name, value)
            if number is None:
                continue
            if not item.min <= number <= item.max or not number.is_integer():
                kind = "an anchored statement" if item.kind == ANCHORED else "a scale point"
                self.problem(
                    name,
                    f"{_shown(number)} is not {kind} of this item "
                    f"(whole numbers {item.min:g} to {item.max:g})",
                )
                continue
            answers[item_id] = number
        return answers

    def _context(self, raw: dict) -> dict[str, Any]:
        framework = self.pack.framework
        items = self.pack.questionnaire.context_items
        context: dict[str, Any] = {}
        for key, value in raw.items():
            name = f"context.{key}"
            if key not in items:
                self.problem(name, "is not a context field", near=(key, items))
            elif value is None:
                continue
            elif key in NUMBER_CONTEXT:
                number = self._number(name, value)
                item = items[key]
                if number is not None and not item.min <= number <= item.max:
                    self.problem(name, f"{_shown(number)} is outside {item.min:g} to {item.max:g}")
                elif number is not None and key in WHOLE_CONTEXT and not number.is_integer():
                    self.problem(name, f"{_shown(number)} is not a whole number of people")
                elif number is not None:
                    context[key] = _plain(number)
            else:
                options = [option.value for option in items[key].options]
                if value not in options:
                    self.problem(
                        name, f"{value!r} is not one of {', '.join(options)}", near=(value, options)
                    )
                else:
                    context[key] = value
        years, at_level = context.get("years_experience"), context.get("years_at_level")
        if years is not None and at_level is not None and at_level > years:
            self.problem(
                "context.years_at_level",
                f"{at_level} years at the current level is more than the {years} years of "
                "experience in all (context.years_experience)",
            )
        track, level = context.get("current_track"), context.get("current_level")
        if track and level and track not in framework.level(level).tracks:
            self.problem("context.current_level", framework.not_on_ladder(level, track))
        return context

    def _timings(self, raw: dict) -> dict[str, float]:
        sections = [section.id for section in self.pack.questionnaire.sections]
        timings = {}
        for key, value in raw.items():
            name = f"timings.{key}"
            if key not in sections:
                self.problem(name, "is not a section of this pack", near=(key, sections))
                continue
            number = self._number(name, value)
            if number is not None and number < 0:
                self.problem(name, "must not be negative")
            elif number is not None:
                timings[key] = number
        return timings

    def _number(self, name: str, value: Any) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(name, f"must be a number, not {_json_kind(value)}")
            return None
        if isinstance(value, int) and abs(value) > 10**MAX_NUMBER_DIGITS:
            self.problem(name, f"is too large a number (at most {MAX_NUMBER_DIGITS} digits)")
            return None
        if not math.isfinite(value):
            self.problem(name, "must be a finite number")
            return None
        return float(value)


SAMPLE_ANSWERS = "sample-answers.jsonl"  # a pack's example answers (optional)


def sample_answers_of(pack: Pack, folder: Path) -> list[Answers] | None:
    """The example answers kept beside a pack's files, every one checked against the pack
    (`make demo`, the demo accounts and `trackfit recommend` read them); None when it has
    none. AnswersInvalid lists every line that does not fit, a byte that is not UTF-8 among
    them."""
    samples = folder / SAMPLE_ANSWERS
    if not samples.is_file():
        return None
    with samples.open(encoding="utf-8-sig", errors="surrogateescape") as stream:
        return list(read_answers_jsonl(stream, pack, SAMPLE_ANSWERS))


# JSON's own words for its kinds of value, for a client that wrote the JSON: null, not
# "nothing" (a pack's YAML words, which `describe` gives)
JSON_KINDS = {type(None): "null", list: "an array", dict: "an object"}


def _json_kind(value: Any) -> str:
    """What a JSON value is, in JSON's words ('true', 'false', 'null'); a number or text with
    its value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return JSON_KINDS.get(type(value)) or describe(value)
