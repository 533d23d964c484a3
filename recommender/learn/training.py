"""Training the track model from outcomes: one calibrated additive model per track, its
capacity chosen by the data, with a posterior for the intervals.

For each track, only the people who took that track tell us about success on it (a
T-learner). Each feature enters through a piecewise-linear shape with knots at its quantiles;
how many knots (2, a straight line, up to 5) and how strongly the shapes are pulled toward
zero (L2, on standardised hinge columns, so only bends beyond a straight line and slopes are
penalised) are chosen per track by cross-validated log-loss on the training rows alone. Of
the knot counts, the simplest within two standard errors of the best (one from 2,000 people
on the track) is kept, so that small data get straight lines unless bends clearly pay.
Platt scaling fitted on the chosen configuration's out-of-fold scores calibrates the model
and is folded into the shapes, which keeps the model additive and its explanations exact
(see `recommender.track_model`).
The spread of the fitted model is its posterior: the Laplace approximation of the penalised
fit (the L2 penalty is a normal prior with variance C on each standardised coefficient).

Given a prior model (the active version, when it reads the same features), the search also
tries shrinking toward it: the prior's log-odds become an offset, so the penalty pulls the
shapes toward the prior's rather than toward zero, and the L2 strength sets how hard. Whether
to shrink toward it at all is chosen the same way as the knots (cross-validated log-loss,
"none" kept unless the prior pays), so a prior that does not fit these people is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from recommender.answer.features import feature_matrix, pack_features
from recommender.answer.profile import ProfileBatch
from recommender.answer.track_model import TrackModel, Uncertainty, pair_products, sigmoid
from recommender.learn.comparison import scored_alone
from recommender.learn.measurement import feature_reliability
from recommender.pack.framework import TRACK_IDS

KNOT_CHOICES = (2, 3, 5)  # nested quantile grids: a straight line, then 2 and 4 pieces
PLATT_SLOPE_SD = 0.5
NEGLIGIBLE_LOG_LOSS = 1e-3
# Context that may or may not bear on success; the search keeps them only when they pay.
OPTIONAL_FEATURES = (
    "context.years_at_level",
    "context.direct_reports",
    "context.current_grade",
    "context.managing_now",
)  # per person: a gain below this is no reason for more knots
# 17 strengths, four to a decade: on 5-10 training samples of 300 people the grid of 9 (two
# to a decade) lost 0.004-0.014 of gain to this one on three truths (the penalty picked from
# two to a decade lands further from the best), and nothing at 1,000 people
C_GRID = tuple(float(c) for c in np.logspace(-3, 1, 17))
PATH_PATIENCE = 2  # weaker penalties tried after the cross-validated loss stops improving
# None, halfway or all the way toward the prior model (simplest first). Halfway was added on
# 5 December 2026: on an outside simulation whose success differs from the bundled version's
# world, 300 people gained 0.059 of gain over 10 samples (0.087 to 0.438 in one, where
# neither end paid and a constant manager model sent 93% to management), and on the
# thresholds truth coverage rose from 0.82, 0.67 and 0.53 to 0.92, 0.79 and 0.58 at 300,
# 1,000 and 4,000 people with the same gain (README, "Retraining toward the active version").
PRIOR_WEIGHTS = (0.0, 0.5, 1.0)
# Interactions: the products of two answered scales (constructs and competencies), around
# their medians. The pairs whose products the chosen shapes explain least (the score test:
# residual times product, squared, over its information), 1, 2 or 4 of them, join those
# shapes as straight lines; how many, if any, is chosen by cross-validated log-loss with the
# rule knots are chosen by, the pairs that judge picked on each fold's own rows.
PAIRED_FEATURES = ("constructs.", "competencies.")
PAIR_COUNTS = (1, 2, 4)
FOLDS = 5
LARGE_FOLDS, LARGE_ROWS = 3, 5000  # from this many rows, 3 folds judge as steadily as 5
SELECTION_ROWS = 10000  # per track; beyond this the choice of capacity no longer moves
# The simplest configuration whose loss is within this many standard errors (of the paired
# per-person difference) of the best is kept: SMALL_TRACK_ERRORS on a track of fewer than
# SMALL_TRACK people. That error treats each fold's fit as fixed and the best of several
# configurations as if it were the only one tried, which on few people is too lenient: on a
# straight-line truth with about 170 people on a track, one error picked knots in 3 of 10
# training samples (each costing up to 0.05 of gain), two in none. On many people the fits
# hardly move between folds, and real bends blurred by measurement are worth 1-2 errors:
# on 16,000 people of the thresholds truth two errors dropped the knots and 0.02 of gain.
SELECTION_ERRORS, SMALL_TRACK_ERRORS, SMALL_TRACK = 1.0, 2.0, 2000
CALIBRATION_BINS = 10
# prior sd 0.3 per standardised coefficient: 0.3 in log-odds per standard deviation of a
# feature, the size of the effects a career questionnaire can plausibly have
PRIOR_VARIANCE_FLOOR = 0.09
# With the capacity search a few dozen people give a straight line: one fit needs 20 people
# and 3 of each outcome on a track. An outcome file needs 25 and 5, so that every training
# share of 5-fold cross-fitting keeps at least 20 and 4.
MIN_ROWS_PER_TRACK, MIN_EACH_OUTCOME = 25, 5
FIT_ROWS_PER_TRACK, FIT_EACH_OUTCOME = 20, 3


class TrainingDataTooSmall(ValueError):
    """Too few people, or only one outcome, on a track to learn anything."""


@dataclass
class TrainingResult:
    """The fitted model and what cross-validation says about it."""

    model: TrackModel
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Capacity:
    """One configuration the search can pick: knots per feature, whether the optional
    context features take part, whether the shapes shrink toward the prior model (weight 1),
    halfway (0.5) or toward zero (0), the L2 strength, and the interactions taken."""

    knots: int
    optional: bool
    c: float
    prior_weight: float = 0.0
    pairs: tuple[int, ...] = ()  # the candidate pairs taken (`candidate_pairs`), if any


def place_knots(column: np.ndarray, count: int = KNOT_CHOICES[-1]) -> np.ndarray:
    """Knots for one feature: its distinct values when no more than `count`, else `count`
    evenly spaced quantiles (grids for 2, 3 and 5 nest, so every shape the search can
    pick is exactly a shape on the finest grid)."""
    values = column[~np.isnan(column)]
    if values.size == 0:
        return np.array([0.0, 1.0])
    distinct = np.unique(values)
    if distinct.size <= count:
        knots = distinct
    else:
        knots = np.unique(np.quantile(values, np.linspace(0.0, 1.0, count)))
    if knots.size == 1:
        knots = np.array([knots[0], knots[0] + 1.0])
    return knots.astype(float)


def hinge_columns(filled: np.ndarray, knots: tuple[np.ndarray, ...]) -> np.ndarray:
    """The piecewise-linear basis as hinges: per feature the value (held within its end
    knots) and one bend at each inner knot; the same functions as `np.interp` over knots."""
    columns = []
    for j, feature_knots in enumerate(knots):
        value = np.clip(filled[:, j], feature_knots[0], feature_knots[-1])
        columns.append(value)
        columns.extend(np.maximum(value - knot, 0.0) for knot in feature_knots[1:-1])
    return np.column_stack(columns)


def blank_columns(features: np.ndarray, knots: tuple[np.ndarray, ...]) -> np.ndarray:
    """Where a blank stands in the hinge columns of `knots`: each column's mean over the
    people who gave its feature (a shape's value there is the mean of theirs), or the
    column at 0 for a feature nobody gave."""
    raw = hinge_columns(features, knots)
    given = ~np.isnan(raw)
    total = np.where(given, raw, 0.0).sum(axis=0)
    count = given.sum(axis=0)
    nobody = hinge_columns(np.zeros((1, len(knots))), knots)[0]
    return np.where(count > 0, total / np.maximum(count, 1), nobody)


@dataclass(frozen=True)
class _Design:
    """Standardised hinge columns for one knot grid, and the way back to knot heights."""

    knots: tuple[np.ndarray, ...]
    mean: np.ndarray
    scale: np.ndarray
    fixed: np.ndarray  # columns with no spread on these rows: nothing to learn, weight 0
    blank: np.ndarray  # the raw columns of a blank value (`blank_columns`)

    @classmethod
    def build(
        cls,
        features: np.ndarray,
        knots: tuple[np.ndarray, ...],
        blank: np.ndarray,
        dropped: np.ndarray | None = None,
    ) -> _Design:
        """The design over `features` (NaN where a person gave none: `blank` stands in);
        features marked `dropped` take no part (weight zero)."""
        raw = cls._raw(features, knots, blank)
        fixed = np.ptp(raw, axis=0) == 0
        if dropped is not None:
            owner = np.repeat(np.arange(len(knots)), [max(k.size - 1, 1) for k in knots])
            fixed |= dropped[owner]
        scale = np.where(fixed, 1.0, raw.std(axis=0))
        return cls(knots, raw.mean(axis=0), scale, fixed, blank)

    @staticmethod
    def _raw(features: np.ndarray, knots: tuple[np.ndarray, ...], blank: np.ndarray):
        raw = hinge_columns(features, knots)
        return np.where(np.isnan(raw), blank, raw)

    def matrix(self, features: np.ndarray) -> np.ndarray:
        standardised = (self._raw(features, self.knots, self.blank) - self.mean) / self.scale
        standardised[:, self.fixed] = 0.0
        return standardised

    def heights(
        self, weights: np.ndarray, intercept: np.ndarray, grid: tuple[np.ndarray, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Shape heights at every knot of `grid` (a refinement of this design's knots) and the
        intercept, for rows of weights (refits x columns): the same function, exactly."""
        weights = np.atleast_2d(weights)
        scaled = weights / self.scale
        intercepts = np.atleast_1d(intercept) - scaled @ self.mean
        heights, start = [], 0
        for own, fine in zip(self.knots, grid, strict=True):
            at = np.column_stack(
                [np.clip(fine, own[0], own[-1])]
                + [np.maximum(np.clip(fine, own[0], own[-1]) - k, 0.0) for k in own[1:-1]]
            )
            stop = start + at.shape[1]
            heights.append(scaled[:, start:stop] @ at.T)
            start = stop
        return np.hstack(heights), intercepts

    def height_covariance(self, covariance: np.ndarray, grid: tuple[np.ndarray, ...]) -> np.ndarray:
        """The covariance of (intercept, weights) carried to (intercept, heights on grid)."""
        heights, intercepts = self.heights(np.eye(self.mean.size), np.zeros(self.mean.size), grid)
        linear = np.zeros((1 + heights.shape[1], 1 + self.mean.size))
        linear[0, 0] = 1.0
        linear[0, 1:] = intercepts
        linear[1:, 1:] = heights.T
        return linear @ covariance @ linear.T


def fit_track_model(
    features: np.ndarray,
    feature_names: tuple[str, ...],
    track_taken: np.ndarray,
    success: np.ndarray,
    *,
    seed: int = 0,
    reliability: np.ndarray | None = None,
    prior: Prior | None = None,
    search_intervals: bool = False,
) -> TrainingResult:
    """Choose each track's capacity, fit both calibrated models with their posteriors, and
    report cross-validated metrics. `reliability` (per feature, 1 = measured without
    error) sets the measurement part of the intervals; None takes every feature as exact.
    `prior` (a model reading the same features) is a shape the search may shrink toward.
    `search_intervals`: the cross-validated metrics with their bootstrap intervals, for the
    version published (a second or two a track; the cross-fitted folds and the evaluation's
    fits, which are not published, do without)."""
    shortfalls = training_shortfalls(
        track_taken, success, rows=FIT_ROWS_PER_TRACK, each=FIT_EACH_OUTCOME
    )
    if shortfalls:
        raise TrainingDataTooSmall(". ".join(shortfalls))
    fill = np.array([np.nanmedian(col) if np.any(~np.isnan(col)) else 0.0 for col in features.T])
    if prior is not None and prior.model.input_names != tuple(feature_names):
        raise ValueError(f"the prior {prior.version} reads other features than these")
    prior_parts = _prior_parts(prior.model, features) if prior else None
    optional = np.array([name in OPTIONAL_FEATURES for name in feature_names])
    grids = {
        k: tuple(place_knots(features[:, j], k) for j in range(features.shape[1]))
        for k in KNOT_CHOICES
    }
    # a blank stands at the mean of the people who gave the feature, on either track
    blanks = {k: blank_columns(features, grid) for k, grid in grids.items()}
    pairs = candidate_pairs(feature_names, fill, prior.model if prior else None)
    choices, prior_log_odds = {}, {}
    for track in TRACK_IDS:
        rows = track_taken == track
        prior_log_odds[track] = None
        if prior is not None:
            prior_log_odds[track] = prior.model.intercepts[track] + prior_parts[track][rows].sum(
                axis=1
            )
        choices[track] = select_capacity(
            features[rows],
            success[rows].astype(int),
            grids,
            optional,
            seed,
            blanks=blanks,
            prior_log_odds=prior_log_odds[track],
            pairs=pairs,
        )
    # the pairs either track took, and those of a prior the search shrank toward, are the
    # model's
    joined = any(choice[0].prior_weight for choice in choices.values())
    taken = sorted(
        {p for choice in choices.values() for p in choice[0].pairs}
        | (set(pairs.prior_index) if joined else set())
    )
    products = pairs.products(features, taken)
    columns = np.hstack([features, products])
    pair_grid = tuple(place_knots(column, 2) for column in products.T)
    column_grids = {k: grid + pair_grid for k, grid in grids.items()}
    column_blanks = {k: blank_columns(columns, grid) for k, grid in column_grids.items()}
    fits, metrics = {}, {"tracks": {}}
    for track in TRACK_IDS:
        rows = track_taken == track
        capacity = choices[track][0]
        unused = np.array([p not in capacity.pairs for p in taken], dtype=bool)
        dropped = np.concatenate([optional & (not capacity.optional), unused])
        fits[track] = _fit_track(
            columns[rows],
            success[rows].astype(int),
            choice=choices[track],
            grid=column_grids[capacity.knots],
            blank=column_blanks[capacity.knots],
            dropped=dropped,
            seed=seed,
            prior_log_odds=prior_log_odds[track],
            intervals=search_intervals,
        )
        metrics["tracks"][track] = fits[track].metrics
        metrics["tracks"][track]["pairs"] = [pairs.names[p] for p in capacity.pairs]
        if prior is not None:
            metrics["tracks"][track]["prior"] = prior.version
    model = _assembled(
        fits,
        pairs,
        taken,
        features=features,
        fill=fill,
        products=products,
        track_taken=track_taken,
        feature_names=feature_names,
        reliability=reliability,
        prior=prior,
    )
    spread = model.uncertainty.measurement_variance
    metrics["rows"] = len(success)
    metrics["measurement_variance"] = {t: round(v, 4) for t, v in spread.items()}
    return TrainingResult(model, metrics)


def _assembled(
    fits: dict[str, _TrackFit],
    pairs: CandidatePairs,
    taken: list[int],
    *,
    features: np.ndarray,
    fill: np.ndarray,
    products: np.ndarray,
    track_taken: np.ndarray,
    feature_names: tuple[str, ...],
    reliability: np.ndarray | None,
    prior: Prior | None,
) -> TrackModel:
    """The two tracks' fits as one model over the features and the pairs `taken`: shapes on
    one grid (the prior's joined in where a fit shrank toward it), blanks at the mean of the
    people who gave them, and the spreads behind the intervals."""
    filled = np.where(np.isnan(features), fill, features)
    grid = tuple(
        np.union1d(fits["ic"].design.knots[j], fits["manager"].design.knots[j])
        for j in range(features.shape[1] + len(taken))
    )
    prior_column = pairs.prior_columns(taken, features.shape[1])
    if any(fitted.prior_scale for fitted in fits.values()):  # the prior's shapes join in
        grid = tuple(
            knots
            if j not in prior_column
            else np.union1d(knots, prior.model.knots[prior_column[j]])
            for j, knots in enumerate(grid)
        )
    shapes, intercepts, covariance = {}, {}, {}
    splits = np.cumsum([k.size for k in grid])[:-1]
    for track, fitted in fits.items():
        heights, intercept = fitted.design.heights(fitted.weights, fitted.intercept, grid)
        shapes[track] = tuple(np.split(heights[0], splits))
        intercepts[track] = float(intercept[0])
        if fitted.prior_scale:
            # the prior's shapes, carried by the fit's calibration, are part of the model
            shapes[track] = tuple(
                own
                if j not in prior_column
                else own
                + fitted.prior_scale
                * np.interp(
                    at,
                    prior.model.knots[prior_column[j]],
                    prior.model.shapes[track][prior_column[j]],
                )
                for j, (own, at) in enumerate(zip(shapes[track], grid, strict=True))
            )
            intercepts[track] += fitted.prior_scale * prior.model.intercepts[track]
        covariance[track] = fitted.design.height_covariance(fitted.covariance, grid)
    names = tuple(feature_names) + tuple(pairs.names[p] for p in taken)
    # a pair nobody here gave both scales of (the prior's, say) stands at 0, as a feature does
    pair_fill = [np.nanmedian(c) if np.any(~np.isnan(c)) else 0.0 for c in products.T]
    column_fill = np.concatenate([fill, pair_fill])
    provisional = TrackModel(
        names,
        grid,
        shapes,
        intercepts,
        column_fill,
        np.zeros(len(names)),
        pair_inputs=pairs.inputs[taken] if taken else None,
        pair_centres=pairs.centres[taken] if taken else None,
    )
    provisional = provisional.with_blanks_at_mean_of(features)
    parts = provisional.contributions(features)
    centre = (parts["manager"] - parts["ic"]).mean(axis=0)
    filled_columns = provisional.columns(filled)
    column_reliability = pairs.reliability(reliability, taken)
    by_feature = {
        track: measurement_spreads(
            parts[track][track_taken == track],
            filled_columns[track_taken == track],
            column_reliability,
        )
        for track in TRACK_IDS
    }
    spread = {track: sum(by_feature[track].tolist(), 0.0) for track in TRACK_IDS}
    uncertainty = Uncertainty(covariance, spread, measurement_by_feature=by_feature)
    model = replace(provisional, centre=centre, uncertainty=uncertainty)
    within, across = model.spread_when_missing(features)
    model = replace(
        model,
        uncertainty=replace(
            uncertainty, missing_covariance=within, missing_cross_covariance=across
        ),
    )
    return model


def _prior_parts(model: TrackModel, features: np.ndarray) -> dict[str, np.ndarray]:
    """The prior's contributions for these people, a blank standing at the mean of the
    contributions of the people here who gave the feature, as the fit's own shapes do."""
    columns = model.columns(features)
    parts = model.contributions(np.where(np.isnan(columns), model.fill, columns))
    given = ~np.isnan(columns)
    count = np.maximum(given.sum(axis=0), 1)
    for track, part in parts.items():
        mean = np.where(given, part, 0.0).sum(axis=0) / count
        parts[track] = np.where(given, part, mean)
    return parts


@dataclass(frozen=True)
class CandidatePairs:
    """Every pair of answered scales the search may take as an interaction, then any other
    pair the prior holds (in its own order, or of context: it joins the model with the prior's
    shapes, and is a candidate like the rest): the two features' indices, the centres their
    product is taken around (the prior's, for a pair the prior holds, so that the two are one
    column; else the training medians), and names."""

    inputs: np.ndarray  # (pairs x 2) whole numbers
    centres: np.ndarray  # (pairs x 2)
    names: tuple[str, ...]
    prior_index: dict[int, int]  # candidate -> the prior's column for it

    def products(self, features: np.ndarray, taken: list[int] | None = None) -> np.ndarray:
        """(people x candidates, or the candidates `taken`) the products, blank where either
        feature is."""
        chosen = slice(None) if taken is None else np.asarray(taken, dtype=np.int64)
        return pair_products(features, self.inputs[chosen], self.centres[chosen])

    def prior_columns(self, taken: list[int], inputs: int) -> dict[int, int]:
        """The prior's column for each of the model's columns it has (the inputs, and the
        pairs `taken` it holds)."""
        columns = {j: j for j in range(inputs)}
        for position, candidate in enumerate(taken):
            if candidate in self.prior_index:
                columns[inputs + position] = self.prior_index[candidate]
        return columns

    def reliability(self, reliability: np.ndarray | None, taken: list[int]) -> np.ndarray | None:
        """Per column, the reliability of its score: a product's is the product of its two
        features' (for independent errors around the centres, to first order)."""
        if reliability is None or not taken:
            return reliability
        pairs = self.inputs[taken]
        return np.concatenate([reliability, reliability[pairs[:, 0]] * reliability[pairs[:, 1]]])


def candidate_pairs(
    feature_names: tuple[str, ...], fill: np.ndarray, prior: TrackModel | None
) -> CandidatePairs:
    """The pairs of answered scales (PAIRED_FEATURES) the search may take, in order."""
    answered = [j for j, name in enumerate(feature_names) if name.startswith(PAIRED_FEATURES)]
    inputs = np.array(
        [(a, b) for i, a in enumerate(answered) for b in answered[i + 1 :]], dtype=np.int64
    ).reshape(-1, 2)
    centres = fill[inputs].astype(float) if inputs.size else np.zeros((0, 2))
    prior_index = {}
    if prior is not None and prior.pair_inputs is not None:
        index = {tuple(pair): candidate for candidate, pair in enumerate(inputs.tolist())}
        extra = []
        for k, pair in enumerate(prior.pair_inputs.tolist()):
            candidate = index.get(tuple(pair))
            if candidate is None:  # not one of ours: the prior's all the same
                candidate = len(inputs) + len(extra)
                extra.append(pair)
                centres = np.vstack([centres, prior.pair_centres[k]])
            else:
                centres[candidate] = prior.pair_centres[k]
            prior_index[candidate] = prior.input_count + k
        if extra:
            inputs = np.vstack([inputs, np.array(extra, dtype=np.int64)])
    names = tuple(f"{feature_names[a]}*{feature_names[b]}" for a, b in inputs.tolist())
    return CandidatePairs(inputs, centres, names, prior_index)


@dataclass(frozen=True)
class Prior:
    """A model the search may shrink toward, and the version it is."""

    model: TrackModel
    version: str


def usable_rows(profiles: ProfileBatch) -> np.ndarray:
    """People whose responses carry no quality flag (their answers may not reflect them)."""
    return ~profiles.flagged


def fit_on_profiles(
    profiles: ProfileBatch,
    track_taken: np.ndarray,
    success: np.ndarray,
    rows: np.ndarray | None = None,
    *,
    seed: int = 0,
    prior: Prior | None = None,
    search_intervals: bool = False,
) -> TrainingResult:
    """The track model learnt from the given rows of scored people (default: every usable
    one), with the reliability of its scales measured on the same rows; `prior` and
    `search_intervals` as in `fit_track_model`."""
    rows = usable_rows(profiles) if rows is None else rows
    names = tuple(feature.name for feature in pack_features(profiles.pack))
    return fit_track_model(
        feature_matrix(profiles)[rows],
        names,
        track_taken[rows],
        success[rows],
        seed=seed,
        reliability=feature_reliability(profiles, rows),
        prior=prior,
        search_intervals=search_intervals,
    )


def measurement_spreads(
    parts: np.ndarray, filled: np.ndarray, reliability: np.ndarray | None
) -> np.ndarray:
    """Per feature, the spread of the true log-odds its score leaves: the shape's overall
    slope b and the score's reliability r give b^2 var(x) (1 - r) / r (classical test theory:
    the fitted slope is the true one attenuated by r, and the true standing varies by
    (1 - r) var(true) around what the score says). Features measured without error add
    nothing; the measurement spread of a person who answered everything is the sum."""
    spreads = np.zeros(filled.shape[1])
    if reliability is None:
        return spreads
    for j, r in enumerate(reliability):
        if not 0 < r < 1:
            continue
        x = filled[:, j]
        variance = x.var()
        if variance <= 0:
            continue
        slope = np.cov(parts[:, j], x, bias=True)[0, 1] / variance
        spreads[j] = slope**2 * variance * (1.0 - r) / r
    return spreads


@dataclass
class _TrackFit:
    design: _Design
    weights: np.ndarray
    intercept: float
    covariance: np.ndarray  # of (intercept, weights)
    metrics: dict[str, Any]
    prior_scale: float = 0.0  # the prior's log-odds enter the model times this


def track_shortfall(
    track: str,
    y,
    rows: int = MIN_ROWS_PER_TRACK,
    each: int = MIN_EACH_OUTCOME,
    why: str = "",
    *,
    unread: int = 0,
) -> str | None:
    """Why the outcomes of one track's people are too few to learn from, or None; `why`, when
    given, says why there are so few (it follows the count). With `unread` more rows whose
    track or outcome is unknown, None when they could make up for it, were they all of this
    track, each with the outcome it lacks."""
    y = np.asarray(y, dtype=int)
    successes = int(y.sum())
    lacking = max(0, each - successes) + max(0, each - (y.size - successes))
    if y.size + unread >= rows and lacking <= unread:
        return None
    people = "1 person" if y.size == 1 else f"{y.size} people"
    return (
        f"track {track}: {people} with {successes} success{'' if successes == 1 else 'es'}"
        f"{why}; training needs at "
        f"least {rows} people who took the track, with at least "
        f"{each} successes and {each} failures"
    )


def training_shortfalls(
    track_taken: np.ndarray,
    success: np.ndarray,
    profiles: ProfileBatch | None = None,
    *,
    rows: int = MIN_ROWS_PER_TRACK,
    each: int = MIN_EACH_OUTCOME,
    unread: int = 0,
) -> list[str]:
    """Every track whose people are too few to learn from (fewer than `rows`, or fewer than
    `each` of an outcome), with the reason; empty when both have enough. Given the people's
    `profiles`, only usable rows count (`usable_rows`), and a track short of people says how
    many of its rows were left out and for which response-quality flags. With `unread` rows
    whose track or outcome is unknown (cells that do not read), a track is short only if it
    would be even were every one of them of that track, with whichever outcome it lacks."""
    track_taken = np.asarray(track_taken, dtype=object)
    success = np.asarray(success, dtype=int)
    usable = np.ones(success.size, dtype=bool) if profiles is None else usable_rows(profiles)
    reasons = []
    for track in TRACK_IDS:
        took = track_taken == track
        left_out, why = took & ~usable, ""
        if left_out.any():
            flags = ", ".join(
                f"{flag.replace('_', ' ')} {int((raised & left_out).sum())}"
                for flag, raised in profiles.flags.items()
                if (raised & left_out).any()
            )
            why = (
                f" ({int(left_out.sum())} of the {int(took.sum())} rows of this track left out "
                f"for response-quality flags: {flags})"
            )
        if unread:
            why += (
                f" (and the {unread} row{'' if unread == 1 else 's'} whose track_taken or "
                "success do not read could not make up for it)"
            )
        reason = track_shortfall(track, success[took & usable], rows, each, why, unread=unread)
        if reason is not None:
            reasons.append(reason)
    return reasons


def _fit_track(
    columns: np.ndarray,
    y: np.ndarray,
    *,
    choice: tuple[Capacity, np.ndarray, np.ndarray, list[dict[str, Any]]],
    grid: tuple[np.ndarray, ...],
    blank: np.ndarray,
    dropped: np.ndarray,
    seed: int,
    prior_log_odds: np.ndarray | None = None,
    intervals: bool = False,
) -> _TrackFit:
    """Calibrate the capacity chosen (`select_capacity`), fit it on every row over the
    model's columns (features, then pairs; those `dropped` weigh nothing), and take the
    posterior; with `intervals`, the search's own metrics with their bootstrap intervals."""
    chosen, judged, out_of_fold, search = choice
    design = _Design.build(columns, grid, blank, dropped)
    matrix = design.matrix(columns)
    slope, offset = _platt(out_of_fold, y[judged])
    shift = 0.0 if prior_log_odds is None else chosen.prior_weight * prior_log_odds
    final = penalised_logistic(matrix, y, chosen.c, offset=shift)
    weights = slope * final.weights
    intercept = slope * final.intercept + offset
    covariance = slope**2 * posterior_covariance(final, chosen.c)
    # a feature that never varied among this track's people says nothing about its effect:
    # its weight is zero by construction, not an uncertain estimate
    unlearnt = np.flatnonzero(np.r_[False, design.fixed])
    covariance[unlearnt, :] = 0.0
    covariance[:, unlearnt] = 0.0
    calibrated = sigmoid(slope * out_of_fold + offset)
    searched = {
        "cv_rows": int(judged.size),
        "cv_auc": round(float(roc_auc_score(y[judged], calibrated)), 4),
        "cv_brier": round(float(brier_score_loss(y[judged], calibrated)), 4),
    }
    if intervals:  # from resampling the people scored
        alone = scored_alone(y[judged], calibrated, seed=seed)
        searched["cv_auc_interval"] = alone["auc"]["candidate_interval"]
        searched["cv_brier_interval"] = alone["brier"]["candidate_interval"]
    return _TrackFit(
        design,
        weights,
        intercept,
        covariance,
        {
            "rows": int(y.size),
            "success_rate": round(float(y.mean()), 4),
            "knots": chosen.knots,
            "optional_context": chosen.optional,
            "regularisation_c": round(chosen.c, 6),
            **({} if prior_log_odds is None else {"prior_weight": chosen.prior_weight}),
            "search": search,
            **searched,
            "calibration": calibration_table(calibrated, y[judged]),
        },
        prior_scale=slope * chosen.prior_weight,
    )


def select_capacity(
    features: np.ndarray,
    y: np.ndarray,
    grids: dict[int, tuple],
    optional: np.ndarray,
    seed: int,
    *,
    blanks: dict[int, np.ndarray],
    prior_log_odds: np.ndarray | None = None,
    pairs: CandidatePairs | None = None,
) -> tuple[Capacity, np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """The capacity the data choose, the rows that chose it (all, or a stratified sample of
    SELECTION_ROWS), their out-of-fold scores (log-odds) there, and the search table.

    Every configuration (knots per feature; with or without the optional context features;
    toward zero or, given `prior_log_odds`, toward the prior) is fitted along the L2 path on
    each fold (warm-started from the stronger penalty, until the loss has risen twice past
    its best) and keeps its best strength;
    then the simplest configuration (fewest knots, then without the optional features) whose
    mean out-of-fold log-loss is within SELECTION_ERRORS standard errors (paired by person;
    SMALL_TRACK_ERRORS on a track of fewer than SMALL_TRACK people) of the best, or within
    a negligible 0.001 nats a person. Shrinking toward the prior or toward zero is not a
    matter of capacity (both are one penalty's centre): it is decided once, by the lower
    out-of-fold log-loss of the simplest configuration, and every other configuration is
    searched with the centre chosen there. Last, given candidate `pairs`, the configuration
    chosen gains as many as the same rule chooses (`_pairs_if_they_pay`), their products
    formed for the selection rows alone (171 pairs of 100,000 people would take 137 MB).
    """
    rows = _selection_rows(y, seed)
    x_rows, y_rows = features[rows], y[rows]
    prior_rows = np.zeros(rows.size) if prior_log_odds is None else prior_log_odds[rows]
    weights = (0.0,) if prior_log_odds is None else PRIOR_WEIGHTS
    count = LARGE_FOLDS if rows.size >= LARGE_ROWS else FOLDS
    folds = StratifiedKFold(
        n_splits=min(count, int(np.bincount(y_rows).min())), shuffle=True, random_state=seed
    )
    splits = list(folds.split(x_rows, y_rows))
    with_or_without = (False, True) if optional.any() else (False,)
    structures = [(k, o) for k in KNOT_CHOICES for o in with_or_without]
    best: dict[tuple[int, bool, float], tuple[float, np.ndarray, np.ndarray]] = {}

    def search(knots: int, with_optional: bool, weight: float) -> None:
        design = _Design.build(
            x_rows, grids[knots], blanks[knots], None if with_optional else optional
        )
        best[knots, with_optional, weight] = _penalty_path(
            design.matrix(x_rows), y_rows, weight * prior_rows, splits
        )

    # shrinking toward the prior adds no capacity: whether to is decided once, on the
    # simplest shapes, and the other shapes are searched with that pull
    for weight in weights:
        search(*structures[0], weight)
    pull = min(weights, key=lambda w: best[(*structures[0], w)][1].mean())
    for knots, with_optional in structures[1:]:
        search(knots, with_optional, pull)
    choices = list(best)
    overall = min(best, key=lambda choice: best[choice][1].mean())
    errors = SMALL_TRACK_ERRORS if y.size < SMALL_TRACK else SELECTION_ERRORS
    table, chosen = [], None
    for choice in choices:
        c, losses, _ = best[choice]
        difference = losses - best[overall][1]
        error = difference.std(ddof=1) / np.sqrt(difference.size)
        margin = max(errors * error, NEGLIGIBLE_LOG_LOSS)
        within = choice == overall or difference.mean() <= margin
        if chosen is None and within and choice[2] == pull:
            chosen = choice
        entry = {"knots": choice[0], "optional_context": choice[1]}
        if prior_log_odds is not None:
            entry["prior_weight"] = choice[2]
        table.append(entry | {"c": round(c, 6), "cv_log_loss": round(float(losses.mean()), 5)})
    assert chosen is not None
    capacity = Capacity(chosen[0], chosen[1], best[chosen][0], chosen[2])
    out_of_fold = best[chosen][2]
    if pairs is not None and pairs.names:
        knots, dropped = capacity.knots, None if capacity.optional else optional

        def matrix_of(x: np.ndarray) -> np.ndarray:
            return _Design.build(x, grids[knots], blanks[knots], dropped).matrix(x)

        capacity, out_of_fold = _pairs_if_they_pay(
            capacity,
            (best[chosen][1], out_of_fold),
            table,
            matrix=matrix_of(x_rows),
            y=y_rows,
            products=pairs.products(x_rows),
            splits=splits,
            shift=capacity.prior_weight * prior_rows,
            errors=errors,
        )
    return capacity, rows, out_of_fold, table


def _pairs_if_they_pay(
    capacity: Capacity,
    judged: tuple[np.ndarray, np.ndarray],
    table: list[dict[str, Any]],
    *,
    matrix: np.ndarray,
    y: np.ndarray,
    products: np.ndarray,
    splits: list,
    shift: np.ndarray,
    errors: float,
) -> tuple[Capacity, np.ndarray]:
    """The chosen `capacity` with as many pairs (of PAIR_COUNTS, or none) as the
    cross-validated log-loss chooses, by the rule knots are chosen by, and its out-of-fold
    log-odds (`judged`: the chosen configuration's per-person losses and log-odds). All on
    the selection rows: their design `matrix` for the chosen shapes, outcomes, the candidate
    pairs' `products` and the prior's offset `shift`; the pairs kept are ranked on all of
    them. The search table gains a row for each count."""
    losses, out_of_fold = judged
    searched = _pair_search(matrix, y, products, c=capacity.c, shift=shift, splits=splits)
    entry = {"knots": capacity.knots, "optional_context": capacity.optional}
    if "prior_weight" in table[0]:
        entry["prior_weight"] = capacity.prior_weight
    for count, (c, paired, _) in searched.items():
        loss = round(float(paired.mean()), 5)
        table.append(entry | {"pairs": count, "c": round(c, 6), "cv_log_loss": loss})
    count = _pair_count({0: losses} | {k: v[1] for k, v in searched.items()}, errors)
    if not count:
        return capacity, out_of_fold
    c, _, scores = searched[count]
    fit = penalised_logistic(matrix, y, capacity.c, offset=shift)
    taken = _strongest_pairs(products, y, sigmoid(shift + fit.log_odds(matrix)))[:count]
    return replace(capacity, c=c, pairs=tuple(sorted(int(p) for p in taken))), scores


def _pair_count(losses: dict[int, np.ndarray], errors: float) -> int:
    """How many pairs: of the per-person out-of-fold log-losses by count (0: none), the
    fewest whose mean is within `errors` paired standard errors (or a negligible 0.001 nats)
    of the lowest, the rule more knots must pass too."""
    best = min(losses, key=lambda count: losses[count].mean())
    for count in sorted(losses):
        difference = losses[count] - losses[best]
        error = difference.std(ddof=1) / np.sqrt(difference.size)
        if count == best or difference.mean() <= max(errors * error, NEGLIGIBLE_LOG_LOSS):
            return count
    return best


def _standardised(products: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Products scaled by their mean and spread over `rows` (all when None), a blank at 0."""
    fitted = products if rows is None else products[rows]
    given = ~np.isnan(fitted)
    count = np.maximum(given.sum(axis=0), 1)  # a product nobody gave: 0 everywhere
    mean = np.where(given, fitted, 0.0).sum(axis=0) / count
    scale = np.sqrt(np.where(given, (fitted - mean) ** 2, 0.0).sum(axis=0) / count)
    scale = np.where(scale > 0, scale, 1.0)
    return np.nan_to_num((products - mean) / scale)


def _strongest_pairs(products: np.ndarray, y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The candidates in the order the fitted chances `p` explain their products least, the
    first max(PAIR_COUNTS): the score statistic (sum of residual x product)^2 / (sum of
    p(1-p) x product^2)."""
    z = _standardised(products)
    score = ((y - p) @ z) ** 2 / np.maximum((p * (1.0 - p)) @ (z * z), 1e-12)
    return np.argsort(-score, kind="stable")[: max(PAIR_COUNTS)]


def _pair_search(
    matrix: np.ndarray, y: np.ndarray, products: np.ndarray, *, c: float, shift: np.ndarray, splits
) -> dict[int, tuple[float, np.ndarray, np.ndarray]]:
    """Per count of PAIR_COUNTS, the L2 path (`_penalty_path`) of the chosen configuration
    with that many pairs added, each fold's pairs picked on its own training rows (from the
    chosen configuration fitted there at strength `c`), so that the people who judge the
    pairs never chose them."""
    ranked = []
    for train, _ in splits:
        design = _with_intercept(matrix[train])
        fit = _newton(design, y[train], c, None, shift[train], posterior=False)
        p = sigmoid(shift[train] + fit.log_odds(matrix[train]))
        taken = _strongest_pairs(products[train], y[train], p)
        ranked.append(np.hstack([matrix, _standardised(products[:, taken], train)]))
    width = matrix.shape[1]
    return {
        count: _path_over_folds(
            [
                (wider[train, : width + count], wider[test, : width + count])
                for wider, (train, test) in zip(ranked, splits, strict=True)
            ],
            y,
            shift,
            splits,
        )
        for count in PAIR_COUNTS
        if count <= products.shape[1]  # a pack with fewer pairs tries as many as it has
    }


def _penalty_path(
    matrix: np.ndarray, y: np.ndarray, shift: np.ndarray, splits: list
) -> tuple[float, np.ndarray, np.ndarray]:
    """Walk the L2 path from the strongest penalty, each fold warm-started from its fit at
    the previous strength, until the mean out-of-fold log-loss has risen PATH_PATIENCE times
    in a row past its best (weaker penalties only overfit more); the best strength, its
    per-person losses and out-of-fold log-odds."""
    return _path_over_folds(
        [(matrix[train], matrix[test]) for train, test in splits], y, shift, splits
    )


def _path_over_folds(
    matrices: list[tuple[np.ndarray, np.ndarray]], y: np.ndarray, shift: np.ndarray, splits: list
) -> tuple[float, np.ndarray, np.ndarray]:
    """`_penalty_path` where each fold has its own (training, held-out) matrices."""
    fits = [None] * len(splits)
    # each fold's rows are taken out once, not at every strength
    folds = [
        (_with_intercept(train_matrix), y[train], shift[train], test_matrix)
        for (train_matrix, test_matrix), (train, _) in zip(matrices, splits, strict=True)
    ]
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    best_loss, rises = np.inf, 0
    for c in C_GRID:
        scores = np.zeros(y.size)
        for k, (_, test) in enumerate(splits):
            design, y_train, offset, held_out = folds[k]
            fits[k] = _newton(design, y_train, c, fits[k], offset, posterior=False)
            scores[test] = shift[test] + fits[k].log_odds(held_out)
        losses = _log_loss_rows(scores, y)
        if best is None or losses.mean() < best_loss:  # the first strength, whatever its loss
            best, best_loss, rises = (c, losses, scores), losses.mean(), 0
        else:
            rises += 1
            if rises == PATH_PATIENCE:
                break
    assert best is not None
    return best


def _selection_rows(y: np.ndarray, seed: int) -> np.ndarray:
    """All rows, or a stratified sample of SELECTION_ROWS when there are more."""
    if y.size <= SELECTION_ROWS:
        return np.arange(y.size)
    rng = np.random.default_rng([seed, 1])
    share = SELECTION_ROWS / y.size
    keep = []
    for value in (0, 1):
        rows = np.flatnonzero(y == value)
        # a rare outcome keeps enough people for every fold to see it
        count = max(round(share * rows.size), min(rows.size, 10 * FOLDS))
        keep.append(rng.choice(rows, count, replace=False))
    return np.sort(np.concatenate(keep))


def _log_loss_rows(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-person log-loss of log-odds `scores` (any leading shape) against outcomes y."""
    signed = np.where(y == 1, scores, -scores)
    return np.logaddexp(0.0, -signed)


def _platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling of out-of-fold log-odds: slope and offset, the slope pulled toward 1 by
    a normal prior (sd PLATT_SLOPE_SD), so that a few dozen people whose scores happen to
    separate the outcomes, or not to, cannot stretch or flatten every chance. A slope at or
    below zero says the scores carry no signal to calibrate with here, not that the model
    should be turned upside down: then no scaling (slope 1, offset 0)."""
    # log-odds = offset + slope * s = s + offset + (slope - 1) * s: the penalty on the one
    # weight is the prior on (slope - 1)
    fit = penalised_logistic(scores[:, None], y, PLATT_SLOPE_SD**2, offset=scores)
    slope = 1.0 + float(fit.weights[0])
    return (slope, fit.intercept) if slope > 0 else (1.0, 0.0)


def posterior_covariance(fit: PenalisedFit, c: float) -> np.ndarray:
    """The Laplace posterior of (intercept, weights), with a prior no narrower than
    PRIOR_VARIANCE_FLOOR per standardised coefficient: a strong penalty chosen on little data
    says the data cannot see smaller effects, not that there are none."""
    hessian = fit.hessian.copy()
    diagonal = np.arange(1, hessian.shape[0])
    hessian[diagonal, diagonal] += 1.0 / max(c, PRIOR_VARIANCE_FLOOR) - 1.0 / c
    return np.linalg.pinv(hessian, hermitian=True)


@dataclass(frozen=True)
class PenalisedFit:
    """An L2-penalised logistic regression: intercept (free), weights, and the Hessian of
    the penalised negative log-likelihood at the fit (its inverse is the Laplace posterior;
    None where it was not asked for)."""

    intercept: float
    weights: np.ndarray
    hessian: np.ndarray | None

    def log_odds(self, matrix: np.ndarray) -> np.ndarray:
        return self.intercept + matrix @ self.weights


def penalised_logistic(
    matrix: np.ndarray,
    y: np.ndarray,
    c: float,
    start: PenalisedFit | None = None,
    *,
    offset: np.ndarray | float = 0.0,
) -> PenalisedFit:
    """Minimise sum(log-loss) + |weights|^2 / (2c) by Newton's method with step halving, the
    log-odds being offset + intercept + matrix @ weights; with the Hessian at the fit.

    The same objective as scikit-learn's LogisticRegression(C=c); written out because the
    search walks an L2 path many times on at most a few hundred columns, where Newton from
    the previous strength's fit converges in a few steps (lbfgs took ten times as long), and
    because the Hessian it ends with is the posterior the intervals need.
    """
    return _newton(_with_intercept(matrix), y, c, start, offset, posterior=True)


def _with_intercept(matrix: np.ndarray) -> np.ndarray:
    """The design: a column of ones, then the matrix."""
    return np.hstack([np.ones((matrix.shape[0], 1)), matrix])


def _newton(
    design: np.ndarray,
    y: np.ndarray,
    c: float,
    start: PenalisedFit | None,
    offset: np.ndarray | float,
    *,
    posterior: bool,
    tolerance: float = 1e-8,
    max_steps: int = 100,
) -> PenalisedFit:
    """`penalised_logistic` on a design whose first column is the intercept's; the Hessian at
    the fit only where `posterior` (the penalty path needs the fit alone)."""
    penalty = np.full(design.shape[1], 1.0 / c)
    penalty[0] = 0.0
    penalised, ridge = np.diag(penalty), 1e-10 * np.eye(design.shape[1])
    beta = np.zeros(design.shape[1])
    if start is not None:
        beta = np.concatenate([[start.intercept], start.weights])
    sign = np.where(y == 1, 1.0, -1.0)

    def hessian_at(p):
        return (design * (p * (1.0 - p))[:, None]).T @ design + penalised

    def objective(b):
        log_odds = offset + design @ b
        value = np.logaddexp(0.0, -sign * log_odds).sum() + 0.5 * (penalty * b * b).sum()
        return value, log_odds

    current, log_odds = objective(beta)
    for _ in range(max_steps):
        p = sigmoid(log_odds)
        gradient = design.T @ (p - y) + penalty * beta
        step = np.linalg.solve(hessian_at(p) + ridge, gradient)
        size = 1.0
        while size > 1e-6:
            candidate = beta - size * step
            value, tried = objective(candidate)
            if value <= current + 1e-12:
                break
            size /= 2
        else:
            break  # no step lowers the objective: beta is as good as it gets
        beta, improvement = candidate, current - value
        current, log_odds = value, tried
        if np.abs(size * step).max() < tolerance or improvement < tolerance * 1e-3:
            break
    return PenalisedFit(
        float(beta[0]), beta[1:], hessian_at(sigmoid(log_odds)) if posterior else None
    )


def calibration_table(
    predicted: np.ndarray, observed: np.ndarray, bins: int = CALIBRATION_BINS
) -> list[dict[str, float]]:
    """Predicted against observed success in equal-count bins of the prediction."""
    order = np.argsort(predicted, kind="stable")
    table = []
    for chunk in np.array_split(order, bins):
        if chunk.size:
            table.append(
                {
                    "n": int(chunk.size),
                    "predicted": round(float(predicted[chunk].mean()), 4),
                    "observed": round(float(observed[chunk].mean()), 4),
                }
            )
    return table


def probability_metrics(
    p_success: dict[str, np.ndarray], track_taken: np.ndarray, success: np.ndarray
) -> dict[str, dict[str, float]]:
    """ROC AUC and Brier score per track, on the people who took that track."""
    scores = {}
    for track in TRACK_IDS:
        rows = track_taken == track
        y = success[rows]
        if y.size and y.min() != y.max():
            scores[track] = {
                "auc": round(float(roc_auc_score(y, p_success[track][rows])), 4),
                "brier": round(float(brier_score_loss(y, p_success[track][rows])), 4),
            }
    return scores
