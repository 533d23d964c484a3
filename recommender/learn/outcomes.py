"""Importing outcome data (DESIGN.md, "Outcome data"): checked whole, refused whole.

Every problem is named by file, CSV line (the header is line 1) and column; a file with any
problem imports nothing. Sensitive columns are kept apart and never reach a profile.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from recommender.answer.profile import ProfileBatch
from recommender.answer.scoring import score_matrix, scoring_layout
from recommender.errors import Problem, TrackfitError, did_you_mean
from recommender.pack.framework import TRACK_IDS
from recommender.pack.loading import Pack
from recommender.pack.questionnaire import CHOICE_CONTEXT, NUMBER_CONTEXT

REQUIRED = ("employee_id", "track_taken", "success")
REPORT_LINES = 200
UNKNOWN_COLUMNS_SHOWN = 10


class OutcomesInvalid(TrackfitError):
    """An outcome file with problems; nothing of it was imported."""

    headline = "outcome data is invalid (nothing was imported)"

    def report(self) -> str:
        """Every problem, up to REPORT_LINES of them, then a count of the rest."""
        lines = super().report().splitlines()
        if len(lines) > REPORT_LINES + 1:
            rest = len(lines) - 1 - REPORT_LINES
            lines = [*lines[: REPORT_LINES + 1], f"  ... and {rest} more"]
        return "\n".join(lines)


@dataclass
class OutcomeData:
    """A validated outcome file, laid out for scoring and training."""

    pack: Pack
    employee_ids: list[str]
    answers: np.ndarray
    context: dict[str, np.ndarray]
    track_taken: np.ndarray
    success: np.ndarray
    sensitive: dict[str, np.ndarray]
    data_hash: str

    def profiles(self) -> ProfileBatch:
        """Profiles of everyone in the file (sensitive columns play no part)."""
        timings = np.full(
            (len(self.employee_ids), len(scoring_layout(self.pack).section_ids)), np.nan
        )
        return score_matrix(self.pack, self.answers, timings, self.context, self.employee_ids)


def read_outcomes(
    path: str | Path, pack: Pack, sensitive: tuple[str, ...] | list[str] = ()
) -> OutcomeData:
    """Read and check an outcome CSV; raise OutcomesInvalid listing every problem."""
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except OSError as error:
        raise OutcomesInvalid(f"{path}: cannot be read ({error.strerror})") from None
    return parse_outcomes(path.name, raw_bytes, pack, sensitive)


def parse_outcomes(
    name: str, raw_bytes: bytes, pack: Pack, sensitive: tuple[str, ...] | list[str] = ()
) -> OutcomeData:
    """Check the bytes of a full outcome file (answers, context and outcome per person)."""
    table = _table(name, raw_bytes)
    checker = _Checker(name, pack, table, tuple(sensitive))
    data = checker.check()
    if checker.problems:
        raise OutcomesInvalid(_in_line_order(checker.problems))
    data.data_hash = hashlib.sha256(raw_bytes).hexdigest()
    return data


@dataclass
class OutcomeLinks:
    """A short outcome file: for each person, the track taken and success there, to be joined
    to the assessment already stored for them. `problems` names every bad cell, in line order;
    a file with any is refused, but its rows are still read so that joining them can be
    reported in the same pass."""

    employee_ids: list[str]
    lines: list[int]
    track_taken: np.ndarray
    success: np.ndarray
    sensitive: dict[str, np.ndarray]
    data_hash: str
    problems: list[Problem] = field(default_factory=list)


def is_short_file(raw_bytes: bytes, sensitive: tuple[str, ...] | list[str] = ()) -> bool:
    """Whether a file has only the short file's columns (and named sensitive ones)."""
    first = raw_bytes.decode("utf-8-sig", errors="replace").split("\n", 1)[0]
    columns = {c.strip().strip('"') for c in first.split(",") if c.strip()}
    return bool(columns) and columns <= set(REQUIRED) | set(sensitive)


def parse_outcome_links(
    name: str, raw_bytes: bytes, sensitive: tuple[str, ...] | list[str] = ()
) -> OutcomeLinks:
    """Read a short outcome file: `employee_id`, `track_taken`, `success` and the named
    sensitive columns. A file that is not such a table raises OutcomesInvalid listing every
    problem; bad cells are listed in the result's `problems`."""
    table = _table(name, raw_bytes)
    checker = _Checker(name, None, table, tuple(sensitive))
    columns = list(table.columns)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        checker.problem("", f"required columns missing: {', '.join(missing)}")
    for column in sensitive:
        if column in REQUIRED:
            checker.problem("", f"sensitive column '{column}' is a required column")
        elif column not in columns:
            checker.problem("", f"sensitive column '{column}' is not in the file")
    unknown = [c for c in columns if c not in REQUIRED and c not in sensitive]
    if unknown:
        checker.problem(
            "",
            f"columns {', '.join(map(repr, unknown))} are neither employee_id, track_taken, "
            "success nor named sensitive columns (a full outcome file has item columns)",
        )
    if checker.problems:
        raise OutcomesInvalid(checker.problems)
    ids, track, success = checker.outcome_columns()
    return OutcomeLinks(
        employee_ids=list(ids),
        lines=list(range(2, len(table) + 2)),
        track_taken=track.to_numpy(dtype=object),
        success=(success == "1").to_numpy(dtype=np.int8),
        sensitive=checker.sensitive_columns(),
        data_hash=hashlib.sha256(raw_bytes).hexdigest(),
        problems=_in_line_order(checker.problems),
    )


def _in_line_order(problems: list[Problem]) -> list[Problem]:
    """Problems of the whole file first, then by line; column order within a line."""
    return sorted(problems, key=lambda problem: problem.line)


def _table(name: str, raw_bytes: bytes) -> pd.DataFrame:
    """The file as a table of strings, or OutcomesInvalid naming why it is not one."""
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        skipped = len(codecs.BOM_UTF8) if raw_bytes.startswith(codecs.BOM_UTF8) else 0
        line = raw_bytes[: error.start + skipped].count(b"\n") + 1
        raise OutcomesInvalid(f"{name}:{line}: is not UTF-8 text (byte {error.start})") from None
    if not text.strip():
        raise OutcomesInvalid(f"{name}: is empty")
    try:
        table = pd.read_csv(
            StringIO(text), dtype=str, keep_default_na=False, on_bad_lines="error", engine="c"
        )
    except (pd.errors.ParserError, ValueError) as error:
        raise OutcomesInvalid(f"{name}: is not a well-formed CSV ({error})") from None
    table.columns = [str(c).strip() for c in table.columns]
    return table


class _Checker:
    """Vectorised checks over the whole table, collecting every problem."""

    def __init__(
        self, name: str, pack: Pack | None, table: pd.DataFrame, sensitive: tuple[str, ...]
    ):
        self.name, self.pack, self.table, self.sensitive = name, pack, table, sensitive
        self.problems: list[Problem] = []
        self.layout = scoring_layout(pack) if pack is not None else None

    def problem(self, where: str, message: str, line: int = 0) -> None:
        self.problems.append(Problem(f"{self.name}{where}", message, line))

    def cells(self, column: str, bad: pd.Series, message) -> None:
        """One problem per bad cell, named by line and column."""
        for index in np.flatnonzero(bad.to_numpy()):
            value = self.table[column].iat[index]
            self.problem(f":{index + 2}: {column}", message(value), index + 2)

    def check(self) -> OutcomeData | None:
        columns = list(self.table.columns)
        items = set(self.layout.item_ids)
        context = set(NUMBER_CONTEXT + CHOICE_CONTEXT)
        features = items | context | set(REQUIRED)
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            self.problem("", f"required columns missing: {', '.join(missing)}")
        for column in self.sensitive:
            if column in features:
                self.problem(
                    "",
                    f"sensitive column '{column}' is also an item, context or "
                    "required column; it would become a model feature",
                )
            elif column not in columns:
                self.problem("", f"sensitive column '{column}' is not in the file")
        unknown = [c for c in columns if c not in features and c not in self.sensitive]
        if unknown:
            shown = ", ".join(
                f"{c!r}{did_you_mean(c, features)}" for c in unknown[:UNKNOWN_COLUMNS_SHOWN]
            )
            more = len(unknown) - UNKNOWN_COLUMNS_SHOWN
            none_known = not any(c in items for c in columns)
            self.problem(
                "",
                f"{len(unknown)} columns are not items of pack {self.pack.ref}, "
                f"context fields or named sensitive columns: {shown}"
                + (f" and {more} more" if more > 0 else "")
                + ("; none of the file's columns is an item of the pack" if none_known else ""),
            )
        if missing or self.problems:
            return None
        return self._rows(columns)

    def outcome_columns(self) -> tuple[pd.Series, pd.Series, pd.Series]:
        """employee_id, track_taken and success, each cell checked."""
        table = self.table
        ids = table["employee_id"].str.strip()
        self.cells("employee_id", ids == "", lambda v: "is blank")
        duplicated = ids.duplicated(keep="first") & (ids != "")
        first_line = {v: i + 2 for i, v in reversed(list(enumerate(ids)))}
        self.cells(
            "employee_id",
            duplicated,
            lambda v: f"'{v.strip()}' already appeared on line {first_line[v.strip()]}",
        )
        track = table["track_taken"].str.strip()
        self.cells(
            "track_taken", ~track.isin(TRACK_IDS), lambda v: f"{v!r} is not one of ic, manager"
        )
        success = table["success"].str.strip()
        self.cells("success", ~success.isin(("0", "1")), lambda v: f"{v!r} is not 0 or 1")
        return ids, track, success

    def sensitive_columns(self) -> dict[str, np.ndarray]:
        """The named sensitive columns, blank as None; kept apart from everything else."""
        return {
            c: np.array([v.strip() or None for v in self.table[c]], dtype=object)
            for c in self.sensitive
        }

    def _rows(self, columns: list[str]) -> OutcomeData | None:
        table = self.table
        ids, track, success = self.outcome_columns()
        answers = np.full((len(table), len(self.layout.item_ids)), np.nan)
        questionnaire = self.pack.questionnaire
        for column, item_id in enumerate(self.layout.item_ids):
            if item_id not in columns:
                continue
            item = questionnaire.item_by_id[item_id]
            answers[:, column] = self._numbers(item_id, item.min, item.max, whole=True)
        context = self._context(columns)
        if self.problems:
            return None
        return OutcomeData(
            pack=self.pack,
            employee_ids=list(ids),
            answers=answers,
            context=context,
            track_taken=track.to_numpy(dtype=object),
            success=success.astype(int).to_numpy(dtype=np.int8),
            sensitive=self.sensitive_columns(),
            data_hash="",
        )

    def _numbers(self, column: str, low: float, high: float, *, whole: bool) -> np.ndarray:
        text = self.table[column].str.strip()
        blank = text == ""
        numbers = pd.to_numeric(text.where(~blank), errors="coerce")
        self.cells(column, ~blank & numbers.isna(), lambda v: f"{v!r} is not a number")
        values = numbers.to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(values) & (
                (values < low) | (values > high) | (whole & (values != np.round(values)))
            )
        kind = "whole numbers" if whole else "numbers"
        self.cells(
            column,
            pd.Series(bad),
            lambda v: f"{v.strip()} is outside the allowed {kind} {low:g} to {high:g}",
        )
        return values

    def _context(self, columns: list[str]) -> dict[str, np.ndarray]:
        items = self.pack.questionnaire.context_items
        framework = self.pack.framework
        n = len(self.table)
        context: dict[str, np.ndarray] = {}
        for name in NUMBER_CONTEXT:
            context[name] = (
                self._numbers(name, items[name].min, items[name].max, whole=False)
                if name in columns
                else np.full(n, np.nan)
            )
        for name in CHOICE_CONTEXT:
            if name not in columns:
                context[name] = np.full(n, None, dtype=object)
                continue
            text = self.table[name].str.strip()
            options = [option.value for option in items[name].options]
            self.cells(
                name,
                (text != "") & ~text.isin(options),
                lambda v, o=options: f"{v!r} is not one of {', '.join(o)}",
            )
            context[name] = text.where(text != "", None).to_numpy(dtype=object)
        tracks, levels = context["current_track"], context["current_level"]
        for index in range(n):
            track, level = tracks[index], levels[index]
            if (
                track in framework.track_ids
                and level in framework.level_ids
                and track not in framework.level(level).tracks
            ):
                self.problem(
                    f":{index + 2}: current_level",
                    f"{level} is not a level of the {track} track",
                    index + 2,
                )
        context["current_grade"] = np.array(
            [framework.level(lv).grade if lv in framework.level_ids else np.nan for lv in levels],
            dtype=float,
        )
        return context
