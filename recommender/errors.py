"""The kinds of user mistake trackfit reports, each carrying every problem found."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong in user input, located as precisely as the input allows."""

    where: str
    message: str
    line: int = field(default=0, compare=False)  # the file's line, to report in line order

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class TrackfitError(Exception):
    """A mistake in what a user gave us; the edge turns it into a message and exit code.

    `problems` lists what was found, or the first of it: `more` counts problems found but not
    listed (input with thousands of mistakes is refused as fast as input with one)."""

    exit_code = 2
    headline = "invalid input"
    more = 0

    def __init__(self, problems: list[Problem] | Problem | str, more: int = 0):
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        if more:
            self.more = more
        super().__init__(self.report())

    def report(self) -> str:
        """Every problem listed, one per line, under a headline that counts them all, then
        how many more were not listed."""
        count = len(self.problems) + self.more
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.headline}: {count:,} {noun}"]
        lines += [f"  {problem}" for problem in self.problems]
        if self.more:
            lines.append(f"  … and {self.more:,} more problems")
        return "\n".join(lines)


class ProblemList:
    """Problems found in input, the first `room` of them listed and the rest only counted: a
    message (which may cost a search for the closest name) is made only for a listed one."""

    def __init__(self, room: int):
        self.room = room
        self.listed: list[Problem] = []
        self.more = 0

    def add(self, where: str, message: str | Callable[[], str]) -> None:
        """Record a problem; `message` may be a function making it, called only if listed."""
        if len(self.listed) >= self.room:
            self.more += 1
            return
        self.listed.append(Problem(where, message() if callable(message) else message))

    def extend(self, error: TrackfitError) -> None:
        """Record the problems of another refusal, as far as there is room."""
        room = max(0, self.room - len(self.listed))
        self.listed += error.problems[:room]
        self.more += max(0, len(error.problems) - room) + error.more

    def __bool__(self) -> bool:
        return bool(self.listed) or self.more > 0

    def __len__(self) -> int:
        return len(self.listed) + self.more


class PackInvalid(TrackfitError):
    """A pack (framework, questionnaire or rules) that does not validate. `notes` say what
    could not be checked yet (a file read only against another that does not read yet): not
    problems, but where more may show once those are fixed."""

    headline = "pack is invalid"

    def __init__(self, problems, more: int = 0, notes: tuple[str, ...] = ()):
        self.notes = tuple(notes)
        super().__init__(problems, more)

    def report(self) -> str:
        return super().report() + "".join(f"\n  (not checked yet: {note})" for note in self.notes)


class AnswersInvalid(TrackfitError):
    """Answers that do not fit the pack they were given for."""

    headline = "answers are invalid"


QUOTED_LENGTH = 40  # characters of a bad value a problem quotes


NAMES_SHOWN = 10  # of a long list of names in one problem; the rest counted


def first_named(names: Sequence[str], shown: int = NAMES_SHOWN) -> str:
    """'a, b, c and 1,234 more': the first `shown` of the names, the rest counted (a header of
    300,000 unknown columns was one problem of 3 MB)."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more:,} more" if more > 0 else "")


def quoted(value: str) -> str:
    """A bad value as a problem quotes it: its repr, cut short with its length said, so a huge
    cell makes a short message."""
    if len(value) > QUOTED_LENGTH:
        return repr(value[:QUOTED_LENGTH]) + f"… ({len(value):,} characters)"
    return repr(value)


def did_you_mean(value: object, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    """A ' did you mean ...?' suffix naming the closest choice, or '' when none is close."""
    if not isinstance(value, str):
        return ""
    # compared without case: 'AGE_BAND' is as close to 'age_band' as 'Gender' to 'gender'
    folded = {choice.lower(): choice for choice in sorted(choices, reverse=True)}
    close = difflib.get_close_matches(value.lower(), sorted(folded), n=1, cutoff=0.6)
    return f"; did you mean '{folded[close[0]]}'?" if close else ""
