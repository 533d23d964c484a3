"""The kinds of user mistake trackfit reports, each carrying every problem found."""

from __future__ import annotations

import difflib
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
    """A mistake in what a user gave us; the edge turns it into a message and exit code."""

    exit_code = 2
    headline = "invalid input"

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        """Every problem, one per line, under a headline that counts them."""
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.headline}: {count} {noun}"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


class PackInvalid(TrackfitError):
    """A pack (framework, questionnaire or rules) that does not validate."""

    headline = "pack is invalid"


class AnswersInvalid(TrackfitError):
    """Answers that do not fit the pack they were given for."""

    headline = "answers are invalid"


def did_you_mean(value: object, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    """A ' did you mean ...?' suffix naming the closest choice, or '' when none is close."""
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
