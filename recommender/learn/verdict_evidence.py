"""The people behind a candidate's verdict, one row each, for the analyst who trained it to
recompute the verdict's figures with tools of their own.

Per person of the outcome file: the track taken and the outcome, whether they were judged
(and if not, why), whether the active version learnt from them, the cross-fitted candidate's
chance on each track (from candidates that never saw them) and the active version's. On the
people judged who took a track, ROC AUC and the Brier score of each model's chance on that
track are the verdict's point figures; resampling those people gives its intervals.

It is written only where the analyst asks (`trackfit train --evidence F.csv`), from a file
they hold already: nothing of it is kept in the registry, whose versions are immutable and
beyond the reach of a person's erasure. (Kept there, the active version's chance beside each
outcome would let anyone holding a person's answers read off that person's outcome.)
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommender.pack.framework import TRACK_IDS

COLUMNS = (
    "employee_id",
    "track_taken",
    "success",
    "judged",
    "not_judged_because",
    "learnt_by_active",
    *(f"candidate_p_success_{track}" for track in TRACK_IDS),
    *(f"active_p_success_{track}" for track in TRACK_IDS),
)
QUALITY_FLAGGED = "response-quality flags"
LEARNT_BY_ACTIVE = "the active version learnt from them"
DIGITS = 10  # enough that no two chances tie in the file that did not tie in the computation


@dataclass(frozen=True)
class VerdictEvidence:
    """Per row of the training data, in its order: who was judged, and each model's chances
    (NaN where a model gave none: the candidate for rows left out for quality flags, the
    active version where there is none or it could not be compared)."""

    employee_ids: Sequence[str]
    track_taken: np.ndarray
    success: np.ndarray
    usable: np.ndarray
    judged: np.ndarray
    learnt_by_active: np.ndarray | None  # None: the active version's record did not read
    candidate: dict[str, np.ndarray]
    active: dict[str, np.ndarray]

    def rows(self) -> Iterator[list[str]]:
        """The CSV's rows, header first."""
        yield list(COLUMNS)
        for row, employee_id in enumerate(self.employee_ids):
            yield [
                employee_id,
                str(self.track_taken[row]),
                str(int(self.success[row])),
                "yes" if self.judged[row] else "no",
                self._not_judged_because(row),
                self._learnt(row),
                *(_chance(self.candidate[track][row]) for track in TRACK_IDS),
                *(_chance(self.active[track][row]) for track in TRACK_IDS),
            ]

    def _not_judged_because(self, row: int) -> str:
        if self.judged[row]:
            return ""
        return QUALITY_FLAGGED if not self.usable[row] else LEARNT_BY_ACTIVE

    def _learnt(self, row: int) -> str:
        if not self.usable[row]:
            return ""
        if self.learnt_by_active is None:
            return "unknown"
        return "yes" if self.learnt_by_active[row] else "no"

    def in_order_of(self, employee_ids: Sequence[str]) -> VerdictEvidence:
        """The same rows in the order of `employee_ids` (the outcome file's, say): each id
        once, every row's id among them."""
        where = {employee_id: row for row, employee_id in enumerate(self.employee_ids)}
        order = np.array([where[employee_id] for employee_id in employee_ids], dtype=int)
        return VerdictEvidence(
            employee_ids=list(employee_ids),
            track_taken=self.track_taken[order],
            success=self.success[order],
            usable=self.usable[order],
            judged=self.judged[order],
            learnt_by_active=None
            if self.learnt_by_active is None
            else self.learnt_by_active[order],
            candidate={t: p[order] for t, p in self.candidate.items()},
            active={t: p[order] for t, p in self.active.items()},
        )


def _chance(value: float) -> str:
    return "" if np.isnan(value) else f"{value:.{DIGITS}f}"


def write_evidence_csv(evidence: VerdictEvidence, path: str | Path) -> None:
    """The evidence as CSV, UTF-8."""
    with Path(path).open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(evidence.rows())
