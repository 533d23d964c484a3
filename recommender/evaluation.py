"""How much the advice is worth, measured where the truth is known: held-out synthetic people.

Value of a policy (a track for each person) is the mean true success probability of the
tracks it picks. A coin flip is the floor and the oracle (always the truly better track) the
ceiling; `captured` is the share of the gap between them that a policy closes. Compared:
trackfit's advice (model and rules), the model alone, a gradient-boosting T-learner on the raw
answers (a strong black-box peer), and the status quo (the tracks people chose themselves).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from recommender.assessment import assess
from recommender.default_model import synthetic_profiles
from recommender.features import feature_matrix, pack_features
from recommender.pack import Pack
from recommender.quality import FLAG_IDS
from recommender.recommendation import decide
from recommender.track_model import TRACKS
from recommender.training import fit_track_model, probability_metrics


def policy_value(choice: np.ndarray, p_true: dict[str, np.ndarray]) -> float:
    """Mean true success probability of the chosen tracks."""
    return float(np.where(choice == "manager", p_true["manager"], p_true["ic"]).mean())


def captured(value: float, coin: float, oracle: float) -> float:
    """Share of the coin-flip-to-oracle gain a policy captures."""
    return (value - coin) / (oracle - coin)


def evaluate_on_synthetic(pack: Pack, n_train: int, n_test: int, seed: int) -> dict[str, Any]:
    """Train on one synthetic sample, judge on another drawn with a different seed."""
    train, train_profiles = synthetic_profiles(pack, n_train, seed)
    test, test_profiles = synthetic_profiles(pack, n_test, seed + 1)
    clean = ~np.any([train_profiles.flags[f] for f in FLAG_IDS], axis=0)
    names = tuple(f.name for f in pack_features(pack))
    fitted = fit_track_model(
        feature_matrix(train_profiles)[clean], names, train.track_taken[clean], train.success[clean]
    )
    prediction = fitted.model.predict(feature_matrix(test_profiles))
    advice, _ = decide(prediction, assess(test_profiles, prediction.p_success), test_profiles)
    model_only = np.where(
        prediction.p_success["manager"] > prediction.p_success["ic"], "manager", "ic"
    )
    peer = _gradient_boosting_peer(train, test)
    truth = test.p_true
    coin = float(((truth["ic"] + truth["manager"]) / 2).mean())
    oracle = float(np.maximum(truth["ic"], truth["manager"]).mean())
    policies = {
        "advice": advice,
        "model_only": model_only,
        "gradient_boosting_peer": np.where(peer["manager"] > peer["ic"], "manager", "ic"),
        "status_quo": test.track_taken,
    }
    report: dict[str, Any] = {
        "train_people": n_train,
        "test_people": n_test,
        "seed": seed,
        "pack": pack.ref,
        "coin_flip_value": round(coin, 4),
        "oracle_value": round(oracle, 4),
        "policies": {},
    }
    for name, choice in policies.items():
        value = policy_value(np.asarray(choice), truth)
        report["policies"][name] = {
            "value": round(value, 4),
            "captured": round(captured(value, coin, oracle), 4),
        }
    chosen = np.asarray(advice)
    reported = np.where(
        chosen == "manager", prediction.p_success["manager"], prediction.p_success["ic"]
    )
    true_of_chosen = np.where(chosen == "manager", truth["manager"], truth["ic"])
    report["mean_abs_probability_error"] = {
        "advice_track": round(float(np.abs(reported - true_of_chosen).mean()), 4),
        **{
            track: round(float(np.abs(prediction.p_success[track] - truth[track]).mean()), 4)
            for track in TRACKS
        },
    }
    report["training_metrics"] = fitted.metrics
    return report


def evaluate_on_outcomes(data, test_share: float = 0.3, seed: int = 11) -> dict[str, Any]:
    """Held-out evaluation on real outcome data, where only the track taken is observed.

    Without the truth on the other track the value of the advice cannot be measured, so this
    compares how well each model predicts success on the track people took: ROC AUC and Brier
    per track on a held-out share, for trackfit and the gradient-boosting peer.
    """
    rng = np.random.default_rng(seed)
    test = rng.random(len(data.success)) < test_share
    profiles = data.profiles()
    features = feature_matrix(profiles)
    clean = ~np.any([profiles.flags[f] for f in FLAG_IDS], axis=0)
    names = tuple(f.name for f in pack_features(data.pack))
    train = ~test & clean
    fitted = fit_track_model(
        features[train], names, data.track_taken[train], data.success[train], seed=seed
    )
    raw = _raw_features(data)
    peer = _peer_models(raw[train], data.track_taken[train], data.success[train])
    peer_p = {t: model.predict_proba(raw[test])[:, 1] for t, model in peer.items()}
    return {
        "rows": len(data.success),
        "test_rows": int(test.sum()),
        "seed": seed,
        "note": "only the track taken is observed: the value of the advice needs the truth "
        "on both tracks and is measured on synthetic data (trackfit evaluate)",
        "trackfit": probability_metrics(
            fitted.model.predict(features[test]).p_success,
            data.track_taken[test],
            data.success[test],
        ),
        "gradient_boosting_peer": probability_metrics(
            peer_p, data.track_taken[test], data.success[test]
        ),
    }


def _peer_models(x, track_taken, success) -> dict[str, HistGradientBoostingClassifier]:
    models = {}
    for track in TRACKS:
        rows = track_taken == track
        model = HistGradientBoostingClassifier(random_state=0, early_stopping=True)
        models[track] = model.fit(x[rows], success[rows])
    return models


def _gradient_boosting_peer(train, test) -> dict[str, np.ndarray]:
    """A T-learner of gradient-boosted trees on the raw answers and numeric context."""
    models = _peer_models(_raw_features(train), train.track_taken, train.success)
    x_test = _raw_features(test)
    return {track: model.predict_proba(x_test)[:, 1] for track, model in models.items()}


def _raw_features(outcomes) -> np.ndarray:
    context = outcomes.context
    numbers = [
        context[name].astype(float)
        for name in ("years_experience", "years_at_level", "direct_reports")
    ]
    managing = (context["current_track"] == "manager").astype(float)
    return np.column_stack([outcomes.answers, *numbers, managing])
