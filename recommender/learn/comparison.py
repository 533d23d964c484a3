"""Which model is better, told plainly: paired bootstrap intervals on the differences in AUC
and Brier score between a candidate and the active version, and a verdict in words.

Both models are scored on the same people (the candidate cross-fitted, so it never saw the
person it scores); resampling people, with both models' scores kept together, gives the
interval of each difference. A track is "better" when an interval says so and none says
"worse" (higher AUC or lower Brier), "worse" the other way round, "mixed" when they disagree,
and "no different" when every interval holds zero; the intervals a judgement reads are wider
than the 90% ones shown (JUDGED_LEVEL), as four differences are judged at once. A difference
whose whole interval lies within the smallest difference that matters (MEANINGFUL) is "no
different" however sure: on tens of thousands of people an AUC 0.001 higher is real, and no
reason to change anyone's advice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from recommender.answer.track_model import INTERVAL_LEVEL
from recommender.pack.framework import TRACK_IDS

BOOTSTRAP_SAMPLES = 1000
DRAWS_AT_ONCE = 50
WIDE_AUC_INTERVAL = 0.1  # a candidate AUC this uncertain can only show big differences
CHANCE_AUC = 0.5  # ranking people no better than a coin flip
TRACK_NAMES = {"ic": "IC", "manager": "manager"}
# The smallest differences worth acting on: a hundredth of the way from a coin flip to a
# perfect ranking in ROC AUC (0.005), and 0.001 in Brier score (about half a percent of a
# typical 0.2)
MEANINGFUL = {"ROC AUC": 0.005, "Brier": 0.001}
# The level of the intervals a judgement reads: four differences are judged at once (ROC AUC
# and Brier on each track), and with a 90% interval each, two equally good models were called
# better or worse on some track in 22% of comparisons (measured, 600 people, 200 pairs); at
# 1 - 0.1/4 each (Bonferroni), in 8.5%: the verdict as a whole errs about as often as one
# 90% interval. The pages show the 90% intervals, and the judged ones beside them.
JUDGED_COMPARISONS = 4
JUDGED_LEVEL = 1 - (1 - INTERVAL_LEVEL) / JUDGED_COMPARISONS
# "No different" says no difference could be shown, not that there is none: where the ROC AUC
# interval reaches this far either side, the verdict says how far
WIDE_REACH = 0.02


def paired_auc(y: np.ndarray, scores: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """ROC AUC of each column of `scores` (people x models) in each bootstrap sample (rows of
    `samples`, indices of people): (samples x models), NaN where a sample has one outcome."""
    return _weighted_auc(np.asarray(y, dtype=int), scores, _draw_counts(samples, len(y)))


def _draw_counts(samples: np.ndarray, people: int) -> np.ndarray:
    """How many times each person was drawn in each sample: (samples x people)."""
    return np.stack([np.bincount(sample, minlength=people) for sample in samples]).astype(float)


def _weighted_auc(y: np.ndarray, scores: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The AUC of each model in each sample given as counts of draws per person.

    Each model's scores are sorted once; per sample, the AUC is the share of (success,
    failure) pairs, counted with their multiplicities, where the success scored higher, ties
    counting half (the Mann-Whitney statistic), read off cumulative sums of the failures'
    counts along the sorted scores (people along the first axis, so that reordering them
    moves whole rows).
    """
    positives, negatives = counts @ y, counts @ (1 - y)
    result = np.full((counts.shape[0], scores.shape[1]), np.nan)
    judged = (positives > 0) & (negatives > 0)
    drawn = np.ascontiguousarray(counts.T)  # (people x samples)
    for j in range(scores.shape[1]):
        order = np.argsort(scores[:, j], kind="stable")
        ordered = scores[order, j]
        weights = drawn[order]
        failed = weights * (1 - y[order])[:, None]
        through = np.cumsum(failed, axis=0)
        below = through - failed  # failures scored lower
        tied = failed  # failures with the same score: none but oneself without ties
        first = np.r_[True, ordered[1:] != ordered[:-1]]  # where each group of ties starts
        if not first.all():
            group = np.cumsum(first) - 1
            starts = np.flatnonzero(first)
            ends = np.r_[starts[1:], ordered.size] - 1
            below = below[starts[group]]
            tied = through[ends[group]] - below
        pairs = y[order] @ (weights * (below + 0.5 * tied))
        with np.errstate(invalid="ignore", divide="ignore"):
            result[:, j] = np.where(judged, pairs / (positives * negatives), np.nan)
    return result


def compare_paired(
    candidate: dict[str, np.ndarray],
    active: dict[str, np.ndarray] | None,
    track_taken: np.ndarray,
    success: np.ndarray,
    *,
    active_name: str | None,
    seed: int = 0,
    samples: int = BOOTSTRAP_SAMPLES,
    active_learnt_these: bool = False,
    left_out_by_active: dict[str, int] | None = None,
    active_people_unreadable: str | None = None,
    learnt_by_active: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Per track, the candidate's and the active version's AUC and Brier on the same people,
    the paired intervals of their differences, and the verdict. `left_out_by_active`: per
    track, how many people the active version learnt from were left out of these (the verdict
    says so); `active_people_unreadable`: why the active version's record of who it learnt from
    could not be read (then some of these may be, and the verdict cannot judge it worse);
    `learnt_by_active`: per track, how many of the people judged the active version learnt
    from, where too few others remained to judge that track without them (the verdict cannot
    judge the candidate worse there). `active_learnt_these` (every track) is the older form."""
    rng = np.random.default_rng([seed, 3])
    tracks: dict[str, Any] = {}
    for track in TRACK_IDS:
        rows = track_taken == track
        y = success[rows].astype(int)
        if y.size == 0 or y.min() == y.max():
            tracks[track] = {"rows": int(y.size)}
            continue
        if active is None:
            # nothing to compare with, but the candidate's own ranking is still judged
            tracks[track] = _candidate_alone(y, candidate[track][rows], rng, samples)
            continue
        scores = np.column_stack([candidate[track][rows], active[track][rows]])
        tracks[track] = _track_comparison(y, scores, rng, samples)
    report: dict[str, Any] = {
        "active": active_name,
        "rows": len(success),
        "interval_level": INTERVAL_LEVEL,
        "judged_level": JUDGED_LEVEL,
        "bootstrap_samples": samples,
        "active_learnt_these": active_learnt_these or bool(learnt_by_active),
        "tracks": tracks,
    }
    for key, counts in (("learnt_by_active", learnt_by_active), ("left_out", left_out_by_active)):
        for track, count in (counts or {}).items():
            if count and "rows" in tracks[track]:
                tracks[track][key] = count
    if left_out_by_active:
        report["left_out_learnt_by_active"] = sum(left_out_by_active.values())
    if active_people_unreadable:
        report["active_people_unreadable"] = active_people_unreadable
    report["verdict"] = verdict(report)
    # the judgement as the verdict and the pages say it, kept beside the older `judgement`
    # (which says "no different" also where no difference was shown)
    flattered = flattered_tracks(report)
    for track, entry in tracks.items():
        if "judgement" in entry:
            entry["judgement_said"] = judgement_said(entry, flattered=track in flattered)
    return report


def _resampled(y, scores, rng, samples) -> tuple[np.ndarray, np.ndarray]:
    """Each model's (column of `scores`) AUC and Brier score in `samples` bootstrap samples of
    the people: two (samples x models) arrays, the AUC NaN where a sample has one outcome."""
    errors = (scores - y[:, None]) ** 2
    auc, brier = [], []
    for start in range(0, samples, DRAWS_AT_ONCE):  # bounded memory on 100,000 people
        draws = rng.integers(0, y.size, size=(min(DRAWS_AT_ONCE, samples - start), y.size))
        counts = _draw_counts(draws, y.size)
        auc.append(_weighted_auc(y, scores, counts))
        brier.append(counts @ errors / y.size)
    return np.vstack(auc), np.vstack(brier)


def _interval(values: np.ndarray, level: float = INTERVAL_LEVEL) -> list[float]:
    """The `level` interval of bootstrap values (samples without a value left out)."""
    tail = (1 - level) / 2
    values = values[~np.isnan(values)]
    return [round(float(v), 4) for v in np.quantile(values, [tail, 1 - tail])]


def with_intervals(
    metrics: dict[str, Any], compared: dict[str, Any], side: str = "candidate"
) -> dict[str, Any]:
    """A track's headline figures (rows, ROC AUC, Brier), each with its 90% interval where
    `compared` (a track of `compare_paired`) has one for that side, "candidate" or "active"
    (`auc_interval`, `brier_interval`)."""
    said = {key: metrics[key] for key in ("rows", "auc", "brier") if key in metrics}
    for measure in ("auc", "brier"):
        interval = (compared.get(measure) or {}).get(f"{side}_interval")
        if measure in said and interval:
            said[f"{measure}_interval"] = interval
    return said


def _track_comparison(y, scores, rng, samples) -> dict[str, Any]:
    auc, brier = _resampled(y, scores, rng, samples)
    point_auc = paired_auc(y, scores, np.arange(y.size)[None, :])[0]
    point_brier = ((scores - y[:, None]) ** 2).mean(axis=0)
    entry = {"rows": int(y.size)}
    for name, point, spread in (("auc", point_auc, auc), ("brier", point_brier, brier)):
        entry[name] = {
            "candidate": round(float(point[0]), 4),
            "candidate_interval": _interval(spread[:, 0]),
            "active": round(float(point[1]), 4),
            "active_interval": _interval(spread[:, 1]),
            "difference": round(float(point[0] - point[1]), 4),
            "interval": _interval(spread[:, 0] - spread[:, 1]),
            "judged_interval": _interval(spread[:, 0] - spread[:, 1], JUDGED_LEVEL),
        }
    entry["judgement"], entry["because"] = _judge(entry)
    # the candidate's chances on this track rank its people no better than a coin flip could
    entry["chance_level"] = entry["auc"]["candidate_interval"][0] <= CHANCE_AUC
    return entry


def scored_alone(
    y: np.ndarray, scores: np.ndarray, *, seed: int, samples: int = BOOTSTRAP_SAMPLES
) -> dict[str, Any]:
    """One model's AUC and Brier on people it did not learn from (`scores`: its chances),
    each with its bootstrap interval, as the candidate's where there is nothing to compare."""
    rng = np.random.default_rng([seed, 7])
    return _candidate_alone(np.asarray(y, dtype=int), np.asarray(scores), rng, samples)


def _candidate_alone(y, scores, rng, samples) -> dict[str, Any]:
    """A track with no active version to compare with: the candidate's AUC and Brier with
    their bootstrap intervals (from the same resamples), and whether the AUC's interval
    reaches a coin flip's."""
    auc, brier = _resampled(y, scores[:, None], rng, samples)
    point = paired_auc(y, scores[:, None], np.arange(y.size)[None, :])[0, 0]
    interval = _interval(auc[:, 0])
    return {
        "rows": int(y.size),
        "auc": {"candidate": round(float(point), 4), "candidate_interval": interval},
        "brier": {
            "candidate": round(float(((scores - y) ** 2).mean()), 4),
            "candidate_interval": _interval(brier[:, 0]),
        },
        "chance_level": interval[0] <= CHANCE_AUC,
    }


def judged_interval(measure: dict[str, Any]) -> list[float]:
    """The interval a measure's difference was judged by: at JUDGED_LEVEL, or the one interval
    a comparison stored before judgements read their own kept."""
    return measure.get("judged_interval") or measure["interval"]


def _judge(entry: dict[str, Any]) -> tuple[str, str]:
    """The track's judgement and the measures whose intervals said so ("" when none did).
    A measure whose interval excludes zero but lies wholly within MEANINGFUL of it says
    nothing, and is listed under "too_small"."""
    auc_low, auc_high = judged_interval(entry["auc"])
    brier_low, brier_high = judged_interval(entry["brier"])
    said = {
        "ROC AUC": "better" if auc_low > 0 else "worse" if auc_high < 0 else None,
        "Brier": "better" if brier_high < 0 else "worse" if brier_low > 0 else None,
    }
    # the whole interval, not only the point, must lie within the smallest difference that
    # matters: a loss of 0.004 that may be 0.008 is not negligible
    reach = {
        "ROC AUC": max(map(abs, (auc_low, auc_high))),
        "Brier": max(map(abs, (brier_low, brier_high))),
    }
    too_small = [m for m, j in said.items() if j and reach[m] < MEANINGFUL[m]]
    if too_small:
        entry["too_small"] = too_small
    said = {m: None if m in too_small else j for m, j in said.items()}
    judgements = {j for j in said.values() if j}
    because = " and ".join(measure for measure, j in said.items() if j)
    if len(judgements) == 2:
        return "mixed", because
    return (judgements.pop() if judgements else "no different"), because


def judgement_said(
    entry: dict[str, Any], summary: str | None = None, flattered: bool = False
) -> str:
    """A track's judgement as the verdict and the pages say it: "no different" only when every
    interval lies within the smallest difference that matters, else "no difference shown" (a
    loss of 0.004 that may be 0.008 is not shown to be no loss). Beside a stored verdict's
    `summary` written before that distinction (it never says "no difference shown"), the
    judgement as that verdict said it, so that the page does not contradict its headline.
    On a track the verdict could not judge fairly (`flattered_tracks`: the active version
    learnt from these people), "not judged fairly", as the verdict says, and "lower, not
    judged fairly" where the candidate scored lower there."""
    if flattered:
        lower = entry.get("judgement") in ("worse", "mixed")
        return "lower, not judged fairly" if lower else "not judged fairly"
    if entry.get("judgement") != "no different":
        return entry.get("judgement", "")
    if summary is not None and "no difference shown" not in summary.lower():
        return "no different"
    reach = {
        measure: max(map(abs, judged_interval(entry[key])))
        for measure, key in (("ROC AUC", "auc"), ("Brier", "brier"))
        if (entry.get(key) or {}).get("interval")
    }
    within = all(reach[measure] < MEANINGFUL[measure] for measure in reach)
    return "no different" if within else "no difference shown"


def _by_one_measure(entry: dict[str, Any]) -> str:
    """ " (Brier only)" when one measure alone made a track better or worse: a lower Brier with
    no better AUC is better calibration, not better ranking of people."""
    because = entry.get("because", "")
    if entry["judgement"] in ("better", "worse") and because and " and " not in because:
        return f" ({because} only)"
    return ""


def _at_chance(aucs: dict[str, dict[str, Any]], review: bool = True) -> str:
    """Why a candidate's chances on these tracks cannot carry advice: their ROC AUC interval
    reaches down to a coin flip's, or lies wholly below it (people ranked backwards). Ends
    asking for a review unless `review` is False (the verdict already says to keep)."""
    backwards = all(auc["candidate_interval"][1] < CHANCE_AUC for auc in aucs.values())
    figures = ", ".join(
        f"{TRACK_NAMES[t]} ROC AUC {auc['candidate']:.2f}, {INTERVAL_LEVEL:.0%} interval "
        f"{auc['candidate_interval'][0]:.2f} to {auc['candidate_interval'][1]:.2f}"
        for t, auc in aucs.items()
    )
    where = (
        "both tracks"
        if len(aucs) == len(TRACK_IDS)
        else f"the {TRACK_NAMES[next(iter(aucs))]} track"
    )
    how = "worse than a coin flip, backwards," if backwards else "no better than a coin flip"
    return (
        f"the candidate's chances on {where} rank people {how} ({figures}), so advice between "
        "the tracks would rest on little" + (" — review before promoting" if review else "")
    )


def flattered_tracks(report: dict[str, Any]) -> set[str]:
    """The tracks of a comparison judged on people the active version learnt from, where the
    candidate did not come out better: such a track cannot show it worse (or no different),
    while a candidate better even there is better. Every track is so when the active
    version's record of them does not read, or in a report from before tracks were told
    apart."""
    tracks = report.get("tracks") or {}
    every = report.get("active_people_unreadable") or (
        report.get("active_learnt_these")
        and not any((tracks.get(t) or {}).get("learnt_by_active") for t in TRACK_IDS)
    )
    return {
        t
        for t in TRACK_IDS
        if "judgement" in (tracks.get(t) or {})
        and tracks[t]["judgement"] != "better"
        and (every or tracks[t].get("learnt_by_active"))
    }


def verdict(report: dict[str, Any]) -> dict[str, Any]:
    """The comparison in words: the headline, what to do, and how much data stood behind it."""
    active = report["active"]
    tracks = report["tracks"]
    judged = {t: tracks[t]["judgement"] for t in TRACK_IDS if "judgement" in tracks[t]}
    rows = sum(tracks[t]["rows"] for t in TRACK_IDS)
    if not active or not judged:
        why = (
            "there was no active version when this one was trained"
            if not active
            else f"the active version {active} could not be scored on these people"
        )
        summary = f"Nothing to compare with: {why}"
        # a first version is not judged against another, but chances that rank no one are
        # still no ground for advice
        chance = [t for t in TRACK_IDS if tracks[t].get("chance_level")]
        if chance:
            summary += "; and " + _at_chance({t: tracks[t]["auc"] for t in chance})
        return {
            "summary": summary,
            "recommendation": "review",
            "worse": False,
            "at_chance": bool(chance),
            "rows": rows,
            "small_data": None,
        }
    flattered = flattered_tracks(report)
    fair = {t: j for t, j in judged.items() if t not in flattered}
    values = set(fair.values())
    chance = [t for t in judged if tracks[t].get("chance_level")]
    worse = "worse" in values or "mixed" in values
    if worse:
        recommendation = "keep"
    elif flattered or chance:
        recommendation = "review"
    else:
        recommendation = "promote" if "better" in values else "either"
    summary = _headline(
        fair, [t for t in TRACK_IDS if t in flattered], tracks, active, recommendation
    )
    notes = _notes(report, judged, fair, flattered)
    if notes and summary.endswith(")"):  # "(Brier only)": one parenthesis, not two side by side
        summary = summary[:-1] + "; " + "; ".join(notes) + ")"
    elif notes:
        summary += " (" + "; ".join(notes) + ")"
    if chance:
        # better calibrated perhaps, but advice needs chances that tell people apart; and a
        # worse candidate that ranks no one is worth saying twice
        summary += ("; and " if worse else "; but ") + _at_chance(
            {t: tracks[t]["auc"] for t in chance}, review=False
        )
    if recommendation == "review":
        summary += " — review before promoting"
    wide = [
        t
        for t in judged
        if tracks[t]["auc"]["candidate_interval"][1] - tracks[t]["auc"]["candidate_interval"][0]
        > WIDE_AUC_INTERVAL
    ]
    return {
        "summary": summary[0].upper() + summary[1:],
        "recommendation": recommendation,
        "worse": worse,
        "at_chance": bool(chance),
        "rows": rows,
        "small_data": _small_data(wide, tracks, rows) if wide else None,
    }


def _headline(
    fair: dict[str, str],
    flattered: list[str],
    tracks: dict[str, Any],
    active: str,
    recommendation: str,
) -> str:
    """The verdict's opening: how the candidate compares on each track judged fairly, which
    tracks could not be, and what to do (said once, by the recommendation: a review is asked
    for at the very end, after the reasons)."""
    values = set(fair.values())
    measures = {_by_one_measure(tracks[t]) for t in fair}
    # one qualifier for both (" (Brier only)" when both say so), else each track says its own
    by = measures.pop() if len(measures) == 1 else None
    both = len(fair) == len(TRACK_IDS)
    if values == {"worse"} and both and by is not None:
        return f"worse than the active version on both tracks{by} — keep {active}"
    if values == {"better"} and both and by is not None:
        said = f"better than the active version on both tracks{by}"
        return said + (" — promoting it is supported" if recommendation == "promote" else "")
    if values == {"no different"} and both:
        words = {judgement_said(tracks[t]) for t in fair}
        said = f"{'no different' if words == {'no different'} else 'no difference shown'} from "
        said += "the active version on either track"
        if recommendation == "either":
            said += f" — keep {active} unless the candidate's data are newer or fairer"
        return said
    # what changed first, then what did not, then what could not be judged fairly
    order = sorted(fair, key=lambda t: fair[t] == "no different")
    parts = [
        f"{judgement_said(tracks[t])} on the {TRACK_NAMES[t]} track" + _by_one_measure(tracks[t])
        for t in order
    ]
    if len(flattered) == len(TRACK_IDS):
        parts.append(f"not judged fairly against {active} on either track")
    else:
        parts += [f"not judged fairly on the {TRACK_NAMES[t]} track" for t in flattered]
    summary = ", ".join(parts)
    if recommendation == "keep":
        summary += f" — keep {active} unless you can justify the loss"
    elif recommendation == "promote":
        summary += " — promoting it is supported"
    return summary


def _notes(
    report: dict[str, Any], judged: dict[str, str], fair: dict[str, str], flattered: set[str]
) -> list[str]:
    """What stands behind the headline, each said once: differences too small to matter, the
    people left out, and why a track could not be judged fairly (or was better even so)."""
    active, tracks = report["active"], report["tracks"]
    notes = []
    too_small = {t: tracks[t]["too_small"] for t in fair if tracks[t].get("too_small")}
    if too_small:
        notes.append(_too_small(too_small))
    for t in (t for t in TRACK_IDS if fair.get(t) == "no different"):
        # the judged interval, which holds zero on such a track (the 90% one need not)
        low, high = judged_interval(tracks[t]["auc"]) if "interval" in tracks[t]["auc"] else (0, 0)
        if max(-low, high) > WIDE_REACH:
            notes.append(
                f"on the {TRACK_NAMES[t]} track no difference could be shown, which is not to "
                f"say there is none: the candidate's ROC AUC is {_reach(low, high)} {active}'s"
            )
    others = [t for t in TRACK_IDS if t in judged and not tracks[t].get("learnt_by_active")]
    learnt = sum(tracks[t].get("left_out", 0) for t in TRACK_IDS)
    fresh = sum(tracks[t]["rows"] for t in others)
    if learnt and fresh:
        where = f" on the {TRACK_NAMES[others[0]]} track" if len(others) < len(judged) else ""
        notes.append(
            f"judged on the {fresh:,} people {active} did not learn from{where}; the other "
            f"{learnt:,}, whom it learnt from, are left out of the comparison"
        )
    for t in TRACK_IDS:
        count = tracks[t].get("learnt_by_active")
        if not count or t not in judged:
            continue
        people = f"{active} learnt from {count:,} of the {tracks[t]['rows']:,} people judged"
        if t in flattered:
            notes.append(
                f"on the {TRACK_NAMES[t]} track {people} (too few others to judge it without "
                "them), which flatters it: this comparison cannot judge the candidate worse there"
            )
        else:
            notes.append(
                f"on the {TRACK_NAMES[t]} track {people}, and the candidate is better even so"
            )
    if report.get("active_people_unreadable"):
        notes.append(
            f"{active}'s record of the people it learnt from could not be read, so some of these "
            "may be among them, which would flatter it: this comparison cannot judge the "
            "candidate worse"
        )
    elif flattered and not any(tracks[t].get("learnt_by_active") for t in TRACK_IDS):
        notes.append(
            f"{active} learnt from these same people, which flatters it: this comparison cannot "
            "judge the candidate worse"
        )
    return notes


def _reach(low: float, high: float) -> str:
    """'from 0.025 lower to 0.0003 higher than' for a judged interval holding zero: each bound
    with the digits it needs (the intervals are kept to 4 decimals), so that a bound of
    +0.0003 does not read "0.000 higher"; a bound at zero is "the same as"."""

    def amount(value: float) -> str:
        return f"{value:.3f}" if value >= 0.01 else f"{value:.4f}".rstrip("0")

    lower = f"{amount(-low)} lower" if low < 0 else "the same"
    higher = f"{amount(high)} higher than" if high > 0 else "the same as"
    return f"from {lower} to {higher}"


def _too_small(by_track: dict[str, list[str]]) -> str:
    """Why differences that the intervals find are still no difference, naming the tracks
    they are on (the other track's verdict may well rest on a difference that matters)."""

    def limits(measures: list[str]) -> str:
        return " and ".join(f"{MEANINGFUL[m]:g} in {m}" for m in MEANINGFUL if m in measures)

    said = {t: limits(m) for t, m in by_track.items()}
    if len(said) == len(TRACK_IDS) and len(set(said.values())) == 1:
        where = [("on both tracks", next(iter(said.values())))]
    else:
        where = [(f"on the {TRACK_NAMES[t]} track", said[t]) for t in TRACK_IDS if t in said]
    return "; ".join(
        f"{place}, the differences found are, with their intervals, under {limit}: too small "
        "to matter"
        for place, limit in where
    )


def _small_data(wide: list[str], tracks: dict[str, Any], rows: int) -> str:
    """The warning that a comparison can only see large differences, naming the tracks whose
    people are too few (a track's own count, not everyone's, sets how wide its interval is)."""
    counts = [f"{tracks[t]['rows']:,}" for t in TRACK_IDS if t in wide]
    names = [TRACK_NAMES[t] for t in TRACK_IDS if t in wide]
    if len(wide) == 1:
        where = f"{counts[0]} people on the {names[0]} track"
        wider = "its ROC AUC interval is"
    else:
        where = (
            f"{counts[0]} people on the {names[0]} track and {counts[1]} on the {names[1]} track"
        )
        wider = "their ROC AUC intervals are"
    return (
        f"Only {where} behind this comparison ({rows:,} people in all): {wider} wider than "
        f"{WIDE_AUC_INTERVAL:g}, so only large differences can be seen."
    )
