"""The track model at prediction time: calibrated success probabilities and exact explanations.

Per track, the model is additive in log-odds:

    logit P(success on track | x) = intercept[track] + sum_j shape[track, j](x_j)

where each shape is piecewise linear between knots (np.interp), with the calibration already
folded into intercepts and shapes. The quantity that decides the track is

    score = logit P(success as manager) - logit P(success as IC)

and for each feature j its effect is its shape difference at the person's value minus that
difference's mean over the training data; `baseline` is the mean score over the training data.
So `baseline + sum(effects) == score` exactly: the factors shown are what the model computed.

Parameters are plain arrays (no pickle); training lives in `recommender.training`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

TRACKS = ("ic", "manager")


@dataclass(frozen=True)
class TrackModel:
    """Fitted parameters of the two per-track additive models."""

    feature_names: tuple[str, ...]
    knots: tuple[np.ndarray, ...]  # per feature: increasing knot positions
    shapes: dict[str, tuple[np.ndarray, ...]]  # per track, per feature: log-odds at each knot
    intercepts: dict[str, float]
    fill: np.ndarray  # per feature: value used when the person has none (training median)
    centre: np.ndarray  # per feature: training mean of (manager shape - IC shape)

    def contributions(self, features: np.ndarray) -> dict[str, np.ndarray]:
        """Per track, each feature's log-odds contribution: (people x features).

        The same piecewise-linear interpolation as `np.interp` per feature (flat beyond the
        end knots), done for every feature at once so that one person costs a few array
        operations rather than one call per feature and track.
        """
        filled = np.where(np.isnan(features), self.fill, features)
        knots, shapes = self._padded
        columns = np.arange(knots.shape[0])
        segment = np.clip(
            (filled[:, :, None] >= knots[None, :, :]).sum(axis=2) - 1, 0, knots.shape[1] - 2
        )
        left, right = knots[columns, segment], knots[columns, segment + 1]
        along = np.clip((filled - left) / (right - left), 0.0, 1.0)
        parts = {}
        for track, shape in zip(TRACKS, shapes, strict=True):
            start, end = shape[columns, segment], shape[columns, segment + 1]
            parts[track] = start + along * (end - start)
        return parts

    @cached_property
    def _padded(self) -> tuple[np.ndarray, np.ndarray]:
        """Knots (features x K) and shapes (tracks x features x K), each feature padded to the
        most knots: extra knots lie past its last one and repeat its last value."""
        width = max(k.size for k in self.knots)
        knots = np.empty((len(self.knots), width))
        shapes = np.empty((len(TRACKS), len(self.knots), width))
        for j, feature_knots in enumerate(self.knots):
            size = feature_knots.size
            knots[j, :size] = feature_knots
            knots[j, size:] = feature_knots[-1] + np.arange(1, width - size + 1)
            for t, track in enumerate(TRACKS):
                shapes[t, j, :size] = self.shapes[track][j]
                shapes[t, j, size:] = self.shapes[track][j][-1]
        return knots, shapes

    def predict(self, features: np.ndarray) -> Prediction:
        """Calibrated success probabilities per track, the score and its exact decomposition."""
        parts = self.contributions(features)
        logits = {t: self.intercepts[t] + parts[t].sum(axis=1) for t in TRACKS}
        difference = parts["manager"] - parts["ic"]
        effects = difference - self.centre
        baseline = self.intercepts["manager"] - self.intercepts["ic"] + float(self.centre.sum())
        return Prediction(
            p_success={t: _sigmoid(logits[t]) for t in TRACKS},
            score=logits["manager"] - logits["ic"],
            baseline=baseline,
            effects=effects,
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain numeric arrays for `np.savez` (loaded back with `allow_pickle=False`)."""
        arrays: dict[str, np.ndarray] = {
            "feature_names": np.array(self.feature_names, dtype=str),
            "fill": self.fill,
            "centre": self.centre,
            "intercepts": np.array([self.intercepts[t] for t in TRACKS]),
        }
        for j, knots in enumerate(self.knots):
            arrays[f"knots_{j}"] = knots
            for track in TRACKS:
                arrays[f"shape_{track}_{j}"] = self.shapes[track][j]
        return arrays

    @classmethod
    def from_arrays(cls, arrays) -> TrackModel:
        """The model saved by `to_arrays`."""
        names = tuple(str(name) for name in arrays["feature_names"])
        count = len(names)
        intercepts = arrays["intercepts"]
        return cls(
            feature_names=names,
            knots=tuple(np.asarray(arrays[f"knots_{j}"], dtype=float) for j in range(count)),
            shapes={
                track: tuple(
                    np.asarray(arrays[f"shape_{track}_{j}"], dtype=float) for j in range(count)
                )
                for track in TRACKS
            },
            intercepts={t: float(intercepts[i]) for i, t in enumerate(TRACKS)},
            fill=np.asarray(arrays["fill"], dtype=float),
            centre=np.asarray(arrays["centre"], dtype=float),
        )


@dataclass(frozen=True)
class Prediction:
    """Model output for a batch: probabilities, the deciding score and its factors."""

    p_success: dict[str, np.ndarray]
    score: np.ndarray  # (n,) log-odds of success as manager minus as IC
    baseline: float
    effects: np.ndarray  # (n, features); baseline + effects.sum(1) == score


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
