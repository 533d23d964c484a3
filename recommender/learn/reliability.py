"""Questionnaire quality statistics: how consistently each construct's items measure it.

Serious assessment tools publish the reliability of every scale they score (the APA/AERA/NCME
Standards ask for it), because a construct score is only as trustworthy as the agreement of
the items behind it. For every construct this module reports:

- Cronbach's alpha, the usual internal-consistency figure, with a Feldt (1965) confidence
  interval so that a small sample is not read as precise, and a traffic light: red under .70,
  amber .70 to .79, green .80 and up (the conventional bars for research and for decisions
  about individuals).
- McDonald's omega total from a one-factor model. Alpha assumes every item measures the
  construct equally well (tau-equivalence) and underestimates reliability when they do not;
  omega does not assume it. Both describe the same score, the one trackfit uses: the plain
  mean of the construct's items as answered (reverse-keyed items reversed), so each item
  counts with its own variance and omega equals alpha for tau-equivalent items. An improper
  one-factor solution (a Heywood case: an item whose communality reaches 1, i.e. whose unique
  variance would be negative) or a factoring that does not settle is reported with omega,
  never hidden.
- Item statistics: the corrected item-total correlation (an item against the sum of the
  others; under .30 the item adds little, under 0 it works against the scale, typically a
  missed reverse key), alpha if the item were deleted, floor and ceiling shares (answers
  piled at one end of the scale cannot tell people apart) and the share left unanswered.

Alpha, omega, item-total correlations and alpha-if-deleted use the listwise-complete rows of
a construct's items (people who answered all of them); floor, ceiling and missing shares use
every row. Responses with a response-quality flag are left out, as they are from training.
Everything is computed with numpy (and scipy's F distribution for the interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import f as f_distribution
from scipy.stats import norm

from recommender.answer.scoring import scoring_layout
from recommender.pack.loading import Pack

# (light, lowest alpha that earns it), best first: red under .70, amber .70-.79, green .80 up.
TRAFFIC_LIGHTS = (("green", 0.80), ("amber", 0.70), ("red", float("-inf")))
# An item whose corrected item-total correlation is under this adds little to its scale.
WEAK_ITEM = 0.30

MIN_ROWS = 3  # complete rows needed before any reliability statistic is reported
MIN_OMEGA_ITEMS = 3  # a one-factor model is not identified with fewer items
# Two items people answer alike most of the time may match in every row of a few by chance; in
# every one of 30 different responses, they are copies
MIN_COPY_ROWS = 30
HEYWOOD_CEILING = 0.999  # a communality this high is a Heywood case, held here and reported
# Weak items make the factoring creep (linear convergence): a few thousand steps at 1e-8.
PAF_TOLERANCE, PAF_MAX_ITERATIONS = 1e-8, 10_000
DIGITS = 4
# Omega's interval: a percentile bootstrap of the complete responses, seeded so that the page
# says the same each time it is drawn; an interval from fewer usable resamples is not given
OMEGA_RESAMPLES, OMEGA_SEED, MIN_USABLE_RESAMPLES = 200, 2026, 180
# Beyond this many complete responses, omega's interval is drawn from a seeded sample of this
# many and narrowed by sqrt(sample / all) around the omega of all of them (the m-out-of-n
# bootstrap, sound for a smooth statistic such as omega): a file of 170,000 rows took 3.5 s a
# construct, and the quality page over a minute; an interval from 10,000 people is 0.1 s.
OMEGA_BOOTSTRAP_PEOPLE = 10_000
INTERVAL = 0.95  # every interval on the page: alpha's (Feldt) set the level
# a resample's factoring stops when communalities move less than this, or after so many steps
# (weak items creep: its last estimate, far closer than the interval is wide); resamples are
# factored together, as many as keep their weights (resamples by people) to this many numbers
RESAMPLE_TOLERANCE, RESAMPLE_MAX_ITERATIONS, WEIGHTS_AT_ONCE = 1e-6, 300, 1_000_000


def cronbach_alpha(scored: np.ndarray) -> float:
    """Cronbach's alpha of an (n people, k items) matrix of scored answers.

    `scored` has reverse-keyed items already reversed. Only listwise-complete rows (no NaN)
    are used. alpha = k / (k - 1) * (1 - sum of item variances / variance of the total),
    variances with ddof=1. Raises ValueError with fewer than 2 items or 2 complete rows, or
    when the total has no variance.
    """
    complete = _complete_rows(scored)
    n, k = complete.shape
    if k < 2:
        raise ValueError("alpha needs at least 2 items")
    if n < 2:
        raise ValueError("alpha needs at least 2 complete rows")
    total_variance = complete.sum(axis=1).var(ddof=1)
    if not total_variance > 0:
        raise ValueError("the total score has no variance")
    item_variances = complete.var(axis=0, ddof=1).sum()
    return float(k / (k - 1) * (1.0 - item_variances / total_variance))


def alpha_interval(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt's (1965) confidence interval for Cronbach's alpha from n people and k items.

    (1 - population alpha) / (1 - alpha) follows an F distribution with n - 1 and
    (n - 1)(k - 1) degrees of freedom, so with F_p its p-quantile and a = 1 - level:
    lower = 1 - (1 - alpha) F_{1 - a/2}, upper = 1 - (1 - alpha) F_{a/2}; lower <= alpha <= upper.
    """
    if n < 2 or k < 2:
        raise ValueError("the interval needs at least 2 rows and 2 items")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    tail = (1.0 - level) / 2.0
    df_people, df_residual = n - 1, (n - 1) * (k - 1)
    upper_f = f_distribution.ppf(1.0 - tail, df_people, df_residual)
    lower_f = f_distribution.ppf(tail, df_people, df_residual)
    return float(1.0 - (1.0 - alpha) * upper_f), float(1.0 - (1.0 - alpha) * lower_f)


@dataclass(frozen=True)
class OmegaFit:
    """McDonald's omega of the raw item sum and how far the one-factor model behind it can be
    trusted: the items whose communality reached 1 (Heywood cases) and whether the factoring
    converged."""

    omega: float
    loadings: np.ndarray  # on the items' own scales
    unique_variances: np.ndarray
    heywood: tuple[int, ...]  # item columns
    converged: bool


def fit_omega(scored: np.ndarray, *, max_iterations: int = PAF_MAX_ITERATIONS) -> OmegaFit:
    """McDonald's omega total of the unit-weighted sum (or mean) of the raw scored items.

    A one-factor model is fitted by iterated principal axis factoring on the items'
    correlation matrix: communalities start at the squared multiple correlations, the reduced
    matrix's first eigenvector gives the loadings, and this repeats until communalities change
    by less than 1e-8 or `max_iterations` is reached. The standardised solution is put back on
    the items' own scales (loading_i = l_i s_i, unique variance_i = (1 - l_i^2) s_i^2, s_i the
    item's standard deviation), so that omega describes the same score as alpha:
    omega = (sum loadings)^2 / ((sum loadings)^2 + sum unique variances).
    A communality reaching `HEYWOOD_CEILING` (a Heywood case) is held there and its item is
    reported. Only listwise-complete rows are used. Raises ValueError with fewer than 3 items
    or 3 complete rows, or when an item has no variance.
    """
    complete = _complete_rows(scored)
    n, k = complete.shape
    if k < MIN_OMEGA_ITEMS:
        raise ValueError("omega needs at least 3 items")
    if n < MIN_ROWS:
        raise ValueError("omega needs at least 3 complete rows")
    spread = complete.std(axis=0, ddof=1)
    if not (spread > 0).all():
        raise ValueError("an item has no variance")
    standardised, heywood, converged = _one_factor_loadings(
        np.corrcoef(complete, rowvar=False), max_iterations
    )
    loadings = standardised * spread
    unique = (1.0 - standardised**2) * spread**2
    common = loadings.sum() ** 2
    return OmegaFit(float(common / (common + unique.sum())), loadings, unique, heywood, converged)


def mcdonald_omega(scored: np.ndarray) -> float:
    """The omega of `fit_omega`, without what it says about the fit."""
    return fit_omega(scored).omega


def construct_quality(
    raw: np.ndarray,
    scored: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    item_ids: Sequence[str],
) -> dict[str, Any]:
    """Reliability and item statistics of one construct's items.

    `raw` holds the answers as given and `scored` the same answers with reverse-keyed items
    reversed (low + high - raw), both (people, k items) with NaN where unanswered; `low` and
    `high` are the items' scale ends. Alpha, its Feldt interval, omega, corrected item-total
    correlations and alpha-if-deleted use the listwise-complete rows of `scored` ("n", of
    "responses" rows; "incomplete" rows skipped at least one item and are left out of them).
    Floor and ceiling are the shares of answered responses at the low and high end of the
    scale as answered (raw, so a reverse-keyed item's floor is people who disagreed with its
    wording); missing is the share of all rows left unanswered. The light follows the
    reported alpha. Alpha and omega both describe the raw item mean. Floats are rounded to 4
    decimals; a statistic that cannot be computed (fewer than 2 items, 3 complete rows, 3
    items for omega, or no variance) is None and "note" says why (None when everything was
    computed). "omega_problem" says why omega should not be trusted (a Heywood case, or a
    factoring that did not settle), or is None. An item every complete row answered alike is
    in "constant_items" and among the weak ones. Items whose scored answers are the same in
    every complete row, of at least MIN_COPY_ROWS different ones (one answer copied into
    several columns, or one question asked twice) are in "copied_items", each group in item
    order: alpha and omega count each copy as separate evidence, so both overstate the
    score's reliability.
    """
    raw = np.asarray(raw, dtype=float)
    scored = np.asarray(scored, dtype=float)
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    item_ids = list(item_ids)
    if raw.shape != scored.shape or raw.ndim != 2 or raw.shape[1] != len(item_ids):
        raise ValueError("raw and scored must both be (people, len(item_ids))")
    if low.shape != (len(item_ids),) or high.shape != (len(item_ids),):
        raise ValueError("low and high need one value per item")
    complete = _complete_rows(scored)
    n, k = complete.shape
    notes: list[str] = []
    alpha = alpha_ci = omega = omega_ci = omega_problem = None
    correlations = deleted = correlation_cis = deleted_cis = [None] * k
    if k < 2:
        notes.append("Alpha, omega and item-total correlations need at least 2 items.")
    elif n < MIN_ROWS:
        notes.append(f"Only {n} complete responses; at least {MIN_ROWS} are needed.")
    else:
        alpha, alpha_ci = _alpha_with_interval(complete, notes)
        omega, omega_ci, omega_problem = _omega(complete, item_ids, notes)
        correlations, deleted = _item_statistics(complete, item_ids, notes)
        correlation_cis = [_correlation_interval(r, n) for r in correlations]
        deleted_cis = [_alpha_if_deleted_interval(a, n, k) for a in deleted]
    # an item everyone answered alike tells nothing about the construct: weak, whatever else
    constant = [] if n < MIN_ROWS else [i for i in range(k) if np.ptp(complete[:, i]) == 0]
    # counted as people who answered differently: a file of few people repeated is no evidence
    distinct = _distinct_rows(complete) if n >= MIN_COPY_ROWS else 0
    copied = [] if distinct < MIN_COPY_ROWS else _copies(complete, item_ids, set(constant))
    answered = ~np.isnan(raw)
    counts = answered.sum(axis=0)
    floors = _shares((raw == low) & answered, counts)
    ceilings = _shares((raw == high) & answered, counts)
    missing = _shares(~answered, np.full(k, len(raw)))
    item_stats = [
        {
            "item": item_ids[i],
            "corrected_item_total": correlations[i],
            "corrected_item_total_ci": correlation_cis[i],
            "alpha_if_deleted": deleted[i],
            "alpha_if_deleted_ci": deleted_cis[i],
            "floor": floors[i],
            "ceiling": ceilings[i],
            "missing": missing[i],
        }
        for i in range(k)
    ]
    return {
        "n": n,
        "responses": len(raw),
        "incomplete": len(raw) - n,
        "items": k,
        "alpha": alpha,
        "alpha_ci": alpha_ci,
        "omega": omega,
        "omega_ci": omega_ci,
        "omega_problem": omega_problem,
        "light": None if alpha is None else _light(alpha),
        "item_stats": item_stats,
        "weak_items": [
            s["item"]
            for i, s in enumerate(item_stats)
            if _below(s["corrected_item_total"], WEAK_ITEM) or i in constant
        ],
        "constant_items": [item_ids[i] for i in constant],
        "copied_items": copied,
        "negative_items": [s["item"] for s in item_stats if _below(s["corrected_item_total"], 0)],
        "note": " ".join(notes) or None,
    }


def questionnaire_quality(pack: Pack, raw: np.ndarray, flagged: np.ndarray) -> dict[str, Any]:
    """`construct_quality` for every construct of `pack` that has items, in the pack's order.

    `raw` is the (people, scored items) answer matrix in `scoring_layout(pack).item_ids`
    order, NaN where unanswered; `flagged` is a bool per person, true where the response has
    a response-quality flag. Statistics use the unflagged rows only (flagged responses are
    left out of training too). Each item's statistics also carry its wording as "text".
    """
    layout = scoring_layout(pack)
    raw = np.asarray(raw, dtype=float)
    flagged = np.asarray(flagged, dtype=bool)
    if raw.ndim != 2 or raw.shape[1] != len(layout.item_ids):
        raise ValueError(f"raw must be (people, {len(layout.item_ids)}) in scoring layout order")
    if flagged.shape != (len(raw),):
        raise ValueError("flagged needs one value per row of raw")
    kept = raw[~flagged]
    scored = np.where(layout.reverse, layout.low + layout.high - kept, kept)
    items = pack.questionnaire.item_by_id
    constructs = {}
    for column, construct_id in enumerate(pack.questionnaire.construct_ids):
        members = np.flatnonzero(layout.constructs[:, column])
        if members.size == 0:
            continue
        ids = [layout.item_ids[i] for i in members]
        report = construct_quality(
            kept[:, members], scored[:, members], layout.low[members], layout.high[members], ids
        )
        for stats in report["item_stats"]:
            stats["text"] = items[stats["item"]].text
        constructs[construct_id] = report
    responses, count = len(raw), int(flagged.sum())
    return {
        "responses": responses,
        "flagged": count,
        "flagged_share": round(count / responses, DIGITS) if responses else None,
        "constructs": constructs,
    }


def _distinct_rows(complete: np.ndarray) -> int:
    """How many different rows: each row's bytes as one value (a complete row holds no NaN),
    a seventh of the time of `np.unique(axis=0)`."""
    rows = np.ascontiguousarray(complete, dtype=float) + 0.0  # -0.0 is 0.0's bytes too
    return len(np.unique(rows.view(np.dtype((np.void, rows.itemsize * rows.shape[1])))))


def _copies(complete: np.ndarray, item_ids: list[str], constant: set[int]) -> list[list[str]]:
    """Groups of two or more items (none of them constant) whose scored answers are the same
    in every complete row, each in item order."""
    groups: dict[bytes, list[str]] = {}
    for i in range(complete.shape[1]):
        if i not in constant:
            groups.setdefault(complete[:, i].tobytes(), []).append(item_ids[i])
    return [group for group in groups.values() if len(group) > 1]


def _complete_rows(scored: np.ndarray) -> np.ndarray:
    scored = np.asarray(scored, dtype=float)
    if scored.ndim != 2:
        raise ValueError("expected an (n people, k items) matrix")
    return scored[~np.isnan(scored).any(axis=1)]


def _alpha_with_interval(complete: np.ndarray, notes: list[str]):
    try:
        alpha = cronbach_alpha(complete)
    except ValueError:
        notes.append("The total score has no variance, so alpha cannot be computed.")
        return None, None
    low, high = alpha_interval(alpha, *complete.shape)
    return _round(alpha), [_round(low), _round(high)]


def _omega(
    complete: np.ndarray, item_ids: list[str], notes: list[str]
) -> tuple[float | None, list[float] | None, str | None]:
    """Rounded omega, its 95% interval and, when the one-factor model behind it is improper or
    unsettled, why it should not be trusted."""
    if complete.shape[1] < MIN_OMEGA_ITEMS:
        notes.append("Omega needs at least 3 items (a one-factor model is not identified).")
        return None, None, None
    try:
        fit = fit_omega(complete)
    except ValueError:
        notes.append("An item has no variance, so omega cannot be computed.")
        return None, None, None
    problems = []
    if fit.heywood:
        names = ", ".join(item_ids[i] for i in fit.heywood)
        problems.append(
            f"Heywood case: the one-factor model gives {names} a communality of 1 or more (a "
            "negative unique variance), which is impossible; it was held just below 1. The "
            "items may not measure one thing, or there are too few responses."
        )
    if not fit.converged:
        problems.append(
            f"The factoring did not settle within {PAF_MAX_ITERATIONS} iterations; omega is "
            "its last estimate."
        )
    return _round(fit.omega), omega_interval(complete, fit.omega), (" ".join(problems) or None)


def omega_interval(complete: np.ndarray, omega: float | None = None) -> list[float] | None:
    """Omega's 95% percentile bootstrap interval over the complete responses (OMEGA_RESAMPLES
    resamples, seeded), rounded; None when too few resamples can be fitted (an item with no
    variance in a resample of few people). The resamples are factored together. Of more than
    OMEGA_BOOTSTRAP_PEOPLE responses, a seeded sample of that many is resampled and its spread
    narrowed by sqrt(sample / all) around `omega`, the omega of all of them (computed when not
    given)."""
    rng = np.random.default_rng(OMEGA_SEED)
    complete = complete[np.lexsort(complete.T[::-1])]  # the same people in any order: the same
    if len(complete) > OMEGA_BOOTSTRAP_PEOPLE:
        values = _omegas_from_a_sample(complete, omega, rng)
    else:
        values = _resampled_omegas(complete, rng)
    if values is None:
        return None
    tail = 100 * (1 - INTERVAL) / 2
    low, high = np.percentile(values, [tail, 100 - tail])
    return [_round(low), _round(high)]


def _omegas_from_a_sample(
    complete: np.ndarray, omega: float | None, rng: np.random.Generator
) -> np.ndarray | None:
    """The m-out-of-n bootstrap: the omegas of resamples of a sample of m =
    OMEGA_BOOTSTRAP_PEOPLE people, each one's distance from the sample's own narrowed by
    sqrt(m / n) and set around the omega of all n."""
    n, m = len(complete), OMEGA_BOOTSTRAP_PEOPLE
    sample = complete[np.sort(rng.choice(n, m, replace=False))]
    try:
        centre = fit_omega(complete).omega if omega is None else omega
        own = fit_omega(sample).omega
    except ValueError:  # an item without variance in the sample
        return None
    values = _resampled_omegas(sample, rng)
    return None if values is None else centre + (values - own) * np.sqrt(m / n)


def _resampled_omegas(complete: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
    """Omega of OMEGA_RESAMPLES bootstrap resamples of the rows, those that could be fitted;
    None when fewer than MIN_USABLE_RESAMPLES could."""
    n = len(complete)
    omegas = []
    at_once = max(1, min(OMEGA_RESAMPLES, WEIGHTS_AT_ONCE // n))
    for first in range(0, OMEGA_RESAMPLES, at_once):
        count = min(at_once, OMEGA_RESAMPLES - first)
        # how often each person is drawn into each resample: weights, not copies of rows
        drawn = rng.integers(0, n, (count, n))
        weights = np.zeros((count, n))
        np.add.at(weights, (np.arange(count)[:, None], drawn), 1.0)
        omegas.append(_weighted_omegas(complete, weights))
    values = np.concatenate(omegas)
    values = values[np.isfinite(values)]
    return values if len(values) >= MIN_USABLE_RESAMPLES else None


def _weighted_omegas(complete: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Omega of each resample, given as weights over the rows (resamples, people); NaN where an
    item has no variance in it. Factored as `fit_omega` factors one sample, all at once, until
    each one's communalities move less than RESAMPLE_TOLERANCE."""
    n = weights.shape[1]
    means = weights @ complete / n
    squares = (weights @ (complete[:, :, None] * complete[:, None, :]).reshape(n, -1)).reshape(
        len(weights), *complete.shape[1:], complete.shape[1]
    ) / n
    covariance = (squares - means[:, :, None] * means[:, None, :]) * n / (n - 1)
    variances = np.diagonal(covariance, axis1=1, axis2=2)
    usable = (variances > 0).all(axis=1)
    spread = np.sqrt(variances[usable])
    correlation = covariance[usable] / (spread[:, :, None] * spread[:, None, :])
    communality, loadings, _ = _principal_axes(
        correlation, RESAMPLE_MAX_ITERATIONS, RESAMPLE_TOLERANCE
    )
    standardised = np.sign(loadings) * np.sqrt(communality)
    common = (standardised * spread).sum(axis=1) ** 2
    unique = ((1.0 - standardised**2) * spread**2).sum(axis=1)
    omegas = np.full(len(weights), np.nan)
    omegas[usable] = common / (common + unique)
    return omegas


def _correlation_interval(r: float | None, n: int) -> list[float] | None:
    """A correlation's 95% interval by Fisher's z (needs 4 people, and |r| below 1)."""
    if r is None or n < 4 or abs(r) >= 1:
        return None
    half = norm.ppf(0.5 + INTERVAL / 2) / np.sqrt(n - 3)
    return [_round(np.tanh(np.arctanh(r) - half)), _round(np.tanh(np.arctanh(r) + half))]


def _alpha_if_deleted_interval(alpha: float | None, n: int, k: int) -> list[float] | None:
    """Feldt's interval of alpha over the k - 1 items left when one is deleted."""
    if alpha is None or k - 1 < 2:
        return None
    return [_round(end) for end in alpha_interval(alpha, n, k - 1, INTERVAL)]


def _item_statistics(complete: np.ndarray, item_ids: list[str], notes: list[str]):
    """Corrected item-total correlations and alpha-if-deleted, all from one covariance matrix.

    For item i with covariance row sum s_i and total variance V = sum(C): the rest score
    (total minus item i) has variance V - 2 s_i + C_ii and covariance s_i - C_ii with item i;
    its item variances sum to trace(C) - C_ii.
    """
    k = complete.shape[1]
    cov = np.cov(complete, rowvar=False)
    own = np.diag(cov)
    row_sums = cov.sum(axis=1)
    rest_variance = cov.sum() - 2 * row_sums + own
    rest_items = np.trace(cov) - own
    # Floating-point cancellation can leave a tiny non-zero instead of an exact zero.
    scale = max(float(own.max()), 1.0) * 1e-12
    defined = (own > scale) & (rest_variance > scale)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (row_sums - own) / np.sqrt(own * rest_variance)
        deleted = (k - 1) / (k - 2) * (1 - rest_items / rest_variance) if k > 2 else None
    undefined = [item_ids[i] for i in np.flatnonzero(~defined)]
    if undefined:
        notes.append(
            "No item-total correlation for "
            + ", ".join(undefined)
            + " (the item or the rest of the scale has no variance)."
        )
    correlations = [_round(np.clip(r[i], -1, 1)) if defined[i] else None for i in range(k)]
    if deleted is None:
        notes.append("Alpha if deleted needs at least 3 items (2 left after deleting one).")
        return correlations, [None] * k
    if_deleted = [_round(deleted[i]) if rest_variance[i] > scale else None for i in range(k)]
    return correlations, if_deleted


def _one_factor_loadings(
    correlation: np.ndarray, max_iterations: int
) -> tuple[np.ndarray, tuple[int, ...], bool]:
    """Iterated principal axis factoring, one factor: standardised loadings summing to a
    positive number, the items held at `HEYWOOD_CEILING` and whether the iteration settled."""
    communality, loadings, settled = _principal_axes(
        correlation[None], max_iterations, PAF_TOLERANCE
    )
    communality, loadings = communality[0], loadings[0]
    heywood = tuple(int(i) for i in np.flatnonzero(communality >= HEYWOOD_CEILING))
    loadings = np.sign(loadings) * np.sqrt(communality)
    return (-loadings if loadings.sum() < 0 else loadings), heywood, bool(settled[0])


def _principal_axes(
    correlation: np.ndarray, max_iterations: int, tolerance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Iterated principal axis factoring, one factor, of a stack of correlation matrices
    (matrices, k, k): communalities start at the squared multiple correlations, each matrix's
    first eigenvector of its reduced matrix gives its loadings, and this repeats for those
    whose communalities still move by `tolerance` or more, at most `max_iterations` times.
    Each one's communalities (held at HEYWOOD_CEILING), loadings and whether it settled."""
    communality = np.clip(_squared_multiple_correlations(correlation), 0.0, HEYWOOD_CEILING)
    loadings = np.sqrt(communality)
    diagonal = np.arange(correlation.shape[-1])
    moving = np.arange(len(correlation))
    for _ in range(max_iterations):
        if not moving.size:
            break
        reduced = correlation[moving]  # a copy: its diagonal is replaced
        reduced[:, diagonal, diagonal] = communality[moving]
        values, vectors = np.linalg.eigh(reduced)
        loadings[moving] = vectors[:, :, -1] * np.sqrt(np.maximum(values[:, -1], 0.0))[:, None]
        updated = np.clip(loadings[moving] ** 2, 0.0, HEYWOOD_CEILING)
        still = np.abs(updated - communality[moving]).max(axis=1) >= tolerance
        communality[moving] = updated
        moving = moving[still]
    settled = np.ones(len(correlation), dtype=bool)
    settled[moving] = False
    return communality, loadings, settled


def _squared_multiple_correlations(correlation: np.ndarray) -> np.ndarray:
    """1 - 1 / diag(R^-1) of each matrix of a stack; the largest absolute correlation of those
    (near) singular."""
    identity = np.eye(correlation.shape[-1])
    conditioned = np.linalg.cond(correlation) < 1e10
    inverse = np.linalg.inv(np.where(conditioned[:, None, None], correlation, identity))
    off_diagonal = np.abs(correlation - identity).max(axis=-1)
    return np.where(
        conditioned[:, None], 1.0 - 1.0 / np.diagonal(inverse, axis1=1, axis2=2), off_diagonal
    )


def _shares(hits: np.ndarray, counts: np.ndarray) -> list[float | None]:
    totals = hits.sum(axis=0)
    return [_round(totals[i] / counts[i]) if counts[i] else None for i in range(len(counts))]


def _light(alpha: float) -> str:
    return next(light for light, lowest in TRAFFIC_LIGHTS if alpha >= lowest)


def _below(value: float | None, threshold: float) -> bool:
    return value is not None and value < threshold


def _round(value: float) -> float:
    return round(float(value), DIGITS)
