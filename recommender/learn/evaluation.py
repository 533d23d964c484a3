"""How much the advice is worth, measured where the truth is known: held-out synthetic people.

Value of a policy (a track for each person) is the mean true success probability of the
tracks it picks. A coin flip is the floor and the oracle (always the truly better track) the
ceiling; `gain` is the share of the gap between them that a policy closes. Compared on the
same training rows: trackfit's advice (model and rules), the model alone, two peers an
analyst would build in an afternoon (a cross-validated logistic regression per track on the
construct and competency means plus years of experience, and a gradient-boosting T-learner on
the raw answers), and the status quo (the tracks people chose themselves). Calibration error
is the mean |stated - true| chance of success on the recommended track; coverage is the share
of held-out people whose true chance lies inside trackfit's 90% interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegressionCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from recommender.answer.assessment import assess
from recommender.answer.features import feature_completeness, feature_matrix
from recommender.answer.recommendation import decide
from recommender.learn.comparison import compare_paired, with_intervals
from recommender.learn.synthetic import TRUTHS, synthetic_profiles
from recommender.learn.training import (
    MIN_EACH_OUTCOME,
    Prior,
    TrainingDataTooSmall,
    fit_on_profiles,
    probability_metrics,
    training_shortfalls,
    usable_rows,
)
from recommender.pack.framework import TRACK_IDS
from recommender.pack.loading import Pack

DEFAULT_SIZES = (300, 1000, 4000, 20000)
DEFAULT_SEEDS = 3
TEST_PEOPLE = 20000
PEERS = ("logistic_cv", "gradient_boosting")


def policy_value(choice: np.ndarray, p_true: dict[str, np.ndarray]) -> float:
    """Mean true success probability of the chosen tracks."""
    return float(np.where(choice == "manager", p_true["manager"], p_true["ic"]).mean())


def captured(value: float, coin: float, oracle: float) -> float:
    """Share of the coin-flip-to-oracle gain a policy captures."""
    return (value - coin) / (oracle - coin)


def evaluate_at_sizes(
    pack: Pack,
    sizes: Sequence[int] = DEFAULT_SIZES,
    *,
    truths: Sequence[str] = tuple(TRUTHS),
    seeds: int = DEFAULT_SEEDS,
    test_people: int = TEST_PEOPLE,
    seed: int = 11,
    prior: Prior | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Every size on every truth: `seeds` training samples each, judged on fresh people;
    with `prior`, every training may shrink toward it (as retraining does toward the active
    version)."""
    report: dict[str, Any] = {"pack": pack.ref, "seeds": seeds, "test_people": test_people}
    report["prior"] = prior.version if prior else None
    report["truths"] = {}
    for truth in truths:
        test, test_profiles = synthetic_profiles(pack, test_people, seed + 10_000, truth)
        rows = []
        for size in sizes:
            runs = [
                evaluate_run(
                    pack,
                    size,
                    seed + 100 * s + 1,
                    truth,
                    test=test,
                    test_profiles=test_profiles,
                    prior=prior,
                )
                for s in range(seeds)
            ]
            rows.append({"train_people": size, **_mean_of(runs), "spread": _spread(runs)})
            progress(f"{truth} {size}")
        report["truths"][truth] = rows
    return report


def evaluate_run(
    pack, size, seed, truth, *, test, test_profiles, prior: Prior | None = None
) -> dict[str, Any]:
    """One training sample of `size` people, every policy judged on the held-out people."""
    train, train_profiles = synthetic_profiles(pack, size, seed, truth)
    fitted = fit_on_profiles(
        train_profiles, train.track_taken, train.success, seed=seed, prior=prior
    )
    prediction = fitted.model.predict(
        feature_matrix(test_profiles), feature_completeness(test_profiles)
    )
    assessment = assess(test_profiles, prediction.p_success, prediction.intervals)
    advice, _ = decide(prediction, assessment, test_profiles)
    truth_p = test.p_true
    coin = float(((truth_p["ic"] + truth_p["manager"]) / 2).mean())
    oracle = float(np.maximum(truth_p["ic"], truth_p["manager"]).mean())
    stated = {
        "trackfit": prediction.p_success,
        **_peers(train, train_profiles, test, test_profiles),
    }
    policies = {"advice": np.asarray(advice)}
    policies |= {name: _better_track(p) for name, p in stated.items()}
    policies["status_quo"] = test.track_taken
    run: dict[str, Any] = {
        name: {"gain": captured(policy_value(choice, truth_p), coin, oracle)}
        for name, choice in policies.items()
    }
    for name, p in stated.items():  # each on the track it would choose itself
        run[name]["calibration_error"] = _calibration_error(p, policies[name], truth_p)
        run[name]["tracks"] = probability_metrics(p, test.track_taken, test.success)
    # the advice states the model's chances, on the track the pack's rules advised
    advised = _calibration_error(prediction.p_success, policies["advice"], truth_p)
    run["advice"]["calibration_error"] = advised
    run["intervals"] = _interval_report(prediction.intervals, truth_p)
    run["capacity"] = {t: fitted.metrics["tracks"][t]["knots"] for t in TRACK_IDS}
    run["pairs"] = {t: fitted.metrics["tracks"][t]["pairs"] for t in TRACK_IDS}
    if prior is not None:
        run["prior_weight"] = {t: fitted.metrics["tracks"][t]["prior_weight"] for t in TRACK_IDS}
    return run


def _better_track(p: dict[str, np.ndarray]) -> np.ndarray:
    return np.where(p["manager"] > p["ic"], "manager", "ic")


def _calibration_error(p, chosen, truth) -> float:
    stated = np.where(chosen == "manager", p["manager"], p["ic"])
    true = np.where(chosen == "manager", truth["manager"], truth["ic"])
    return float(np.abs(stated - true).mean())


def _interval_report(intervals, truth) -> dict[str, Any]:
    """Coverage and mean width of the 90% intervals, per track and over both."""
    covered, widths = {}, {}
    for track in TRACK_IDS:
        low, high = intervals.p_success[track]
        covered[track] = (truth[track] >= low) & (truth[track] <= high)
        widths[track] = high - low
    report = {
        t: {"coverage": float(covered[t].mean()), "width": float(widths[t].mean())}
        for t in TRACK_IDS
    }
    report["both"] = {
        "coverage": float(np.mean([covered[t].mean() for t in TRACK_IDS])),
        "width": float(np.mean([widths[t].mean() for t in TRACK_IDS])),
    }
    return report


def _peers(train, train_profiles, test, test_profiles) -> dict[str, dict[str, np.ndarray]]:
    """The two afternoon models, trained on the same usable rows as trackfit."""
    rows = usable_rows(train_profiles)
    means = _means_and_years(train_profiles)
    test_means = _means_and_years(test_profiles)
    fill = np.nanmedian(means[rows], axis=0)
    logistic, boosted = {}, {}
    for track in TRACK_IDS:
        mine = rows & (train.track_taken == track)
        y = train.success[mine]
        model = make_pipeline(
            StandardScaler(),
            # max_iter: the default 100 can stop lbfgs short at the weakest penalties, on some
            # CPUs' arithmetic and not others'; an analyst would let it converge
            LogisticRegressionCV(
                Cs=10,
                cv=5,
                scoring="neg_log_loss",
                l1_ratios=(0.0,),
                max_iter=1000,
                use_legacy_attributes=False,
            ),
        )
        model.fit(np.where(np.isnan(means[mine]), fill, means[mine]), y)
        logistic[track] = model.predict_proba(np.where(np.isnan(test_means), fill, test_means))[
            :, 1
        ]
        trees = HistGradientBoostingClassifier(random_state=0, early_stopping=True)
        trees.fit(_raw_features(train)[mine], y)
        boosted[track] = trees.predict_proba(_raw_features(test))[:, 1]
    return {"logistic_cv": logistic, "gradient_boosting": boosted}


def _means_and_years(profiles) -> np.ndarray:
    """The logistic peer's inputs: construct and competency means, years of experience."""
    years = profiles.context["years_experience"].astype(float)[:, None]
    return np.hstack([profiles.constructs, profiles.competencies, years])


def _spread(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """How much the training sample moves the figures: the standard deviation over samples of
    the advice's gain, and of its paired difference from each peer's (the same people trained
    and judged both); None with one sample."""
    if len(runs) < 2:
        return {"gain_sd": None, "versus": {peer: None for peer in PEERS}}
    advice = np.array([run["advice"]["gain"] for run in runs])
    versus = {}
    for peer in PEERS:
        difference = advice - np.array([run[peer]["gain"] for run in runs])
        versus[peer] = {
            "mean": round(float(difference.mean()), 4),
            "sd": round(float(difference.std(ddof=1)), 4),
        }
    return {"gain_sd": round(float(advice.std(ddof=1)), 4), "versus": versus}


def _mean_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The element-wise mean of nested dicts of numbers (other leaves from the first run)."""
    first = runs[0]
    if isinstance(first, dict):
        return {key: _mean_of([run[key] for run in runs]) for key in first}
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        return round(float(np.mean(runs)), 4)
    return first


def size_table(report: dict[str, Any]) -> str:
    """The report as text: per truth, one line per training size for the advice (gain,
    calibration, intervals; the peers beside it), then one for how each model predicts
    success on the track people took (ROC AUC and Brier per track, the peers beside it)."""
    prior = report.get("prior")
    lines = [
        f"pack {report['pack']}: mean of {report['seeds']} training samples per size, judged "
        f"on {report['test_people']:,} fresh synthetic people per truth"
        + (f"; training may shrink toward {prior}" if prior else ""),
        "gain: share of the coin-flip-to-best-track step the advice captures (sd: over training "
        "samples; vs logit: the advice's gain minus the logistic peer's on the same samples, "
        "mean and sd); cal.err: mean |stated - true| chance on the advised track; cover: share "
        "of 90% intervals holding the true chance, both tracks and each; width: their mean width",
    ]
    models = ("trackfit", "logistic_cv", "gradient_boosting")
    for truth, rows in report["truths"].items():
        lines += ["", f"truth: {truth}"]
        lines.append(
            f"{'rows':>6} | {'gain':>5} {'sd':>4} {'logit':>5} {'gbm':>5} {'quo':>5} "
            f"{'vs logit':>12} | {'cal.err':>7} {'logit':>5} {'gbm':>5} | "
            f"{'cover':>5} {'ic':>5} {'mgr':>5} {'width':>5}"
        )
        for row in rows:
            spread = row.get("spread") or {}
            sd, versus = spread.get("gain_sd"), (spread.get("versus") or {}).get("logistic_cv")
            intervals = row["intervals"]
            lines.append(
                f"{row['train_people']:>6} | {row['advice']['gain']:>5.2f} "
                + (f"{sd:>4.2f} " if sd is not None else f"{'-':>4} ")
                + f"{row['logistic_cv']['gain']:>5.2f} {row['gradient_boosting']['gain']:>5.2f} "
                f"{row['status_quo']['gain']:>5.2f} "
                + (f"{versus['mean']:>+6.3f}±{versus['sd']:.3f}" if versus else f"{'-':>12}")
                + f" | {row['advice']['calibration_error']:>7.3f} "
                f"{row['logistic_cv']['calibration_error']:>5.3f} "
                f"{row['gradient_boosting']['calibration_error']:>5.3f} | "
                f"{intervals['both']['coverage']:>5.2f} {intervals['ic']['coverage']:>5.2f} "
                f"{intervals['manager']['coverage']:>5.2f} {intervals['both']['width']:>5.2f}"
            )
        lines.append(
            f"{'rows':>6} | {'ROC AUC ic':>17} | {'ROC AUC mgr':>17} | {'Brier ic':>17} | "
            f"{'Brier mgr':>17}   (each: trackfit, logit, gbm; on the track people took)"
        )
        for row in rows:
            cells = [
                " ".join(f"{row[m]['tracks'][track][measure]:>5.3f}" for m in models)
                for measure in ("auc", "brier")
                for track in ("ic", "manager")
            ]
            lines.append(f"{row['train_people']:>6} | " + " | ".join(cells))
    return "\n".join(lines)


def evaluate_on_outcomes(data, test_share: float = 0.3, seed: int = 11) -> dict[str, Any]:
    """Held-out evaluation on real outcome data, where only the track taken is observed.

    Without the truth on the other track the value of the advice cannot be measured, so this
    compares how well each model predicts success on the track people took: ROC AUC and Brier
    per track on a held-out share, for trackfit and the gradient-boosting peer.
    """
    profiles = data.profiles()
    shortfalls = training_shortfalls(data.track_taken, data.success, profiles)
    if shortfalls:  # what `trackfit train` would refuse is not evaluated either
        raise OutcomesTooFew(". ".join(shortfalls))
    rng = np.random.default_rng(seed)
    held_out = rng.random(len(data.success)) < test_share
    features = feature_matrix(profiles)
    usable = usable_rows(profiles)
    # responses with a quality flag are neither learnt from nor judged, as in training
    test, train = held_out & usable, ~held_out & usable
    fitted = fit_on_profiles(profiles, data.track_taken, data.success, train, seed=seed)
    raw = _raw_features(data)
    peer = _peer_models(raw[train], data.track_taken[train], data.success[train])
    peer_p = {t: model.predict_proba(raw[test])[:, 1] for t, model in peer.items()}
    ours = fitted.model.predict(features[test]).p_success
    paired = compare_paired(
        ours, peer_p, data.track_taken[test], data.success[test], active_name="peer", seed=seed
    )
    unjudged = _too_few_held_out(data.track_taken[test], data.success[test])
    report = {
        "rows": len(data.success),
        "test_rows": int(test.sum()),
        "test_rows_left_out_for_quality_flags": int((held_out & ~usable).sum()),
        "seed": seed,
        "note": "only the track taken is observed: the value of the advice needs the truth "
        "on both tracks and is measured on synthetic data (trackfit evaluate)",
        "trackfit": probability_metrics(ours, data.track_taken[test], data.success[test]),
        # per track: the held-out people, trackfit's AUC and Brier with their 90% intervals,
        # the peer's with theirs, and the paired difference (trackfit - peer) with its interval
        "versus_peer": {
            "interval_level": paired["interval_level"],
            "tracks": {t: _versus_peer(entry) for t, entry in paired["tracks"].items()},
        },
        "gradient_boosting_peer": probability_metrics(
            peer_p, data.track_taken[test], data.success[test]
        ),
    }
    for track, entry in paired["tracks"].items():
        # each side's figures with their intervals, from the same resamples as versus_peer
        for name, side in (("trackfit", "candidate"), ("gradient_boosting_peer", "active")):
            if track in report[name]:
                report[name][track] = with_intervals(report[name][track], entry, side)
    for track, why in unjudged.items():
        # a handful of people ranks perfectly by chance: no figure, and the reason instead
        report["versus_peer"]["tracks"][track] = {
            "rows": report["versus_peer"]["tracks"][track]["rows"],
            "not_judged": why,
        }
        for name in ("trackfit", "gradient_boosting_peer"):
            report[name].pop(track, None)
    report["not_judged"] = unjudged
    return report


def _too_few_held_out(track_taken: np.ndarray, success: np.ndarray) -> dict[str, str]:
    """Per track whose held-out people are too few to judge (fewer than MIN_EACH_OUTCOME
    successes or failures, as training needs), why."""
    reasons = {}
    for track in TRACK_IDS:
        y = success[track_taken == track]
        successes = int(y.sum())
        if min(successes, y.size - successes) < MIN_EACH_OUTCOME:
            people = "1 person" if y.size == 1 else f"{y.size:,} people"
            reasons[track] = (
                f"of the {people} held out who took the {track} track, {successes:,} "
                f"succeeded and {y.size - successes:,} did not: judging needs at least "
                f"{MIN_EACH_OUTCOME} of each, or a ranking of so few is chance; use a bigger "
                "file"
            )
    return reasons


class OutcomesTooFew(TrainingDataTooSmall):
    """An outcome file too small to train on at all, as `trackfit train` would refuse it
    (not only its training share)."""


def _versus_peer(entry: dict[str, Any]) -> dict[str, Any]:
    """A track of `compare_paired` told as trackfit against the peer."""
    named = {"rows": entry["rows"]}
    for measure in ("auc", "brier"):
        if measure in entry:
            found = entry[measure]
            named[measure] = {
                "trackfit": found["candidate"],
                "trackfit_interval": found["candidate_interval"],
                "peer": found["active"],
                "peer_interval": found["active_interval"],
                "difference": found["difference"],
                "interval": found["interval"],
            }
    return named


def _peer_models(x, track_taken, success) -> dict[str, HistGradientBoostingClassifier]:
    models = {}
    for track in TRACK_IDS:
        rows = track_taken == track
        model = HistGradientBoostingClassifier(random_state=0, early_stopping=True)
        models[track] = model.fit(x[rows], success[rows])
    return models


def _raw_features(outcomes) -> np.ndarray:
    context = outcomes.context
    numbers = [
        context[name].astype(float)
        for name in ("years_experience", "years_at_level", "direct_reports")
    ]
    managing = (context["current_track"] == "manager").astype(float)
    return np.column_stack([outcomes.answers, *numbers, managing])
