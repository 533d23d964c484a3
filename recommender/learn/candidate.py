"""Training a candidate model version from outcomes and registering it beside the active one.

Every usable row counts: the candidate learns from all of them (and may shrink toward the
active version, when the capacity search finds that it pays), and is judged by k-fold
cross-fitting (each fold scored by a candidate trained, capacity search included, on the
other folds), with the active version scored on the same people. Paired bootstrap intervals
on the AUC and Brier differences give a verdict in words. The fairness report of each covers
everyone in the data: what each model would advise, by group of every sensitive attribute.
Responses with a quality flag are left out of training and of the metrics (their answers may
not reflect the person), and the summary says how many.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.metrics import roc_curve
from sklearn.model_selection import StratifiedKFold

from recommender.answer.assessment import assess
from recommender.answer.features import feature_matrix, pack_features
from recommender.answer.profile import ProfileBatch
from recommender.answer.recommendation import decide
from recommender.answer.registry import ModelRefused, Registry
from recommender.answer.track_model import TrackModel
from recommender.learn.advice_value import advice_value
from recommender.learn.comparison import compare_paired, with_intervals
from recommender.learn.fairness import fairness_report
from recommender.learn.group_calibration import calibration_by_group
from recommender.learn.model_card import LABEL_DEFINITION, render_model_card
from recommender.learn.people import people_learnt, person_keys, seen_rows
from recommender.learn.publishing import RegistryWriter
from recommender.learn.training import (
    Prior,
    TrainingDataTooSmall,
    calibration_table,
    fit_on_profiles,
    probability_metrics,
    track_shortfall,
    training_shortfalls,
    usable_rows,
)
from recommender.learn.verdict_evidence import VerdictEvidence
from recommender.pack.framework import TRACK_IDS

CROSS_FIT_FOLDS = 5
# Measured on 2,000 synthetic people, 8 training seeds: one draw of the folds put the manager
# track's AUC difference anywhere from -0.011 to -0.000 (4 verdicts "worse", 4 "no difference
# shown"); the mean of three draws from -0.008 to -0.002 (7 and 1). Above a few thousand people
# one draw moves little, and three would triple the longest trainings.
CROSS_FIT_REPEATS, REPEAT_AT_MOST = 3, 5000
REPEAT_SEED_STEP = 7919
ROC_POINTS = 40
# People assessed twice are no reason to give up the prior: up to 1% of the rows being people
# the active version learnt from leaks that little into the search's cross-validation.
SEEN_SHARE_FOR_PRIOR = 0.01


def train_candidate(
    profiles: ProfileBatch,
    track_taken: np.ndarray,
    success: np.ndarray,
    *,
    registry: RegistryWriter,
    data: dict[str, Any],
    sensitive: dict[str, np.ndarray] | None = None,
    seed: int = 0,
    folds: int = CROSS_FIT_FOLDS,
    evaluation: list[dict[str, Any]] | None = None,
    promote: bool = False,
    by: str | None = None,
    shrink_toward_active: bool = True,
    progress: Callable[[str], None] = lambda stage: None,
    on_evidence: Callable[[VerdictEvidence], None] | None = None,
) -> dict[str, Any]:
    """Fit on every usable row, judge by cross-fitting beside the active version, write a new
    version (and make it the active one when `promote`, recording `by` as who made the move);
    return the JSON summary. With
    `shrink_toward_active`, the active version (when it reads the same features) is a prior
    the capacity search may shrink toward. The version records the people it learnt from
    (`recommender.learn.people`): people the active version learnt from are left out of its
    comparison where enough others remain, and more than a few of them make it no prior.
    `on_evidence`, when given, receives the people behind the verdict (`VerdictEvidence`)
    before the version is written. Raises TrainingDataTooSmall when a track has too few
    people."""
    pack = profiles.pack
    sensitive = sensitive or {}
    shortfalls = training_shortfalls(track_taken, success, profiles)
    if shortfalls:
        raise TrainingDataTooSmall(". ".join(shortfalls))
    usable = usable_rows(profiles)
    features = feature_matrix(profiles)
    names = tuple(feature.name for feature in pack_features(pack))
    keys = person_keys(profiles.employee_ids)
    # a pointer that cannot be read names no version to compare with (promoting mends it)
    active_name = registry.active_or_none(pack)
    active = _comparable_active(registry, active_name, names)
    active_people, unreadable = None, None
    seen = np.zeros(keys.size, dtype=bool)
    if isinstance(active, TrackModel):
        try:
            active_people = registry.learnt_from(active_name)
        except ModelRefused as refused:  # changed or gone: who it learnt from is unknown
            unreadable = str(refused.problems[0])
        seen = _seen_by_active(registry, active_name, active_people, keys, data.get("sha256"))
    seen &= usable
    # whom the active version learnt from, as the people behind the verdict say it: None
    # where that is not known (never "no")
    known = not unreadable and _learnt_known(
        registry, (active_name, active, active_people), data.get("sha256")
    )
    prior, prior_people, declined = None, None, None
    if shrink_toward_active and isinstance(active, TrackModel):
        prior, prior_people, declined = _choose_prior(
            registry, (active_name, active, active_people, unreadable), names, (keys, usable, seen)
        )
    progress("choosing the capacity and fitting the candidate on every usable row")
    result = fit_on_profiles(
        profiles, track_taken, success, usable, seed=seed, prior=prior, search_intervals=True
    )
    progress("making the fairness reports")
    fairness = advice_fairness(result.model, profiles, features, sensitive)
    drawn = cross_fitting_drawn(folds, cross_fit_repeats(int(usable.sum())))
    progress(f"judging the candidate by {drawn} beside the active version")
    holdout = _cross_fitted_comparison(
        (active_name, active, seen, unreadable),
        profiles=profiles,
        features=features,
        track_taken=track_taken,
        success=success,
        usable=usable,
        sensitive=sensitive,
        folds=folds,
        seed=seed,
        prior=prior,
        on_evidence=on_evidence,
        learnt_by_active=seen if known else None,
    )
    took_prior = prior is not None and any(
        m.get("prior_weight", 0) > 0 for m in result.metrics["tracks"].values()
    )
    manifest = {
        "pack": pack.ref,
        "features": list(names),
        "label": LABEL_DEFINITION,
        "data": {
            **data,
            "rows": len(success),
            "rows_used": int(usable.sum()),
            "rows_held_out": 0,
            "rows_left_out_for_quality_flags": int((~usable).sum()),
        },
        "metrics": result.metrics,
        "holdout": holdout,
        "comparison": holdout["comparison"],
        "fairness": fairness,
        "sensitive_columns": sorted(sensitive),
    }
    if declined:
        manifest["prior_declined"] = declined
    if evaluation:
        manifest["evaluation"] = evaluation
    progress("writing the candidate version")
    # the generator's made-up people are no one to recognise later
    people = None
    if not data.get("generator"):
        people = people_learnt(keys[usable], prior_people if took_prior else None)
    name = registry.add(result.model, manifest, render_model_card(manifest), people)
    if promote:
        registry.promote(name, pack, by=by)
    return {
        "version": name,
        "active": registry.active(pack),
        "pack": pack.ref,
        "rows": manifest["data"]["rows"],
        "rows_used": manifest["data"]["rows_used"],
        "metrics": result.metrics,
        "cross_fitted": {
            t: with_intervals(m, holdout["comparison"]["tracks"].get(t, {}))
            for t, m in holdout["candidate"]["tracks"].items()
        },
        "compared_with_active": _compared(holdout["active"], holdout["comparison"]),
        "differences": differences(holdout["comparison"]),
        "verdict": holdout["comparison"]["verdict"],
        "fairness": fairness,
    }


def cross_fitted_p_success(
    profiles: ProfileBatch,
    track_taken: np.ndarray,
    success: np.ndarray,
    usable: np.ndarray,
    *,
    folds: int = CROSS_FIT_FOLDS,
    seed: int = 0,
    prior: Prior | None = None,
) -> tuple[dict[str, np.ndarray], list[dict[str, Any]]]:
    """Each usable person's chances from candidates that never saw them (NaN elsewhere): the
    whole training, capacity search (and the prior it may shrink toward) included, repeated on
    the other folds; and what each fold's search chose (`fold_choice`). On few people the
    split itself moves the verdict (one split judged a file "worse", another "no difference
    shown"), so there the folds are drawn `cross_fit_repeats` times and each person's chances
    are the mean of the candidates that did not learn from them."""
    features = feature_matrix(profiles)
    rows = np.flatnonzero(usable)
    strata = np.char.add(track_taken[rows].astype(str), success[rows].astype(int).astype(str))
    smallest = int(np.unique(strata, return_counts=True)[1].min())
    total = {t: np.zeros(len(success)) for t in TRACK_IDS}
    repeats = cross_fit_repeats(rows.size)
    choices = []
    for repeat in range(repeats):
        splitter = StratifiedKFold(
            n_splits=max(2, min(folds, smallest)),
            shuffle=True,
            random_state=seed + REPEAT_SEED_STEP * repeat,  # the first split as it always was
        )
        for train, test in splitter.split(rows, strata):
            learn = np.zeros(len(success), dtype=bool)
            learn[rows[train]] = True
            fitted = fit_on_profiles(profiles, track_taken, success, learn, seed=seed, prior=prior)
            predicted = fitted.model.predict(features[rows[test]]).p_success
            for track in TRACK_IDS:
                total[track][rows[test]] += predicted[track]
            choices.append({"scored": int(test.size), **fold_choice(fitted.metrics["tracks"])})
    p_success = {t: np.full(len(success), np.nan) for t in TRACK_IDS}
    for track in TRACK_IDS:
        p_success[track][rows] = total[track][rows] / repeats
    return p_success, choices


def cross_fitting_drawn(folds: int, repeats: int) -> str:
    """'5-fold cross-fitting', or '... drawn 3 times': the method in a few words."""
    return f"{folds}-fold cross-fitting" + (f" drawn {repeats} times" if repeats > 1 else "")


def cross_fitting_said(folds: int, repeats: int) -> str:
    """The method in words, as pages and the card say it."""
    if repeats == 1:
        return cross_fitting_drawn(folds, repeats)
    return (
        f"{cross_fitting_drawn(folds, repeats)} (each person's chances the mean of the "
        f"{repeats} candidates that did not learn from them)"
    )


def cross_fit_repeats(people: int) -> int:
    """How many times the folds are drawn for this many usable people."""
    return CROSS_FIT_REPEATS if people <= REPEAT_AT_MOST else 1


def fold_choice(tracks: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What one training's capacity search chose for each track: knots per feature (2:
    straight lines), the L2 strength C, whether the optional context took part, the
    interactions taken, and the weight on the prior when one was offered."""
    keys = ("knots", "regularisation_c", "optional_context", "pairs", "prior_weight")
    return {
        track: {key: tracks[track][key] for key in keys if key in tracks[track]}
        for track in TRACK_IDS
    }


def _cross_fitted_comparison(
    against: tuple[str | None, TrackModel | str | None, np.ndarray, str | None],
    *,
    profiles: ProfileBatch,
    features: np.ndarray,
    track_taken: np.ndarray,
    success: np.ndarray,
    usable: np.ndarray,
    sensitive: dict[str, np.ndarray],
    folds: int,
    seed: int,
    prior: Prior | None = None,
    on_evidence: Callable[[VerdictEvidence], None] | None = None,
    learnt_by_active: np.ndarray | None = None,
) -> dict[str, Any]:
    """The cross-fitted candidate and the active version on the same usable people.
    `against`: the active version's name, its model (or why it cannot be compared, or None),
    which usable rows are people it learnt from, and why its record of them could not be read
    (or None). Those people are left out of the judging when enough others remain on each
    track; otherwise everyone is judged and the verdict says the comparison flatters the active
    version, as it does when the record could not be read. `on_evidence` receives the people
    behind the verdict, `learnt_by_active` saying whom the active version learnt from (None:
    not known)."""
    candidate, fold_choices = cross_fitted_p_success(
        profiles, track_taken, success, usable, folds=folds, seed=seed, prior=prior
    )
    active_name, active, seen, unreadable = against
    # per track: leave out the people the active version learnt from where enough others
    # remain to judge it; elsewhere judge everyone, and say the comparison flatters it there
    judged, left_out, learnt = usable.copy(), {}, {}
    for track in TRACK_IDS:
        on = usable & (track_taken == track)
        if not (on & seen).any():
            continue
        if track_shortfall(track, success[on & ~seen]) is None:
            judged &= ~(on & seen)
            left_out[track] = int((on & seen).sum())
        else:
            learnt[track] = int((on & seen).sum())
    taken, outcome = track_taken[judged], success[judged]
    mine = {t: p[judged] for t, p in candidate.items()}
    holdout: dict[str, Any] = {
        "rows": int(judged.sum()),
        "method": cross_fitting_said(folds, cross_fit_repeats(int(usable.sum()))),
        "folds": folds,
        "candidate": held_out_metrics(mine, taken, outcome),
        "active": None,
        "fold_choices": fold_choices,
    }
    holdout["advice_value"] = advice_value(
        {t: p[usable] for t, p in candidate.items()},
        features[usable],
        track_taken[usable],
        success[usable],
        seed=seed,
    )
    if sensitive:
        holdout["calibration_by_group"] = calibration_by_group(
            {t: p[usable] for t, p in candidate.items()},
            track_taken[usable],
            success[usable],
            {name: np.asarray(values, dtype=object)[usable] for name, values in sensitive.items()},
        )
    if left_out:
        holdout["left_out_learnt_by_active"] = sum(left_out.values())
    theirs = None
    if isinstance(active, TrackModel):
        theirs = active.predict(features[judged]).p_success
        holdout["active"] = {
            "version": active_name,
            **held_out_metrics(theirs, taken, outcome),
            "fairness": advice_fairness(active, profiles, features, sensitive),
        }
    elif active is not None:
        holdout["active"] = {"version": active_name, "error": active}
    holdout["comparison"] = compare_paired(
        mine,
        theirs,
        taken,
        outcome,
        active_name=active_name,
        seed=seed,
        learnt_by_active=learnt,
        left_out_by_active=left_out,
        active_people_unreadable=unreadable,
    )
    if on_evidence is not None:
        on_evidence(
            VerdictEvidence(
                employee_ids=profiles.employee_ids,
                track_taken=track_taken,
                success=success,
                usable=usable,
                judged=judged,
                learnt_by_active=learnt_by_active,
                candidate=candidate,
                active=_active_chances(active, features, usable, judged, theirs),
            )
        )
    return holdout


def _active_chances(
    active: TrackModel | str | None,
    features: np.ndarray,
    usable: np.ndarray,
    judged: np.ndarray,
    theirs: dict[str, np.ndarray] | None,
) -> dict[str, np.ndarray]:
    """Per row, the active version's chances: for the people judged, those the verdict
    compared; for the other usable people, its chances of them too; NaN elsewhere."""
    chances = {t: np.full(judged.size, np.nan) for t in TRACK_IDS}
    if theirs is None or not isinstance(active, TrackModel):
        return chances
    others = usable & ~judged
    rest = active.predict(features[others]).p_success if others.any() else None
    for track in TRACK_IDS:
        chances[track][judged] = theirs[track]
        if rest is not None:
            chances[track][others] = rest[track]
    return chances


def _choose_prior(
    registry: Registry,
    offered: tuple[str, TrackModel, np.ndarray | None, str | None],
    names: tuple[str, ...],
    rows: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[Prior | None, np.ndarray | None, dict[str, Any] | None]:
    """The prior the search may shrink toward, the people it learnt from, and why the active
    version was declined (or None). `offered`: the active version's name, model, people and
    why its record of them could not be read; `rows`: each row's key, whether it is usable,
    and whether the active version learnt from it. An active version that learnt from these
    people is no prior: they would count twice, and cross-fitting's held-out people would be
    inside it; nor is one whose record of them cannot be read. What it had learnt beyond
    these people, the version it was built on, may be (whose own record is then checked)."""
    name, model, people, unreadable = offered
    keys, usable, seen = rows  # `seen`: usable rows only
    if unreadable:
        declined: dict[str, Any] = {"version": name, "people_unreadable": unreadable}
    elif _few_learnt(seen, usable):
        return Prior(model, name), people, None
    else:
        declined = {"version": name, "people_learnt": int(seen.sum())}
    prior, prior_people = _prior_before(registry, name, names, keys, usable)
    if prior is not None:
        declined["instead"] = prior.version
    return prior, prior_people, declined


def _prior_before(
    registry: Registry, name: str, names: tuple[str, ...], keys: np.ndarray, usable: np.ndarray
) -> tuple[Prior | None, np.ndarray | None]:
    """Down the chain of priors from version `name` (the version it shrank toward, the one
    that one shrank toward, ...): the first that reads these features and learnt from few
    enough of these people to be a prior, with the people it learnt from (None for a version
    that recorded no one, such as a synthetic default); (None, None) when there is none."""
    visited = {name}
    while True:
        try:
            tracks = registry.manifest(name).get("metrics", {}).get("tracks", {})
        except ModelRefused:
            return None, None
        taken = {e.get("prior") for e in tracks.values() if e.get("prior_weight")} - {None}
        if len(taken) != 1 or (name := taken.pop()) in visited:
            return None, None
        visited.add(name)
        model = _comparable_active(registry, name, names)
        if not isinstance(model, TrackModel):
            return None, None
        try:
            people = registry.learnt_from(name)
        except ModelRefused:
            return None, None
        if people is None or _few_learnt(usable & seen_rows(keys, people), usable):
            return Prior(model, name), people


def _few_learnt(seen: np.ndarray, usable: np.ndarray) -> bool:
    """Whether the usable people a version learnt from (`seen`, usable rows only) are few
    enough for it to be a prior."""
    return seen.sum() <= SEEN_SHARE_FOR_PRIOR * usable.sum()


def _seen_by_active(
    registry: Registry,
    active_name: str,
    active_people: np.ndarray | None,
    keys: np.ndarray,
    sha256: str | None,
) -> np.ndarray:
    """Which rows are people the active version learnt from: by the people it recorded, else
    (a version from before people were recorded) everyone when it learnt this very file (the
    same SHA-256), else no one known."""
    if active_people is not None:
        return seen_rows(keys, active_people)
    learnt_file = registry.manifest(active_name).get("data", {}).get("sha256")
    return np.full(keys.size, bool(sha256) and learnt_file == sha256)


def _learnt_known(
    registry: Registry,
    active: tuple[str | None, TrackModel | str | None, np.ndarray | None],
    sha256: str | None,
) -> bool:
    """Whether it is known which people the active version (name, model or why it cannot be
    compared, the people it recorded) learnt from: there is none, it recorded them, it learnt
    from the generator's made-up people, or from this very file; not when it could not be
    compared, nor when it is from before people were recorded and learnt another file."""
    name, model, people = active
    if model is None or people is not None:
        return True
    if not isinstance(model, TrackModel):
        return False
    data = registry.manifest(name).get("data", {})
    return bool(data.get("generator")) or (bool(sha256) and data.get("sha256") == sha256)


def _comparable_active(
    registry: Registry, name: str | None, feature_names: tuple[str, ...]
) -> TrackModel | str | None:
    """The active version `name`'s model, why it cannot be compared with one reading these
    features, or None when nothing is active (the name is read once by the caller, so that a
    promotion in between cannot pair one version's name with another's model)."""
    if name is None:
        return None
    try:
        active = registry.load(name)
    except ModelRefused as refused:
        return str(refused.problems[0])
    if active.model.input_names != feature_names:
        return "reads different features; not comparable"
    return active.model


def _compared(active: dict[str, Any] | None, comparison: dict[str, Any]) -> dict[str, Any] | None:
    """The active version's figures on the same folds, each with its interval."""
    if active is None or "error" in active:
        return active
    judged = comparison.get("tracks") or {}
    tracks = {
        t: with_intervals(m, judged.get(t, {}), side="active") for t, m in active["tracks"].items()
    }
    return {"version": active["version"], "tracks": tracks}


def differences(comparison: dict[str, Any]) -> dict[str, Any] | None:
    """The evidence behind a verdict, as the manifest's comparison holds it: per track judged,
    the candidate's ROC AUC and Brier minus the active version's on the same people, each with
    its 90% interval and the interval the judgement read (`judged_interval`), and the
    judgement (`judgement_said`: as the verdict and the pages say it). None when nothing was
    compared."""
    tracks = {
        track: {
            "rows": entry["rows"],
            "judgement": entry["judgement"],
            **({"judgement_said": entry["judgement_said"]} if "judgement_said" in entry else {}),
            **{
                measure: {
                    key: entry[measure][key]
                    for key in ("difference", "interval", "judged_interval")
                    if key in entry[measure]
                }
                for measure in ("auc", "brier")
            },
        }
        for track, entry in (comparison.get("tracks") or {}).items()
        if "judgement" in entry
    }
    if not comparison.get("active") or not tracks:
        return None
    return {
        "active": comparison["active"],
        "difference": "candidate minus active",
        "interval_level": comparison.get("interval_level"),
        "judged_level": comparison.get("judged_level"),
        "tracks": tracks,
    }


def held_out_metrics(
    p_success: dict[str, np.ndarray], track_taken: np.ndarray, success: np.ndarray
) -> dict[str, Any]:
    """Per track, on the people who took it (chances from a model that never saw them):
    ROC AUC, Brier, calibration, ROC curve."""
    headline = probability_metrics(p_success, track_taken, success)
    tracks = {}
    for track in TRACK_IDS:
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
    return _advice(model, profiles, features)[0]


def _advice(
    model: TrackModel, profiles: ProfileBatch, features: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """`advice_outcomes`, and whom each outcome can happen to at all: a target above the
    current level only to people whose stated grade is below the top of every ladder. Who
    counts must not depend on the advice: where the ladders end at different grades, "below
    the top of the ladder advised" would tell the advice of the people at the lower top, by
    subtracting the people counted from the people of a group (`fairness_report`'s protection
    of small groups sees neither). Someone whose grade is not stated counts."""
    prediction = model.predict(features)
    assessment = assess(profiles, prediction.p_success, prediction.intervals)
    tracks, _ = decide(prediction, assessment, profiles)
    target = np.full(len(profiles), np.nan)
    assessed_current = np.full(len(profiles), np.nan)
    top = 0.0  # the highest grade of any ladder
    for track in TRACK_IDS:
        levels = assessment.levels[track]
        chosen = tracks == track
        target[chosen] = levels.grades(levels.target)[chosen]
        assessed_current[chosen] = levels.grades(levels.supported_here)[chosen]
        top = max(top, *(level.grade for level in levels.ladder))
    stated = profiles.context["current_grade"]
    current = np.where(np.isnan(stated), assessed_current, stated)
    with np.errstate(invalid="ignore"):
        above = np.where(np.isnan(current), ~np.isnan(target), target > current)
        below_top = np.isnan(stated) | (stated < top)
    outcomes = {"manager_recommended": tracks == "manager", "target_above_current": above}
    return outcomes, {"target_above_current": below_top}


def advice_fairness(
    model: TrackModel,
    profiles: ProfileBatch,
    features: np.ndarray,
    sensitive: dict[str, np.ndarray],
) -> dict[str, Any] | None:
    """The fairness report of a model's advice, or None when no sensitive column was given."""
    if not sensitive:
        return None
    outcomes, applies_to = _advice(model, profiles, features)
    return fairness_report(outcomes, sensitive, applies_to=applies_to)
