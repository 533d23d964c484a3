"""Calibration by group: whether the model's chances of success hold for each group of a
sensitive attribute, or run high (or low) for one of them.

The fairness report compares how often each group is *advised* something. A model can pass it
and still be wrong about a group: if people of one group succeed as managers less often than
the model says people like them do (say the history it learnt from held them back in ways the
answers do not show), every chance it gives them is too high, and the advice with it. So,
for every sensitive attribute and every track, among the people who took that track: each
group's observed success rate (with its 90% Wilson range) beside the mean chance the model gave
them, from chances cross-fitted so that nobody's own outcome shaped the chance judged against
it.

Whether a gap is more than chance is tested on the sum of the group's outcomes minus their
chances, over its standard deviation under a calibrated model (each person a Bernoulli of their
own chance): `sum(y - p) / sqrt(sum p(1 - p))`, normal in large groups. The p-values of every
group and track are adjusted together (Benjamini-Hochberg, as the fairness report's are). A
group is flagged when its adjusted p is under `ALPHA` and the gap is at least `MARGIN` (five
points of probability: smaller gaps in a big group are real but not worth acting on).

Only groups of at least `SMALL_GROUP` people on the track are judged: fewer tell little about
calibration. Smaller groups are listed by name, with their number of people only from
`SMALLEST_SHOWN` on. The people in no judged group (smaller groups and unknowns) are the
complement of the groups shown; since the card gives each track's success rate, their own rate
could be worked out, so their number is never between 1 and `SMALLEST_SHOWN - 1`: the smallest
judged group joins them until it is not. Sensitive attributes are read here, never as features.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import false_discovery_control, norm

from recommender.learn.fairness import group_codes, rounded_p
from recommender.learn.fairness_wording import (
    CALIBRATION_MARGIN,
    SMALL_GROUP,
    SMALL_GROUP_ALPHA,
    SMALLEST_SHOWN,
)
from recommender.learn.observed_rates import observed_range
from recommender.pack.framework import TRACK_IDS

ALPHA = SMALL_GROUP_ALPHA  # an adjusted p under this, with a gap of at least MARGIN, is flagged
MARGIN = CALIBRATION_MARGIN  # the smallest gap between observed and predicted success to flag


def calibration_by_group(
    p_success: dict[str, np.ndarray],
    track_taken: np.ndarray,
    success: np.ndarray,
    sensitive: dict[str, np.ndarray],
) -> dict[str, Any] | None:
    """Per sensitive attribute and track, each group's observed success beside the model's
    mean chance for it (chances cross-fitted: from models that did not learn from the person),
    with the test and flag described above; None when no sensitive column was given. All
    arrays are over the same people; JSON-serialisable."""
    if not sensitive:
        return None
    people = len(success)
    success = np.asarray(success, dtype=bool)
    rows: list[dict[str, Any]] = []
    attributes = []
    for attribute, values in sensitive.items():
        labels, codes = group_codes(attribute, values, people)
        tracks = {}
        for track in TRACK_IDS:
            on = track_taken == track
            tracks[track] = _track(
                labels, codes[on], success[on], np.asarray(p_success[track], float)[on]
            )
            rows += tracks[track]["groups"]
        attributes.append({"attribute": attribute, "tracks": tracks})
    _adjust(rows)
    return {
        "method": (
            "observed success on the track taken beside the mean cross-fitted chance; "
            "z = sum(y - p) / sqrt(sum p(1 - p)), Benjamini-Hochberg over every group and track"
        ),
        "alpha": ALPHA,
        "margin": MARGIN,
        "smallest_judged": SMALL_GROUP,
        "attributes": attributes,
        "flagged": [
            {"attribute": entry["attribute"], "track": track, "group": group["group"]}
            for entry in attributes
            for track, cell in entry["tracks"].items()
            for group in cell["groups"]
            if group["flagged"]
        ],
    }


def _track(
    labels: list[str], codes: np.ndarray, success: np.ndarray, chance: np.ndarray
) -> dict[str, Any]:
    """One track's groups: those judged, and those too small to be, among its people."""
    sizes = np.bincount(codes[codes >= 0], minlength=len(labels))
    judged = [g for g in range(len(labels)) if sizes[g] >= SMALL_GROUP]
    # the rest must hold none or at least SMALLEST_SHOWN people (their rate is the remainder)
    while judged and 0 < codes.size - sizes[judged].sum() < SMALLEST_SHOWN:
        judged.remove(min(judged, key=lambda g: (sizes[g], labels[g])))
    groups = []
    for g in judged:
        mine = codes == g
        n, succeeded, expected = int(sizes[g]), int(success[mine].sum()), chance[mine]
        observed = succeeded / n
        spread = float(np.sqrt(np.sum(expected * (1 - expected))))
        z = (succeeded - float(expected.sum())) / spread if spread > 0 else 0.0
        low, high = observed_range(observed, n)
        groups.append(
            {
                "group": labels[g],
                "people": n,
                "observed": round(observed, 4),
                "observed_interval": [round(low, 4), round(high, 4)],
                "predicted": round(float(expected.mean()), 4),
                "difference": round(observed - float(expected.mean()), 4),
                "p_value": rounded_p(2 * norm.sf(abs(z))),
            }
        )
    too_small = [
        {
            "group": labels[g],
            "people": int(sizes[g]) if sizes[g] >= SMALLEST_SHOWN else None,
            # a group big enough, left out so the people in no group shown stay 0 or 5 or more
            "protects_others": bool(sizes[g] >= SMALL_GROUP),
        }
        for g in range(len(labels))
        if g not in judged and sizes[g] > 0
    ]
    return {"people": int(codes.size), "groups": groups, "not_judged": too_small}


def _adjust(rows: list[dict[str, Any]]) -> None:
    """Every judged group's Benjamini-Hochberg adjusted p (over all of them) and its flag."""
    raw = np.array([row["p_value"] for row in rows], dtype=float)
    adjusted = false_discovery_control(raw, method="bh") if raw.size else raw
    for row, p in zip(rows, adjusted.tolist(), strict=True):
        row["p_adjusted"] = rounded_p(max(p, row["p_value"]))
        row["flagged"] = row["p_adjusted"] < ALPHA and abs(row["difference"]) >= MARGIN
