"""The track model at prediction time: calibrated success probabilities and exact explanations.

Per track, the model is additive in log-odds:

    logit P(success on track | x) = intercept[track] + sum_j shape[track, j](x_j)

where each shape is piecewise linear between knots (np.interp), with the calibration already
folded into intercepts and shapes. Where the training found interactions to pay, some x_j are
products of two answered scales around their medians (`pair_inputs`): columns like any other,
computed from the person's features (`columns`), whose effect an explanation shares equally
between the two. The quantity that decides the track is

    score = logit P(success as manager) - logit P(success as IC)

and for each column j its effect is its shape difference at the person's value minus that
difference's mean over the training data (a pair's then shared equally between its two
features, so there is one effect per input); `baseline` is the mean score over the training
data.
So `baseline + sum(effects) == score` exactly: the factors shown are what the model computed.

Each stated chance comes with a 90% interval for the person's own chance of success. It adds
two spreads on the log-odds scale: the posterior spread of the fitted model (estimation: a
Laplace approximation of the L2-penalised fit, whose penalty is a normal prior on each
standardised coefficient, so shrinkage toward it widens rather than hides), and how far a
person's true standing can lie from their questionnaire scores (measurement: the scales'
reliability, fixed at training). A feature the person gave no value for stands at the average of the
people learnt from who gave it (its contribution is the mean of theirs, so a blank scale moves
neither the chance nor the deciding score away from where those people are on average, and its
effect is zero); it adds how far their contributions lay from that mean: knowing nothing of a
person's standing is the widest measurement there is; several blanks add these with how the features
go together among those people (their covariance), as related scales hide more together than apart.
A scale answered in part is read off fewer statements: its share of the measurement spread grows by
the inverse of the share answered (Spearman-Brown). With measurement spread `v`, the chance given
the answers is an average over people answering alike, flatter than each of their own; the interval
is centred on the log-odds scaled back by sqrt(1 + pi v / 8) (the
probit approximation) and always contains the stated chance.

Parameters are plain arrays (no pickle); training lives in `recommender.training`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from recommender.pack.framework import TRACK_IDS

INTERVAL_LEVEL = 0.9
INTERVAL_Z = 1.6448536269514722  # standard normal quantile of 0.95: a two-sided 90% interval


@dataclass(frozen=True)
class Uncertainty:
    """What the intervals are made of: the posterior of each track's parameters and the
    measurement spread."""

    # per track: covariance of (intercept, shape heights at every knot of every feature)
    covariance: dict[str, np.ndarray]
    measurement_variance: dict[str, float]  # per track: spread of the true log-odds
    # per track, per feature: the spread a feature adds when the person has no value for it
    # (None in versions trained before it was kept: nothing added), as versions trained
    # before `missing_covariance` kept it; read only where that covariance is not
    missing_variance: dict[str, np.ndarray] | None = None
    # per track, (features x features): what missing values add together, the spreads above
    # on the diagonal, and off it how the contributions of two features move together (a
    # person who left two related scales blank is less known than two unrelated blanks
    # say); None in versions trained before it was kept: the spreads are summed as if apart
    missing_covariance: dict[str, np.ndarray] | None = None
    # (features x features): how what missing values hide on the manager track moves with
    # what they hide on the IC track (manager rows, IC columns), for the interval of the
    # difference; None in versions trained before it was kept: blanks do not widen it
    missing_cross_covariance: np.ndarray | None = None
    # per track, per feature: its part of `measurement_variance` when all its statements are
    # answered (None in versions trained before it was kept: a scale answered in part is
    # taken at the whole scale's reliability)
    measurement_by_feature: dict[str, np.ndarray] | None = None


@dataclass(frozen=True)
class TrackModel:
    """Fitted parameters of the two per-track additive models."""

    feature_names: tuple[str, ...]
    knots: tuple[np.ndarray, ...]  # per feature: increasing knot positions
    shapes: dict[str, tuple[np.ndarray, ...]]  # per track, per feature: log-odds at each knot
    intercepts: dict[str, float]
    # per feature: the training median, where a blank stands in a version without
    # `blank_weights` (and the value a blank's own weights replace in one with them)
    fill: np.ndarray
    centre: np.ndarray  # per feature: training mean of (manager shape - IC shape)
    uncertainty: Uncertainty | None = None
    # per feature, weights over its knots (not negative, summing to 1): where a blank stands,
    # the mean interpolation weights of the people learnt from who gave the feature, so its
    # contribution is the mean of theirs; None in versions trained before it was kept: a
    # blank stands at `fill`
    blank_weights: tuple[np.ndarray, ...] | None = None
    # Interactions the search found to pay. Each pair of features (their indices among the
    # features before the pairs, `pair_inputs`) is one more feature after them, the product
    # of the two taken around `pair_centres` (their training medians), (x_a - c_a)(x_b - c_b),
    # blank where either is; its name is the two names joined by "*". The features before
    # the pairs are the model's inputs (`input_names`): the pack's. None: no pairs.
    pair_inputs: np.ndarray | None = None  # (pairs x 2) whole numbers
    pair_centres: np.ndarray | None = None  # (pairs x 2)

    @property
    def input_count(self) -> int:
        """How many features the model reads from a profile: those before the pairs."""
        pairs = 0 if self.pair_inputs is None else len(self.pair_inputs)
        return len(self.feature_names) - pairs

    @property
    def input_names(self) -> tuple[str, ...]:
        """The features the model reads from a profile (`feature_matrix`), in order."""
        return self.feature_names[: self.input_count]

    def columns(self, features: np.ndarray) -> np.ndarray:
        """(people x inputs) features with each pair's product after them: the model's
        columns. A matrix that holds them already is returned as it is."""
        if self.pair_inputs is None or features.shape[1] != self.input_count:
            return features
        return np.hstack([features, pair_products(features, self.pair_inputs, self.pair_centres)])

    def _column_completeness(self, completeness: np.ndarray | None) -> np.ndarray | None:
        """`completeness` over the columns: a pair's product is read off as few of its
        statements as the less answered of its two scales."""
        if completeness is None or self.pair_inputs is None:
            return completeness
        if completeness.shape[1] != self.input_count:
            return completeness
        first, second = self.pair_inputs[:, 0], self.pair_inputs[:, 1]
        return np.hstack(
            [completeness, np.minimum(completeness[:, first], completeness[:, second])]
        )

    def by_input(self, effects: np.ndarray) -> np.ndarray:
        """(people x columns) effects as (people x inputs): a pair's effect is shared equally
        between its two features, so the sum stays. (Measured from its centres, a product's
        Shapley split is exactly half and half; measured, as effects are, from the training
        mean of its contribution, half and half is the convention that keeps it symmetric.)"""
        if self.pair_inputs is None:
            return effects
        count = self.input_count
        share = np.zeros((len(self.pair_inputs), count))
        rows = np.arange(len(self.pair_inputs))
        share[rows, self.pair_inputs[:, 0]] += 0.5
        share[rows, self.pair_inputs[:, 1]] += 0.5
        return effects[:, :count] + effects[:, count:] @ share

    def contributions(self, features: np.ndarray) -> dict[str, np.ndarray]:
        """Per track, each column's log-odds contribution: (people x columns, `columns`).

        The same piecewise-linear interpolation as `np.interp` per feature (flat beyond the
        end knots), done for every feature at once so that one person costs a few array
        operations rather than one call per feature and track.
        """
        features = self.columns(features)
        segment, along = self._segments(features)
        _, shapes = self._padded
        columns = np.arange(shapes.shape[1])
        missing = np.isnan(features) if self.blank_weights is not None else None
        parts = {}
        for track, shape in zip(TRACK_IDS, shapes, strict=True):
            start, end = shape[columns, segment], shape[columns, segment + 1]
            parts[track] = start + along * (end - start)
            if missing is not None and missing.any():
                parts[track] = np.where(missing, self._blank_contributions[track], parts[track])
        return parts

    @cached_property
    def _blank_contributions(self) -> dict[str, np.ndarray]:
        """Per track, per feature: the contribution of a blank (`blank_weights`)."""
        assert self.blank_weights is not None
        return {
            track: np.array(
                [w @ shape for w, shape in zip(self.blank_weights, self.shapes[track], strict=True)]
            )
            for track in TRACK_IDS
        }

    def _segments(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per person and feature: the knot segment the value falls in and how far along it."""
        filled = np.where(np.isnan(features), self.fill, features)
        knots, _ = self._padded
        columns = np.arange(knots.shape[0])
        segment = np.clip(
            (filled[:, :, None] >= knots[None, :, :]).sum(axis=2) - 1, 0, knots.shape[1] - 2
        )
        left, right = knots[columns, segment], knots[columns, segment + 1]
        return segment, np.clip((filled - left) / (right - left), 0.0, 1.0)

    def _hat_weights(self, features: np.ndarray) -> np.ndarray:
        """(people x knots of every feature): the interpolation weights, so that weights @
        heights is the sum of the shapes (a value past the last knot weighs on the last)."""
        segment, along = self._segments(features)
        rows = np.arange(segment.shape[0])[:, None]
        last = self._knot_offsets + np.array([k.size - 1 for k in self.knots])
        left = np.minimum(self._knot_offsets + segment, last)
        weights = np.zeros((segment.shape[0], int(last[-1]) + 1))
        weights[rows, left] = 1.0 - along
        weights[rows, np.minimum(left + 1, last)] += along
        if self.blank_weights is not None:
            missing = np.isnan(features)
            if missing.any():  # a blank's weights at the fill give way to its own
                weights += missing @ self._blank_shift
        return weights

    @cached_property
    def _blank_shift(self) -> np.ndarray:
        """(features x knots of every feature): a blank's weights (`blank_weights`) minus the
        interpolation weights at the fill, each in its feature's block."""
        assert self.blank_weights is not None
        at_fill = self._hat_weights(self.fill[None, :])[0]  # no blank: no recursion
        shift = np.zeros((len(self.feature_names), at_fill.size))
        for j, (start, weights) in enumerate(
            zip(self._knot_offsets.tolist(), self.blank_weights, strict=True)
        ):
            block = slice(start, start + weights.size)
            shift[j, block] = weights - at_fill[block]
        return shift

    @cached_property
    def _knot_offsets(self) -> np.ndarray:
        """Where each feature's knots start among the knots of every feature."""
        return np.concatenate([[0], np.cumsum([k.size for k in self.knots])[:-1]])

    def with_blanks_at_mean_of(self, features: np.ndarray) -> TrackModel:
        """This model, a blank standing at the mean of the people in `features` who gave the
        feature (`blank_weights`: their mean interpolation weights, as the fit's blank hinge
        columns are their mean; at the fill for a feature nobody gave)."""
        features = self.columns(features)
        plain = replace(self, blank_weights=None)
        weights = plain._hat_weights(features)  # a blank at the fill, left out below
        at_fill = plain._hat_weights(self.fill[None, :])[0]
        given = ~np.isnan(features)
        blank = []
        for j, start in enumerate(self._knot_offsets.tolist()):
            block = slice(start, start + self.knots[j].size)
            mine = weights[given[:, j], block]
            blank.append(mine.mean(axis=0) if mine.size else at_fill[block])
        return replace(self, blank_weights=tuple(blank))

    def intervals(
        self,
        features: np.ndarray,
        logits: dict[str, np.ndarray],
        completeness: np.ndarray | None = None,
    ) -> Intervals:
        """90% intervals for each track's chance and for the difference between them;
        `completeness` as in `predict`."""
        assert self.uncertainty is not None
        features = self.columns(features)
        completeness = self._column_completeness(completeness)
        weights = self._hat_weights(features)
        design = np.hstack([np.ones((weights.shape[0], 1)), weights])
        bounds, slopes, blank, estimated = {}, {}, {}, {}
        missing = np.isnan(features)
        partly = self._partly_answered(missing, completeness)
        for track in TRACK_IDS:
            fitted = ((design @ self.uncertainty.covariance[track]) * design).sum(axis=1)
            spread = self.uncertainty.measurement_variance[track]
            # the chance where a blank stands counts for a blank score as measured, and a scale
            # answered in part as a whole one: what they hide widens the interval but does
            # not flatten the chance it is centred on
            scale = np.sqrt(1.0 + np.pi * spread / 8.0)
            blank[track] = self._spread_of_blanks(missing, track) if missing.any() else 0.0
            spread = spread + blank[track]
            if partly is not None:
                spread = spread + partly @ self.uncertainty.measurement_by_feature[track]
            half = INTERVAL_Z * np.sqrt(scale**2 * np.maximum(fitted, 0.0) + spread)
            centre, stated = scale * logits[track], sigmoid(logits[track])
            bounds[track] = (
                np.minimum(sigmoid(centre - half), stated),
                np.maximum(sigmoid(centre + half), stated),
            )
            slopes[track] = stated * (1.0 - stated)  # d chance / d log-odds
            estimated[track] = np.maximum(fitted, 0.0)
        difference = sigmoid(logits["manager"]) - sigmoid(logits["ic"])
        spread = sum(slopes[t] ** 2 * estimated[t] for t in TRACK_IDS)
        across = self.uncertainty.missing_cross_covariance
        if across is not None and missing.any():
            # what blanks hide moves both chances, together: "which track is better for people
            # who answer like this" cannot be told of someone the model knows little about
            blanks = missing.astype(float)
            together = ((blanks @ across) * blanks).sum(axis=1)
            hidden = sum(slopes[t] ** 2 * blank[t] for t in TRACK_IDS)
            spread = spread + np.maximum(
                hidden - 2 * slopes["manager"] * slopes["ic"] * together, 0
            )
        half = INTERVAL_Z * np.sqrt(spread)
        return Intervals(bounds, (difference - half, difference + half))

    def _spread_of_blanks(self, missing: np.ndarray, track: str) -> np.ndarray | float:
        """Per person, the spread their missing values add on `track`: m' C m for the
        indicator m of the features they left blank and the covariance C of what missing
        values hide (never below nothing)."""
        uncertainty = self.uncertainty
        if uncertainty.missing_covariance is not None:
            blanks = missing.astype(float)
            together = ((blanks @ uncertainty.missing_covariance[track]) * blanks).sum(axis=1)
            return np.maximum(together, 0.0)
        if uncertainty.missing_variance is not None:
            return missing @ uncertainty.missing_variance[track]
        return 0.0

    def _partly_answered(
        self, missing: np.ndarray, completeness: np.ndarray | None
    ) -> np.ndarray | None:
        """(people x features) how many times its full-scale measurement spread each score
        adds for being read off part of its statements: a mean of a share s of a scale's
        statements has error variance 1/s times the whole scale's (Spearman-Brown), so
        1/s - 1 more. None where nothing is added."""
        if completeness is None or self.uncertainty.measurement_by_feature is None:
            return None
        share = np.where(missing | ~(completeness > 0), 1.0, np.minimum(completeness, 1.0))
        extra = 1.0 / share - 1.0
        return extra if extra.any() else None

    def spread_when_missing(self, features: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """What missing values hide, from the people learnt from (`features`): per track, the
        (features x features) covariance (`Uncertainty.missing_covariance`), and across the
        tracks, manager rows and IC columns (`Uncertainty.missing_cross_covariance`).

        On the diagonal, the spread of the true log-odds a person's missing value adds: the mean
        squared distance of the feature's contribution from a blank's (`blank_weights`: the mean
        of the contributions of the people who gave it, so this is their variance; the training
        median in a version trained before), under the posterior, the fitted shape's and its
        uncertainty's (a shape shrunk toward flat on few people would otherwise say that people
        differ little). Off it, the mean product of two features' distances, over the people who
        gave both: scales that go together hide more together than apart. Across the tracks, the
        same products of a feature's distance on the manager track and another's on the IC
        track: a scale that raises the chance on one track and lowers it on the other leaves the
        better track unknown when left blank (the two tracks' fits are apart, so their
        posteriors add nothing there). Each is over the people who gave the feature (the pair):
        one who left it blank stands where a blank does, and would shrink the spread by the
        share of blanks (0 where nobody did). What the score would have said is then unknown,
        not measured with error: the measurement spread already counts the part of the true
        standing that no score shows, so this is the rest."""
        assert self.uncertainty is not None
        features = self.columns(features)
        unknown = np.full((1, len(self.feature_names)), np.nan)
        moved = self._hat_weights(features) - self._hat_weights(unknown)
        parts, at_unknown = self.contributions(features), self.contributions(unknown)
        given = ~np.isnan(features)
        both = np.maximum(given.T.astype(float) @ given, 1.0)
        distance = {t: np.where(given, parts[t] - at_unknown[t], 0.0) for t in TRACK_IDS}
        within = {}
        for track in TRACK_IDS:
            heights = self.uncertainty.covariance[track][1:, 1:]  # without the intercept
            posterior = np.zeros(len(self.feature_names))
            for j, start in enumerate(self._knot_offsets.tolist()):
                if not given[:, j].any():
                    continue
                block = slice(start, start + self.knots[j].size)
                mine = moved[given[:, j], block]
                posterior[j] = ((mine @ heights[block, block]) * mine).sum(axis=1).mean()
            covariance = (distance[track].T @ distance[track]) / both
            covariance[np.diag_indices_from(covariance)] += np.maximum(posterior, 0.0)
            within[track] = covariance
        return within, (distance["manager"].T @ distance["ic"]) / both

    def posterior_logits(
        self, features: np.ndarray, draws: int, rng: np.random.Generator
    ) -> dict[str, np.ndarray]:
        """Per track, (draws x people) log-odds of success under `draws` draws of the fitted
        parameters from their posterior (the estimation spread alone, as `intervals` uses)."""
        assert self.uncertainty is not None
        features = self.columns(features)
        design = np.hstack([np.ones((features.shape[0], 1)), self._hat_weights(features)])
        logits = {}
        for track in TRACK_IDS:
            centre = np.concatenate([[self.intercepts[track]], *self.shapes[track]])
            values, vectors = np.linalg.eigh(self.uncertainty.covariance[track])
            spread = vectors * np.sqrt(np.clip(values, 0.0, None))
            thetas = centre + rng.standard_normal((draws, centre.size)) @ spread.T
            logits[track] = thetas @ design.T
        return logits

    @cached_property
    def _padded(self) -> tuple[np.ndarray, np.ndarray]:
        """Knots (features x K) and shapes (tracks x features x K), each feature padded to the
        most knots: extra knots lie past its last one and repeat its last value."""
        width = max(k.size for k in self.knots)
        knots = np.empty((len(self.knots), width))
        shapes = np.empty((len(TRACK_IDS), len(self.knots), width))
        for j, feature_knots in enumerate(self.knots):
            size = feature_knots.size
            knots[j, :size] = feature_knots
            knots[j, size:] = feature_knots[-1] + np.arange(1, width - size + 1)
            for t, track in enumerate(TRACK_IDS):
                shapes[t, j, :size] = self.shapes[track][j]
                shapes[t, j, size:] = self.shapes[track][j][-1]
        return knots, shapes

    def predict(self, features: np.ndarray, completeness: np.ndarray | None = None) -> Prediction:
        """Calibrated success probabilities per track, the score and its exact decomposition.
        `completeness` (people x features, `feature_completeness`) is the share of each
        score's statements the person answered: a scale answered in part widens the
        intervals (None: every score counts as fully answered). The effects are per input, a
        pair's shared between its two (`by_input`)."""
        features = self.columns(features)
        parts = self.contributions(features)
        logits = {t: self.intercepts[t] + parts[t].sum(axis=1) for t in TRACK_IDS}
        difference = parts["manager"] - parts["ic"]
        effects = self.by_input(difference - self.centre)
        baseline = self.intercepts["manager"] - self.intercepts["ic"] + float(self.centre.sum())
        return Prediction(
            p_success={t: sigmoid(logits[t]) for t in TRACK_IDS},
            score=logits["manager"] - logits["ic"],
            baseline=baseline,
            effects=effects,
            intervals=self.intervals(features, logits, completeness) if self.uncertainty else None,
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain numeric arrays for `np.savez` (loaded back with `allow_pickle=False`)."""
        arrays: dict[str, np.ndarray] = {
            "feature_names": np.array(self.feature_names, dtype=str),
            "fill": self.fill,
            "centre": self.centre,
            "intercepts": np.array([self.intercepts[t] for t in TRACK_IDS]),
        }
        for j, knots in enumerate(self.knots):
            arrays[f"knots_{j}"] = knots
            for track in TRACK_IDS:
                arrays[f"shape_{track}_{j}"] = self.shapes[track][j]
        if self.blank_weights is not None:  # every feature's, one after the other
            arrays["blank_weights"] = np.concatenate(self.blank_weights)
        if self.pair_inputs is not None:
            arrays["pair_inputs"] = self.pair_inputs.astype(np.int64)
            arrays["pair_centres"] = self.pair_centres
        if self.uncertainty is not None:
            for track in TRACK_IDS:
                arrays[f"covariance_{track}"] = self.uncertainty.covariance[track]
            arrays["measurement_variance"] = np.array(
                [self.uncertainty.measurement_variance[t] for t in TRACK_IDS]
            )
            hidden = self.uncertainty.missing_covariance
            if hidden is not None:  # its diagonal too, for versions of trackfit before it
                arrays["missing_variance"] = np.stack([np.diag(hidden[t]) for t in TRACK_IDS])
            elif self.uncertainty.missing_variance is not None:
                arrays["missing_variance"] = np.stack(
                    [self.uncertainty.missing_variance[t] for t in TRACK_IDS]
                )
            for key in ("missing_covariance", "measurement_by_feature"):
                kept = getattr(self.uncertainty, key)
                if kept is not None:
                    arrays[key] = np.stack([kept[t] for t in TRACK_IDS])
            if self.uncertainty.missing_cross_covariance is not None:
                arrays["missing_cross_covariance"] = self.uncertainty.missing_cross_covariance
        return arrays

    @classmethod
    def from_arrays(cls, arrays) -> TrackModel:
        """The model saved by `to_arrays`."""
        names = tuple(str(name) for name in arrays["feature_names"])
        count = len(names)
        intercepts = arrays["intercepts"]
        uncertainty = None
        if "measurement_variance" in arrays:
            spread = arrays["measurement_variance"]
            uncertainty = Uncertainty(
                covariance={
                    t: np.asarray(arrays[f"covariance_{t}"], dtype=float) for t in TRACK_IDS
                },
                measurement_variance={t: float(spread[i]) for i, t in enumerate(TRACK_IDS)},
                missing_variance=_per_track(arrays, "missing_variance"),
                missing_covariance=_per_track(arrays, "missing_covariance"),
                missing_cross_covariance=(
                    np.asarray(arrays["missing_cross_covariance"], dtype=float)
                    if "missing_cross_covariance" in arrays
                    else None
                ),
                measurement_by_feature=_per_track(arrays, "measurement_by_feature"),
            )
        knots = tuple(np.asarray(arrays[f"knots_{j}"], dtype=float) for j in range(count))
        pair_inputs = None
        if "pair_inputs" in arrays:
            pair_inputs = np.asarray(arrays["pair_inputs"], dtype=np.int64)
        blank_weights = None
        if "blank_weights" in arrays:
            splits = np.cumsum([k.size for k in knots])[:-1]
            blank_weights = tuple(
                np.split(np.asarray(arrays["blank_weights"], dtype=float), splits)
            )
        return cls(
            feature_names=names,
            knots=knots,
            shapes={
                track: tuple(
                    np.asarray(arrays[f"shape_{track}_{j}"], dtype=float) for j in range(count)
                )
                for track in TRACK_IDS
            },
            intercepts={t: float(intercepts[i]) for i, t in enumerate(TRACK_IDS)},
            fill=np.asarray(arrays["fill"], dtype=float),
            centre=np.asarray(arrays["centre"], dtype=float),
            uncertainty=uncertainty,
            blank_weights=blank_weights,
            pair_inputs=pair_inputs,
            pair_centres=(
                None if pair_inputs is None else np.asarray(arrays["pair_centres"], dtype=float)
            ),
        )


def pair_products(features: np.ndarray, inputs: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """(people x pairs) each pair's product, (x_a - c_a)(x_b - c_b) for its two features'
    indices `inputs` and `centres`; blank where either feature is."""
    first, second = features[:, inputs[:, 0]], features[:, inputs[:, 1]]
    return (first - centres[:, 0]) * (second - centres[:, 1])


def _per_track(arrays, key: str) -> dict[str, np.ndarray] | None:
    """An array saved by `to_arrays` with a first axis of tracks, by track; None where not
    saved."""
    if key not in arrays:
        return None
    return {t: np.asarray(arrays[key][i], dtype=float) for i, t in enumerate(TRACK_IDS)}


@dataclass(frozen=True)
class Prediction:
    """Model output for a batch: probabilities, the deciding score and its factors."""

    p_success: dict[str, np.ndarray]
    score: np.ndarray  # (n,) log-odds of success as manager minus as IC
    baseline: float
    effects: np.ndarray  # (n, inputs); baseline + effects.sum(1) == score
    intervals: Intervals | None = None


@dataclass(frozen=True)
class Intervals:
    """90% intervals for a batch: per track (low, high) chances, and the difference
    (manager minus IC) of the stated chances from the posterior alone."""

    p_success: dict[str, tuple[np.ndarray, np.ndarray]]
    difference: tuple[np.ndarray, np.ndarray]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, without overflow for log-odds of any size."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))
