"""A batch of answers JSONL answered in chunks, so memory stays flat however many people.

Two passes over the input. The first reads it a chunk at a time and checks every line: the
problems are listed exactly as `read_answers_jsonl` lists them (the first PROBLEMS_LISTED of
the whole input, in line order, the rest counted), and nothing is answered or written. Only when
every line is good does the second pass read the input again from its start and answer it a
chunk at a time, each chunk's recommendations written before the next is read. This keeps both
promises of the whole-batch command: every bad line is named, and nothing is half-written on
stdout. Holding the parsed people instead would cost memory in proportion to them again, and
writing the recommendations to a temporary file to copy out at the end would cost several times
the input's size on disk and a second write of every byte. An input that cannot be
read twice (a pipe) is copied line by line to a temporary file during the first pass: disk,
not memory.

The second reading does not check the lines again (that was a third of the run): the first
keeps a fingerprint of each chunk's lines (`FirstReading`), and the second answers a chunk
only when its lines are the ones checked, and otherwise stops, naming the lines that changed
(a file rewritten while it was being read).

Duplicate employee ids across the whole input are still caught. `SeenIds` keeps, for every
distinct id, a 64-bit hash and the line it was first on (12 bytes a person: 12 MB at a million
people), never the ids themselves; two different ids share a hash with odds of about one in
ten million even at two million people, and such a pair would be refused as a duplicate, never
merged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from recommender.answer.answers import PROBLEMS_LISTED, Answers, read_answers_line
from recommender.answer.employee_ids import employee_id_key
from recommender.errors import AnswersInvalid, ProblemList

if TYPE_CHECKING:
    from recommender.answer.recommendation import Recommender
    from recommender.pack.loading import Pack

# People answered together: large enough that numpy's per-call cost is spread thin (the
# batch arithmetic is as fast per person from about a thousand up), small enough that a chunk's
# people and recommendations are a few megabytes.
CHUNK_PEOPLE = 2000


class SeenIds:
    """Employee ids met so far, each as a 64-bit hash with the line it was first on.

    Kept in a few sorted runs whose sizes halve from the first to the last, as a binary counter
    keeps its bits: a chunk is looked up in every run at once (numpy's binary search) and added
    as a new run, and equal-sized neighbours are merged, so each id is re-sorted only
    logarithmically often.
    """

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []

    def first_lines(self, hashes: np.ndarray) -> np.ndarray:
        """For each hash, the line its id was first on, or 0 when it was not met before."""
        found = np.zeros(len(hashes), dtype=np.uint32)
        for keys, lines in self._runs:
            at = np.minimum(np.searchsorted(keys, hashes), len(keys) - 1)
            hit = keys[at] == hashes
            found[hit] = lines[at[hit]]
        return found

    def add(self, hashes: np.ndarray, lines: np.ndarray) -> None:
        """Remember ids not met before (`hashes` distinct, none of them met already)."""
        if not len(hashes):
            return
        order = np.argsort(hashes)
        self._runs.append((hashes[order], lines[order].astype(np.uint32)))
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= len(self._runs[-1][0]):
            (keys_a, lines_a), (keys_b, lines_b) = self._runs.pop(), self._runs.pop()
            keys = np.concatenate((keys_b, keys_a))
            order = np.argsort(keys)
            self._runs.append((keys[order], np.concatenate((lines_b, lines_a))[order]))

    def __len__(self) -> int:
        return sum(len(keys) for keys, _ in self._runs)


@dataclass
class FirstReading:
    """What the first pass found: how many people, and a fingerprint of each chunk of `chunk`
    lines it checked (blank lines included), for the second pass to read against."""

    chunk: int
    people: int = 0
    fingerprints: list[int] = field(default_factory=list)


def check_answers_jsonl(
    lines: Iterable[str],
    pack: Pack,
    name: str = "stdin",
    *,
    copy: TextIO | None = None,
    chunk: int = CHUNK_PEOPLE,
) -> FirstReading:
    """The first pass: check every line, a chunk at a time; return how many people there are
    and each chunk's fingerprint.

    Raises AnswersInvalid with the same problems, in the same order, as `read_answers_jsonl`.
    Every line read is also written to `copy` when given (to read a pipe a second time).
    """
    problems = ProblemList(PROBLEMS_LISTED)
    seen = SeenIds()
    reading = FirstReading(chunk)
    numbered = enumerate(lines, start=1)
    while block := list(islice(numbered, chunk)):
        if copy is not None:
            copy.writelines(line for _, line in block)
        reading.fingerprints.append(hash(tuple(line for _, line in block)))
        reading.people += _check_block(block, pack, name, problems, seen)
    if problems:
        raise AnswersInvalid(problems.listed, more=problems.more)
    return reading


def _check_block(
    block: list[tuple[int, str]], pack: Pack, name: str, problems: ProblemList, seen: SeenIds
) -> int:
    """Check one chunk's lines into `problems` and `seen`; return its people."""
    results: list[tuple[int, str, Any]] = []  # (line, where, Answers or the line's refusal)
    pending = 0  # problems of this chunk not in `problems` yet: a `room` never too small
    for number, line in block:
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            room = PROBLEMS_LISTED - len(problems.listed) - pending
            results.append((number, where, read_answers_line(line, pack, where, room)))
        except AnswersInvalid as error:
            # kept without its traceback or the error it replaced: their frames lead back to
            # this one and so to `results` itself, a cycle only the collector frees, and a
            # batch runs with it off (4 KB a bad line, never freed)
            error.__context__ = error.__cause__ = None
            results.append((number, where, error.with_traceback(None)))
            pending += len(error.problems)
    # every line's id, a refused line's too when it has one: a repeat is named in this pass
    ids = {
        number: result.employee_id
        if isinstance(result, Answers)
        else getattr(result, "employee_id", None)
        for number, _, result in results
    }
    named = [(number, employee_id) for number, employee_id in ids.items() if employee_id]
    hashes = np.fromiter((hash(employee_id_key(i)) for _, i in named), np.int64, len(named))
    earlier = dict(zip((n for n, _ in named), seen.first_lines(hashes).tolist(), strict=True))
    first_here: dict[int, int] = {}  # hash -> line, for ids first met in this chunk
    for number, where, result in results:
        if isinstance(result, AnswersInvalid):
            problems.extend(result)
        employee_id = ids[number]
        if not employee_id:
            continue
        key = hash(employee_id_key(employee_id))  # ids that look the same are the same id
        first = earlier[number] or first_here.get(key)
        if first:
            problems.add(
                f"{where}: employee_id", f"'{employee_id}' already appeared on line {first}"
            )
        else:
            first_here[key] = number
    seen.add(
        np.fromiter(first_here, np.int64, len(first_here)),
        np.fromiter(first_here.values(), np.uint32, len(first_here)),
    )
    return len(first_here)


def answer_in_chunks(
    lines: Iterable[str], recommender: Recommender, first: FirstReading, name: str = "stdin"
) -> Iterator[dict[str, Any]]:
    """The second pass: recommendations for the lines the first pass checked, a chunk at a
    time; AnswersInvalid, before a chunk is answered, when its lines are not those checked."""
    numbered = enumerate(lines, start=1)
    for fingerprint in [*first.fingerprints, None]:
        block = list(islice(numbered, first.chunk))
        if fingerprint is None and not block:
            return
        if fingerprint != hash(tuple(line for _, line in block)):
            start = block[0][0] if block else first.chunk * len(first.fingerprints) + 1
            raise AnswersInvalid(
                f"{name}: changed while it was read: lines from {start} on are not the lines "
                "checked; the recommendations before them were written, none after"
            )
        people = [Answers.checked_before(json.loads(line)) for _, line in block if line.strip()]
        yield from recommender.recommend_many(people)
