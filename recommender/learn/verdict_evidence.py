"""The people behind a candidate's verdict, one row each, for the analyst who trained it to
recompute the verdict's figures with tools of their own.

Per person of the outcome file: the track taken and the outcome, whether they were judged
(and if not, why), whether the active version learnt from them, the cross-fitted candidate's
chance on each track (from candidates that never saw them) and the active version's. On the
people judged who took a track, ROC AUC and the Brier score of each model's chance on that
track are the verdict's point figures; resampling those people gives its intervals.

It is written only where the analyst asks (`trackfit train --evidence F.csv`), from a file
they hold already, or kept by the web app beside the outcome rows it came from, where a
person's removal reaches it: nothing of it is kept in the registry, whose versions are
immutable and beyond the reach of a person's erasure. (Kept there, the active version's chance
beside each outcome would let anyone holding a person's answers read off that person's
outcome.)
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommender.pack.framework import TRACK_IDS
from recommender.pack.written_cells import spreadsheet_text

EVIDENCE_COLUMNS = (
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
class EvidenceRow:
    """One person behind a verdict. `learnt_by_active` is None where it is not known (the
    active version's record of its people did not read) or does not apply (left out for
    response-quality flags); a chance is None where a model gave none."""

    employee_id: str
    track_taken: str
    success: int
    judged: bool
    not_judged_because: str | None
    learnt_by_active: bool | None
    candidate: dict[str, float | None]
    active: dict[str, float | None]

    def cells(self) -> list[str]:
        """The row as the CSV's cells, in EVIDENCE_COLUMNS' order."""
        if self.not_judged_because == QUALITY_FLAGGED:
            learnt = ""
        elif self.learnt_by_active is None:
            learnt = "unknown"
        else:
            learnt = "yes" if self.learnt_by_active else "no"
        return [
            spreadsheet_text(self.employee_id),  # =HYPERLINK(...), or -12, quoted
            self.track_taken,
            str(int(self.success)),
            "yes" if self.judged else "no",
            self.not_judged_because or "",
            learnt,
            *(_chance(self.candidate.get(track)) for track in TRACK_IDS),
            *(_chance(self.active.get(track)) for track in TRACK_IDS),
        ]


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

    def entries(self) -> Iterator[EvidenceRow]:
        """Each row as an EvidenceRow."""
        for row, employee_id in enumerate(self.employee_ids):
            because = None
            if not self.judged[row]:
                because = QUALITY_FLAGGED if not self.usable[row] else LEARNT_BY_ACTIVE
            learnt = None
            if self.learnt_by_active is not None and self.usable[row]:
                learnt = bool(self.learnt_by_active[row])
            yield EvidenceRow(
                employee_id=str(employee_id),
                track_taken=str(self.track_taken[row]),
                success=int(self.success[row]),
                judged=bool(self.judged[row]),
                not_judged_because=because,
                learnt_by_active=learnt,
                candidate={t: _number(p[row]) for t, p in self.candidate.items()},
                active={t: _number(p[row]) for t, p in self.active.items()},
            )

    def rows(self) -> Iterator[list[str]]:
        """The CSV's rows, header first."""
        yield list(EVIDENCE_COLUMNS)
        for entry in self.entries():
            yield entry.cells()

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


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _chance(value: float | None) -> str:
    return "" if value is None else f"{value:.{DIGITS}f}"


def write_evidence_csv(evidence: VerdictEvidence, path: str | Path) -> None:
    """The evidence as CSV, UTF-8."""
    with Path(path).open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(evidence.rows())
