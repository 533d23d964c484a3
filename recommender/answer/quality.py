"""Response-quality flags: signs that answers may not reflect the person. They lower
confidence; they never change an answer."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from recommender.pack.fields import FLAG_IDS

# Thresholds, and why:
# - straight-lining: with about a third of items reverse-keyed, a considered respondent gives
#   the same answer to at most two thirds or so of the Likert items; 90% identical answers
#   over at least 10 items (or all of them, in a pack with fewer) is a pattern, not an opinion.
# - contradictory reverse keys: within a construct, forward and reverse-keyed items measure the
#   same thing, so their scored means should agree. Averaged over constructs, a gap of 40% of
#   the scale (1.6 points on 1..5) is what agreeing with everything looks like.
# - too many skipped: above 20% of scored items unanswered, several constructs go missing.
# - too fast: reading and answering an item takes more than two seconds.
STRAIGHT_LINE_SHARE, STRAIGHT_LINE_MIN_ITEMS = 0.9, 10
CONTRADICTION_GAP, CONTRADICTION_MIN_CONSTRUCTS = 0.4, 3
SKIPPED_SHARE = 0.2
SECONDS_PER_ITEM = 2.0
LONGEST_PAGE_SECONDS = 1e9  # far past any threshold: only whether it is long enough counts

FLAG_MESSAGES = {
    "straight_lining": "Almost every statement got the same answer, including ones that say "
    "opposite things; the motivation scores may not reflect real views.",
    "failed_attention_check": "A statement that asked for a particular answer got a different "
    "one; some answers may have been given without reading.",
    "contradictory_reverse_keyed": "Statements that say opposite things often got the same "
    "answer; the motivation scores are less certain.",
    "too_many_skipped": "Many statements were skipped; some scores could not be computed.",
    "too_fast": "The pages were answered faster than they can be read.",
}
assert tuple(FLAG_MESSAGES) == FLAG_IDS, "a message for every flag, in the pack format's order"


@dataclass(frozen=True)
class QualityInputs:
    """The item layout quality checks need, as arrays aligned with the answer matrix columns."""

    likert: np.ndarray  # bool (I,) the Likert items
    reverse: np.ndarray  # bool (I,)
    attention_expected: np.ndarray  # float (I,) expected answer, NaN when not an attention item
    counted: np.ndarray  # bool (I,) items that count for skipping (all but attention checks)
    construct_of: np.ndarray  # int (I,) construct column of each Likert item, -1 otherwise
    n_constructs: int
    span: np.ndarray  # float (C,) width of each construct's scale (max - min)
    section_items: np.ndarray  # float (S,) number of items shown on each section page

    @cached_property
    def keyed_members(self) -> tuple[np.ndarray, np.ndarray]:
        """(I, C) float: each construct's forward-keyed items, and its reverse-keyed items."""
        members = self.construct_of[:, None] == np.arange(self.n_constructs)[None, :]
        reverse = self.reverse[:, None]
        return (members & ~reverse).astype(float), (members & reverse).astype(float)


def quality_flags(
    raw: np.ndarray, scored: np.ndarray, timings: np.ndarray, layout: QualityInputs
) -> dict[str, np.ndarray]:
    """Each flag as a boolean per person, from raw answers (NaN = skipped) and page seconds."""
    answered = ~np.isnan(raw)
    return {
        "straight_lining": _straight_lining(raw[:, layout.likert]),
        "failed_attention_check": _failed_attention(raw, layout.attention_expected),
        "contradictory_reverse_keyed": _contradictory(scored, answered, layout),
        "too_many_skipped": (~answered[:, layout.counted]).mean(axis=1) > SKIPPED_SHARE,
        "too_fast": _too_fast(timings, layout.section_items),
    }


def _straight_lining(likert: np.ndarray) -> np.ndarray:
    answered = (~np.isnan(likert)).sum(axis=1)
    values = np.unique(likert[~np.isnan(likert)])
    if values.size == 0:
        return np.zeros(len(likert), dtype=bool)
    most_common = np.max([(likert == value).sum(axis=1) for value in values], axis=0)
    share = np.divide(most_common, answered, out=np.zeros(len(likert)), where=answered > 0)
    enough = min(STRAIGHT_LINE_MIN_ITEMS, likert.shape[1])
    return (answered >= enough) & (share >= STRAIGHT_LINE_SHARE)


def _failed_attention(raw: np.ndarray, expected: np.ndarray) -> np.ndarray:
    checks = ~np.isnan(expected)
    given = raw[:, checks]
    return ((given != expected[checks]) & ~np.isnan(given)).any(axis=1)


def _contradictory(scored: np.ndarray, answered: np.ndarray, layout: QualityInputs) -> np.ndarray:
    """Mean over constructs of |forward mean - reverse mean| as a share of the scale."""
    forward, backward = layout.keyed_members
    values = np.where(answered, scored, 0.0)
    weights = answered.astype(float)
    forward_count, backward_count = weights @ forward, weights @ backward
    with np.errstate(invalid="ignore", divide="ignore"):
        forward_mean = (values @ forward) / forward_count
        backward_mean = (values @ backward) / backward_count
    both = (forward_count > 0) & (backward_count > 0)
    gaps = np.where(both, np.abs(forward_mean - backward_mean) / layout.span, 0.0).sum(axis=1)
    counted = both.sum(axis=1)
    mean_gap = np.divide(gaps, counted, out=np.zeros(len(scored)), where=counted > 0)
    # Gaps are ratios of small integers: a tolerance far below their spacing keeps a gap of
    # exactly the threshold from falling either side by rounding.
    return (counted >= CONTRADICTION_MIN_CONSTRUCTS) & (mean_gap >= CONTRADICTION_GAP - 1e-9)


def _too_fast(timings: np.ndarray, section_items: np.ndarray) -> np.ndarray:
    timed = ~np.isnan(timings)
    items = timed @ section_items
    # a page left open for ages counts as long enough: capped, sums of the largest finite
    # timings a client may send stay finite (1e308 twice overflowed to a warning)
    seconds = np.where(timed, np.minimum(timings, LONGEST_PAGE_SECONDS), 0.0).sum(axis=1)
    return (items > 0) & (seconds < SECONDS_PER_ITEM * items)
