"""Training the track model from outcomes: one calibrated additive model per track.

For each track, only the people who took that track tell us about success on it (a
T-learner). Each feature enters through a piecewise-linear shape ("hat" basis at knots placed
at the feature's quantiles), fitted by L2-regularised logistic regression; Platt scaling fitted
on out-of-fold scores calibrates it and is folded into the shapes, so the model stays additive
and its explanations stay exact (see `recommender.track_model`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from recommender.track_model import TRACKS, TrackModel

KNOT_QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
MAX_DISTINCT_AS_KNOTS = 7
REGULARISATION_C = 1.0
FOLDS = 5
CALIBRATION_BINS = 10
MIN_ROWS_PER_TRACK = 50


class TrainingDataTooSmall(ValueError):
    """Too few people, or only one outcome, on a track to learn anything."""


@dataclass
class TrainingResult:
    """The fitted model and what cross-validation says about it."""

    model: TrackModel
    metrics: dict[str, Any] = field(default_factory=dict)


def place_knots(column: np.ndarray) -> np.ndarray:
    """Knots for one feature: its distinct values when few, else quantiles."""
    values = column[~np.isnan(column)]
    if values.size == 0:
        return np.array([0.0, 1.0])
    distinct = np.unique(values)
    if distinct.size <= MAX_DISTINCT_AS_KNOTS:
        knots = distinct
    else:
        knots = np.unique(np.quantile(values, KNOT_QUANTILES))
    if knots.size == 1:
        knots = np.array([knots[0], knots[0] + 1.0])
    return knots.astype(float)


def hat_basis(filled: np.ndarray, knots: tuple[np.ndarray, ...]) -> np.ndarray:
    """The piecewise-linear basis: column k of feature j is 1 at knot k, 0 at its neighbours."""
    columns = []
    for j, feature_knots in enumerate(knots):
        for k in range(feature_knots.size):
            unit = np.zeros(feature_knots.size)
            unit[k] = 1.0
            columns.append(np.interp(filled[:, j], feature_knots, unit))
    return np.column_stack(columns)


def fit_track_model(
    features: np.ndarray,
    feature_names: tuple[str, ...],
    track_taken: np.ndarray,
    success: np.ndarray,
    *,
    seed: int = 0,
) -> TrainingResult:
    """Fit both tracks' calibrated models and report cross-validated metrics."""
    fill = np.array([np.nanmedian(col) if np.any(~np.isnan(col)) else 0.0 for col in features.T])
    filled = np.where(np.isnan(features), fill, features)
    knots = tuple(place_knots(features[:, j]) for j in range(features.shape[1]))
    basis = hat_basis(filled, knots)
    splits = np.cumsum([k.size for k in knots])[:-1]
    shapes, intercepts, metrics = {}, {}, {"tracks": {}}
    for track in TRACKS:
        rows = track_taken == track
        y = success[rows].astype(int)
        _check_enough(track, y)
        weights, intercept, track_metrics = _fit_calibrated(basis[rows], y, seed)
        shapes[track] = tuple(np.split(weights, splits))
        intercepts[track] = intercept
        metrics["tracks"][track] = track_metrics
    provisional = TrackModel(
        feature_names, knots, shapes, intercepts, fill, np.zeros(len(feature_names))
    )
    parts = provisional.contributions(features)
    centre = (parts["manager"] - parts["ic"]).mean(axis=0)
    model = TrackModel(feature_names, knots, shapes, intercepts, fill, centre)
    metrics["advice_value"] = advice_value(model.predict(features).p_success, track_taken, success)
    metrics["rows"] = len(success)
    return TrainingResult(model, metrics)


def _check_enough(track: str, y: np.ndarray) -> None:
    if y.size < MIN_ROWS_PER_TRACK or y.min() == y.max():
        raise TrainingDataTooSmall(
            f"track {track}: {y.size} people with {int(y.sum())} successes; training needs at "
            f"least {MIN_ROWS_PER_TRACK} people who took the track, with both outcomes"
        )


def _fit_calibrated(basis: np.ndarray, y: np.ndarray, seed: int):
    """Weights and intercept with Platt scaling folded in, plus out-of-fold metrics."""
    folds = StratifiedKFold(
        n_splits=min(FOLDS, int(np.bincount(y).min())), shuffle=True, random_state=seed
    )
    out_of_fold = np.zeros(y.size)
    for train, test in folds.split(basis, y):
        fitted = _logistic().fit(basis[train], y[train])
        out_of_fold[test] = fitted.decision_function(basis[test])
    platt = LogisticRegression(C=1e6).fit(out_of_fold[:, None], y)
    slope, offset = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    calibrated = 1.0 / (1.0 + np.exp(-(slope * out_of_fold + offset)))
    final = _logistic().fit(basis, y)
    weights = slope * final.coef_[0]
    intercept = slope * float(final.intercept_[0]) + offset
    return (
        weights,
        intercept,
        {
            "rows": int(y.size),
            "success_rate": round(float(y.mean()), 4),
            "cv_auc": round(float(roc_auc_score(y, calibrated)), 4),
            "cv_brier": round(float(brier_score_loss(y, calibrated)), 4),
            "calibration": calibration_table(calibrated, y),
        },
    )


def _logistic() -> LogisticRegression:
    return LogisticRegression(C=REGULARISATION_C, max_iter=2000)


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


def advice_value(
    p_success: dict[str, np.ndarray], track_taken: np.ndarray, success: np.ndarray
) -> dict[str, float]:
    """Estimated success if people followed the advice, against the status quo.

    The status quo is people choosing for themselves: its observed success rate, and the
    model's estimate of it (the two should agree when the model is calibrated). The advice
    value is model-based: the estimated success rate if everyone took the recommended track.
    """
    stacked = np.column_stack([p_success[t] for t in TRACKS])
    taken = np.array([TRACKS.index(t) for t in track_taken])
    advised = stacked.argmax(axis=1)
    return {
        "status_quo_observed": round(float(success.mean()), 4),
        "status_quo_estimated": round(float(stacked[np.arange(len(taken)), taken].mean()), 4),
        "advice_estimated": round(float(stacked.max(axis=1).mean()), 4),
        "share_advised_other_track": round(float((advised != taken).mean()), 4),
    }


def probability_metrics(
    p_success: dict[str, np.ndarray], track_taken: np.ndarray, success: np.ndarray
) -> dict[str, dict[str, float]]:
    """ROC AUC and Brier score per track, on the people who took that track."""
    scores = {}
    for track in TRACKS:
        rows = track_taken == track
        y = success[rows]
        if y.size and y.min() != y.max():
            scores[track] = {
                "auc": round(float(roc_auc_score(y, p_success[track][rows])), 4),
                "brier": round(float(brier_score_loss(y, p_success[track][rows])), 4),
            }
    return scores
