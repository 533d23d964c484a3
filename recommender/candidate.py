"""Training a candidate model version from outcomes and registering it beside the active one."""

from __future__ import annotations

from typing import Any

import numpy as np

from recommender.features import feature_matrix, pack_features
from recommender.model_card import LABEL_DEFINITION, render_model_card
from recommender.profile import ProfileBatch
from recommender.quality import FLAG_IDS
from recommender.registry import ModelRefused, Registry
from recommender.track_model import TrackModel
from recommender.training import fit_track_model, probability_metrics

IMPACT_RATIO_FLAG = 0.8


def train_candidate(
    profiles: ProfileBatch,
    track_taken: np.ndarray,
    success: np.ndarray,
    *,
    registry: Registry,
    data: dict[str, Any],
    sensitive: dict[str, np.ndarray] | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Fit, compare with the active version, write a new version; return the JSON summary.

    Responses with a quality flag are left out of training (their answers may not reflect the
    person); the summary says how many.
    """
    pack = profiles.pack
    flagged = np.any([profiles.flags[flag] for flag in FLAG_IDS], axis=0)
    keep = ~flagged
    features = feature_matrix(profiles)
    names = tuple(feature.name for feature in pack_features(pack))
    result = fit_track_model(features[keep], names, track_taken[keep], success[keep], seed=seed)
    active = registry.active()
    manifest = {
        "pack": pack.ref,
        "features": list(names),
        "label": LABEL_DEFINITION,
        "data": {
            **data,
            "rows": len(success),
            "rows_used": int(keep.sum()),
            "rows_left_out_for_quality_flags": int(flagged.sum()),
        },
        "metrics": result.metrics,
        "compared_with_active": compare_with_active(
            registry, features[keep], track_taken[keep], success[keep]
        ),
        "fairness": fairness_report(result.model, features, sensitive or {}),
        "sensitive_columns": sorted(sensitive or {}),
    }
    name = registry.add(result.model, manifest, render_model_card(manifest))
    return {
        "version": name,
        "active": active,
        "pack": pack.ref,
        "rows": manifest["data"]["rows"],
        "rows_used": manifest["data"]["rows_used"],
        "metrics": result.metrics,
        "compared_with_active": manifest["compared_with_active"],
        "fairness": manifest["fairness"],
    }


def compare_with_active(
    registry: Registry, features: np.ndarray, track_taken: np.ndarray, success: np.ndarray
) -> dict[str, Any] | None:
    """The active version's metrics on the same data, or why it could not be compared."""
    name = registry.active()
    if name is None:
        return None
    try:
        active = registry.load(name)
    except ModelRefused as refused:
        return {"version": name, "error": str(refused.problems[0])}
    if features.shape[1] != len(active.model.feature_names):
        return {"version": name, "error": "reads different features; not comparable"}
    p_success = active.model.predict(features).p_success
    return {"version": name, "tracks": probability_metrics(p_success, track_taken, success)}


def fairness_report(
    model: TrackModel, features: np.ndarray, sensitive: dict[str, np.ndarray]
) -> dict[str, Any]:
    """Per sensitive attribute: share of each group advised the manager track, and the
    impact ratio to the highest group (under 0.8 flagged). Attributes are never features."""
    advised_manager = model.predict(features).score > 0
    report = {}
    for attribute, groups in sensitive.items():
        known = np.array([g is not None and g != "" for g in groups])
        rows = []
        for group in sorted({g for g in groups[known]}):
            members = known & (groups == group)
            rows.append(
                {
                    "group": str(group),
                    "n": int(members.sum()),
                    "manager_advised_rate": round(float(advised_manager[members].mean()), 4),
                }
            )
        top = max((row["manager_advised_rate"] for row in rows), default=0.0)
        for row in rows:
            ratio = row["manager_advised_rate"] / top if top > 0 else 1.0
            row["impact_ratio"] = round(ratio, 4)
            row["flagged"] = ratio < IMPACT_RATIO_FLAG
        report[attribute] = {"groups": rows, "unknown": int((~known).sum())}
    return report
