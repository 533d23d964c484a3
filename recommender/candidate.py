"""Training a candidate model version from outcomes and registering it beside the active one.

The data are split once: the candidate learns from the training share, and the candidate and
the active version are both judged on the held-out share they never saw (ROC AUC, Brier,
calibration table and ROC curve per track). The fairness report of each covers everyone in
the data: what each model would advise, by group of every sensitive attribute. Responses with
a quality flag are left out of training and of the metrics (their answers may not reflect the
person), and the summary says how many.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.metrics import roc_curve

from recommender.assessment import assess
from recommender.fairness import fairness_report
from recommender.features import feature_matrix, pack_features
from recommender.model_card import LABEL_DEFINITION, render_model_card
from recommender.profile import ProfileBatch
from recommender.quality import FLAG_IDS
from recommender.recommendation import decide
from recommender.registry import ModelRefused, Registry
from recommender.track_model import TRACKS, TrackModel
from recommender.training import calibration_table, fit_track_model, probability_metrics

HOLDOUT_SHARE = 0.3
ROC_POINTS = 40


def train_candidate(
    profiles: ProfileBatch,
    track_taken: np.ndarray,
    success: np.ndarray,
    *,
    registry: Registry,
    data: dict[str, Any],
    sensitive: dict[str, np.ndarray] | None = None,
    seed: int = 0,
    holdout_share: float = HOLDOUT_SHARE,
    progress: Callable[[str], None] = lambda stage: None,
) -> dict[str, Any]:
    """Fit on the training share, judge on the held-out share, write a new version; return
    the JSON summary. Raises TrainingDataTooSmall when a track has too few people."""
    pack = profiles.pack
    sensitive = sensitive or {}
    flagged = np.any([profiles.flags[flag] for flag in FLAG_IDS], axis=0)
    held_out = np.random.default_rng(seed).random(len(success)) < holdout_share
    train, test = ~flagged & ~held_out, ~flagged & held_out
    features = feature_matrix(profiles)
    names = tuple(feature.name for feature in pack_features(pack))
    progress("fitting the candidate")
    result = fit_track_model(features[train], names, track_taken[train], success[train], seed=seed)
    progress("making the fairness reports")
    fairness = advice_fairness(result.model, profiles, features, sensitive)
    holdout = None
    if test.any():
        progress("judging the candidate and the active version on held-out data")
        holdout = _held_out_comparison(
            registry,
            result.model,
            profiles=profiles,
            features=features,
            track_taken=track_taken,
            success=success,
            test=test,
            sensitive=sensitive,
        )
        holdout["share"] = holdout_share
    manifest = {
        "pack": pack.ref,
        "features": list(names),
        "label": LABEL_DEFINITION,
        "data": {
            **data,
            "rows": len(success),
            "rows_used": int(train.sum()),
            "rows_held_out": int(test.sum()),
            "rows_left_out_for_quality_flags": int(flagged.sum()),
        },
        "metrics": result.metrics,
        "holdout": holdout,
        "fairness": fairness,
        "sensitive_columns": sorted(sensitive),
    }
    progress("writing the candidate version")
    name = registry.add(result.model, manifest, render_model_card(manifest))
    return {
        "version": name,
        "active": registry.active(),
        "pack": pack.ref,
        "rows": manifest["data"]["rows"],
        "rows_used": manifest["data"]["rows_used"],
        "rows_held_out": manifest["data"]["rows_held_out"],
        "metrics": result.metrics,
        "held_out": {t: _headline(m) for t, m in holdout["candidate"]["tracks"].items()}
        if holdout
        else None,
        "compared_with_active": _compared(holdout["active"]) if holdout else None,
        "fairness": fairness,
    }


def _held_out_comparison(
    registry: Registry,
    candidate: TrackModel,
    *,
    profiles: ProfileBatch,
    features: np.ndarray,
    track_taken: np.ndarray,
    success: np.ndarray,
    test: np.ndarray,
    sensitive: dict[str, np.ndarray],
) -> dict[str, Any]:
    """The candidate and the active version on the same held-out people."""
    holdout: dict[str, Any] = {
        "rows": int(test.sum()),
        "candidate": held_out_metrics(candidate, features[test], track_taken[test], success[test]),
        "active": None,
    }
    active_name = registry.active()
    active = _comparable_active(registry, features.shape[1])
    if isinstance(active, TrackModel):
        holdout["active"] = {
            "version": active_name,
            **held_out_metrics(active, features[test], track_taken[test], success[test]),
            "fairness": advice_fairness(active, profiles, features, sensitive),
        }
    elif active is not None:
        holdout["active"] = {"version": active_name, "error": active}
    return holdout


def _comparable_active(registry: Registry, n_features: int) -> TrackModel | str | None:
    """The active model, why it cannot be compared, or None when nothing is active."""
    name = registry.active()
    if name is None:
        return None
    try:
        active = registry.load(name)
    except ModelRefused as refused:
        return str(refused.problems[0])
    if len(active.model.feature_names) != n_features:
        return "reads different features; not comparable"
    return active.model


def _headline(metrics: dict[str, Any]) -> dict[str, Any]:
    return {key: metrics[key] for key in ("rows", "auc", "brier") if key in metrics}


def _compared(active: dict[str, Any] | None) -> dict[str, Any] | None:
    if active is None or "error" in active:
        return active
    tracks = {t: _headline(m) for t, m in active["tracks"].items()}
    return {"version": active["version"], "tracks": tracks}


def held_out_metrics(
    model: TrackModel, features: np.ndarray, track_taken: np.ndarray, success: np.ndarray
) -> dict[str, Any]:
    """Per track, on the held-out people who took it: ROC AUC, Brier, calibration, ROC curve."""
    p_success = model.predict(features).p_success
    headline = probability_metrics(p_success, track_taken, success)
    tracks = {}
    for track in TRACKS:
        rows = track_taken == track
        y, p = success[rows].astype(int), p_success[track][rows]
        entry: dict[str, Any] = {"rows": int(rows.sum())}
        if track in headline:
            fpr, tpr, _ = roc_curve(y, p)
            keep = np.unique(np.linspace(0, fpr.size - 1, min(ROC_POINTS, fpr.size)).astype(int))
            entry |= headline[track] | {
                "calibration": calibration_table(p, y),
                "roc": [[round(float(fpr[i]), 4), round(float(tpr[i]), 4)] for i in keep],
            }
        tracks[track] = entry
    return {"tracks": tracks}


def advice_outcomes(
    model: TrackModel, profiles: ProfileBatch, features: np.ndarray
) -> dict[str, np.ndarray]:
    """What the advice (model and rules) would be for each person: the manager track
    recommended, and a target above the current level on the recommended track."""
    prediction = model.predict(features)
    assessment = assess(profiles, prediction.p_success)
    tracks, _ = decide(prediction, assessment, profiles)
    target = np.full(len(profiles), np.nan)
    assessed_current = np.full(len(profiles), np.nan)
    for track in TRACKS:
        levels = assessment.levels[track]
        chosen = tracks == track
        target[chosen] = levels.grades(levels.target)[chosen]
        assessed_current[chosen] = levels.grades(levels.current)[chosen]
    stated = profiles.context["current_grade"]
    current = np.where(np.isnan(stated), assessed_current, stated)
    with np.errstate(invalid="ignore"):
        above = np.where(np.isnan(current), ~np.isnan(target), target > current)
    return {"manager_recommended": tracks == "manager", "target_above_current": above}


def advice_fairness(
    model: TrackModel,
    profiles: ProfileBatch,
    features: np.ndarray,
    sensitive: dict[str, np.ndarray],
) -> dict[str, Any] | None:
    """The fairness report of a model's advice, or None when no sensitive column was given."""
    if not sensitive:
        return None
    return fairness_report(advice_outcomes(model, profiles, features), sensitive)
