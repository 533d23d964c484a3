"""A seeded generator of synthetic outcome data: people assessed in the past, the track they
then took, and whether they succeeded there. It feeds the bundled default model; models are
judged elsewhere. Its assumptions, each a parameter below:

1. Traits. Each person has standard-normal latent traits, one per construct, correlated where
   research and common sense say so: hands-on preference and tolerance of interruptions
   -0.5; the three motivation-to-lead traits +0.5 with each other; developing others +0.4
   with affective motivation to lead. A construct of a pack's own, which the generator has
   no trait for, gets a standard-normal trait of its own, independent of the others and
   drawn from a random stream of its own (so the other traits, the track taken and success
   are the same with or without it). It plays no part in the track taken or in success,
   since the generator cannot know what it means: a model learnt from these people gives it
   little or no weight (`unknown_constructs` names such constructs, and the command line
   says so).
2. Answers. A construct's true score on its 1..5 scale is 3 + 0.9 * trait (clipped); each
   Likert answer is that plus item noise (sd 0.7), rounded and clipped, then mirrored for
   reverse-keyed items. Careful respondents answer attention checks as instructed.
3. Experience. Years of experience are log-normal: log(1 + years) ~ N(2.55, 0.82), fitted to
   `WorkExp` of the first 1,000 responses of the Stack Overflow Developer Survey 2025 (ODbL);
   capped at 45.
4. Competencies. True proficiency grows with experience (0.28 per log-year step, saturating)
   and with related traits (people competencies with leading and developing others;
   technical ones with craft depth), plus person noise (sd 0.45). Self-ratings add noise
   (sd 0.5) and are rounded to an anchor 1..5.
5. Current role. Grade follows experience (1 + years / 3.5, noise sd 0.7, capped by the IC
   ladder). A minority already manage (see 6): they hold the manager level of their grade
   (at least the branch grade) and 3-12 direct reports.
6. Track taken (self-selection). The log-odds of taking management rise with experience
   (0.97 per log-year), with affective motivation to lead (0.5) and with extrinsic motive
   (0.6: people who want pay or status), and only weakly with fit. The intercept gives about
   5% people managers at 0-4 years of experience, 9% at 5-9 and 22% at 10+, as in the survey
   (measured: 6%, 11%, 23% on 100,000 people).
7. Success (the truth). Log-odds of success as a manager: 0.8 + 0.55 affective leading + 0.35
   developing others + 0.35 conflict comfort + 0.3 interruption tolerance + 0.35 (people
   leadership - 3) + 0.2 (communication - 3) - 0.45 extrinsic motive - 0.3 hands-on
   preference, minus 1.2 more when interruption tolerance is very low (below -1: the week
   breaks them), plus 0.25 leading x conflict comfort. As an IC: 0.9 + 0.5 craft depth +
   0.35 hands-on preference + 0.3 (technical depth - 3) + 0.25 (system design - 3) + 0.2
   (delivery - 3) - 0.15 extrinsic motive. Both gain 0.08 per log-year of experience.
   That is truth "baseline". Truth "thresholds" keeps everything else and changes the shape
   of success, so that a method tuned to one shape is found out on the other. As a manager:
   -0.9 + 1.3 if affective leading > -0.3 (real interest), + 0.9 more if that interest comes
   with people leadership rated 3 or more, - 1.4 when interruption tolerance < -0.8,
   + 0.7 tanh(conflict comfort), - 0.6 if extrinsic motive > 0.8, + 0.15 per log-year. As an
   IC: 0.1 + 1.2 if craft depth > 0, + 0.45 craft depth x hands-on preference, + 0.6 if
   technical depth >= 3.5, + 0.3 (system design - 3), - 0.7 when hands-on preference < -1,
   + 0.1 per log-year.
8. Label. success ~ Bernoulli(p of the track taken).
9. Noise in responses. 3% of people are careless (straight-lining, failed attention checks);
   2% of items are skipped at random.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommender.answer.scoring import score_matrix, scoring_layout
from recommender.pack.loading import Pack

ASSUMPTIONS = __doc__
CARELESS_SHARE, SKIP_SHARE = 0.03, 0.02
ITEM_NOISE, RATING_NOISE = 0.7, 0.5
LOG_YEARS_MEAN, LOG_YEARS_SD, MAX_YEARS = 2.55, 0.82, 45
MANAGE_INTERCEPT = -4.4
TRAITS = (
    "lead_affective",
    "lead_social_normative",
    "lead_noncalculative",
    "develop_others",
    "craft_depth",
    "org_influence",
    "hands_on_time",
    "interruptions_tolerance",
    "conflict_comfort",
    "extrinsic_motive",
)
CORRELATIONS = {
    ("hands_on_time", "interruptions_tolerance"): -0.5,
    ("lead_affective", "lead_social_normative"): 0.5,
    ("lead_affective", "lead_noncalculative"): 0.5,
    ("lead_social_normative", "lead_noncalculative"): 0.5,
    ("lead_affective", "develop_others"): 0.4,
}
# competency -> (traits that raise it, weight)
COMPETENCY_TRAITS = {
    "technical_depth": ("craft_depth",),
    "system_design": ("craft_depth",),
    "delivery": ("hands_on_time",),
    "communication": ("org_influence",),
    "collaboration_influence": ("org_influence",),
    "mentoring": ("develop_others",),
    "people_leadership": ("lead_affective", "develop_others"),
    "strategy": ("org_influence",),
    "hiring_team_building": ("lead_affective",),
}


@dataclass
class SyntheticOutcomes:
    """Generated people: answers, context, track taken, success, and the truth behind it."""

    pack: Pack
    employee_ids: list[str]
    answers: np.ndarray  # (n, scored items) in scoring_layout order, NaN = skipped
    context: dict[str, np.ndarray]
    track_taken: np.ndarray
    success: np.ndarray
    p_true: dict[str, np.ndarray]
    latents: dict[str, np.ndarray]
    # Made-up sensitive attributes for trying the fairness report; never features.
    sensitive: dict[str, np.ndarray]

    def to_csv_rows(self, with_sensitive: bool = False) -> tuple[list[str], list[list]]:
        """The outcome CSV (DESIGN.md): header and rows, optionally with the sensitive columns
        (`gender`, `age_band`)."""
        item_ids = list(scoring_layout(self.pack).item_ids)
        context = [
            "years_experience",
            "years_at_level",
            "direct_reports",
            "current_track",
            "current_level",
        ]
        extra = list(self.sensitive) if with_sensitive else []
        header = ["employee_id", *item_ids, *context, "track_taken", "success", *extra]
        rows = []
        for row, employee_id in enumerate(self.employee_ids):
            answers = ["" if np.isnan(v) else int(v) for v in self.answers[row]]
            values = [_cell(self.context[name][row]) for name in context]
            groups = [_cell(self.sensitive[name][row]) for name in extra]
            rows.append(
                [
                    employee_id,
                    *answers,
                    *values,
                    self.track_taken[row],
                    int(self.success[row]),
                    *groups,
                ]
            )
        return header, rows


def _cell(value) -> object:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else int(value) if float(value).is_integer() else value
    return "" if value is None else value


def generate_outcomes(pack: Pack, n: int, seed: int, truth: str = "baseline") -> SyntheticOutcomes:
    """`n` synthetic people for `pack`, the same for the same seed, succeeding by `truth`."""
    if truth not in TRUTHS:
        raise ValueError(f"unknown truth {truth!r}; choose from {', '.join(TRUTHS)}")
    rng = np.random.default_rng(seed)
    traits = _traits(rng, n) | _traits_of_its_own(pack, seed, n)
    years = np.minimum(np.expm1(rng.normal(LOG_YEARS_MEAN, LOG_YEARS_SD, n)), MAX_YEARS)
    years = np.round(np.maximum(years, 0), 1)
    log_years = np.log1p(years)
    competencies = _competencies(pack, rng, traits, log_years)
    manage_logit = (
        MANAGE_INTERCEPT
        + 0.97 * log_years
        + 0.5 * traits["lead_affective"]
        + 0.6 * traits["extrinsic_motive"]
        + 0.15 * traits["develop_others"]
    )
    p_true = TRUTHS[truth](traits, competencies, log_years)
    takes_manager = rng.random(n) < _sigmoid(manage_logit)
    track_taken = np.where(takes_manager, "manager", "ic").astype(object)
    success = rng.random(n) < np.where(takes_manager, p_true["manager"], p_true["ic"])
    managing_now = takes_manager & (rng.random(n) < 0.45)
    context = _context(pack, rng, years, managing_now)
    answers = _answers(pack, rng, traits, competencies)
    return SyntheticOutcomes(
        pack=pack,
        employee_ids=[f"syn-{seed}-{i}" for i in range(n)],
        answers=answers,
        context=context,
        track_taken=track_taken,
        success=success.astype(np.int8),
        p_true=p_true,
        latents=traits,
        sensitive=_sensitive(seed, years),
    )


AGE_BANDS = ((30, "under 30"), (40, "30-39"), (50, "40-49"), (np.inf, "50 and over"))


def _sensitive(seed: int, years: np.ndarray) -> dict[str, np.ndarray]:
    """Made-up gender and age band, from a random stream of their own (the rest of the data is
    the same with or without them). Gender is independent of everything, so its report should
    show no disparity; the age band follows experience (age = 22 + years + noise), and since
    experience moves people toward management, the age report shows a real disparity."""
    rng = np.random.default_rng([seed, 7])
    n = years.size
    gender = rng.choice(np.array(["woman", "man", ""], dtype=object), n, p=[0.4, 0.57, 0.03])
    age = 22 + years + rng.normal(0, 3, n)
    bands = np.empty(n, dtype=object)
    lower = -np.inf
    for upper, label in AGE_BANDS:
        bands[(age >= lower) & (age < upper)] = label
        lower = upper
    return {"gender": gender, "age_band": bands}


def _traits(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    cov = np.eye(len(TRAITS))
    for (a, b), r in CORRELATIONS.items():
        i, j = TRAITS.index(a), TRAITS.index(b)
        cov[i, j] = cov[j, i] = r
    draws = rng.multivariate_normal(np.zeros(len(TRAITS)), cov, size=n, method="cholesky")
    return {name: draws[:, i] for i, name in enumerate(TRAITS)}


def unknown_constructs(pack: Pack) -> tuple[str, ...]:
    """The pack's constructs the generator has no trait for, in the pack's order."""
    return tuple(c for c in pack.questionnaire.construct_ids if c not in TRAITS)


def _traits_of_its_own(pack: Pack, seed: int, n: int) -> dict[str, np.ndarray]:
    """Independent standard-normal traits for the constructs the generator does not know."""
    unknown = unknown_constructs(pack)
    if not unknown:
        return {}
    draws = np.random.default_rng([seed, 13]).standard_normal((n, len(unknown)))
    return {name: draws[:, i] for i, name in enumerate(unknown)}


def _competencies(pack: Pack, rng, traits, log_years) -> dict[str, np.ndarray]:
    growth = 1.0 + 0.28 * np.minimum(log_years, 3.6) * 3.0 / 2.2
    result = {}
    for competency in pack.framework.competency_ids:
        related = COMPETENCY_TRAITS.get(competency, ())
        lift = sum(0.35 * traits[t] for t in related if t in traits)
        true = growth + lift + rng.normal(0, 0.45, len(log_years))
        if competency in ("people_leadership", "hiring_team_building", "strategy"):
            true -= 0.5  # learned mostly by doing them, which few have done
        result[competency] = np.clip(true, 1, 5)
    return result


def _truth(traits, competencies, log_years) -> dict[str, np.ndarray]:
    def competency(name):
        return competencies.get(name, np.full(len(log_years), 3.0)) - 3

    t = traits
    manager = (
        0.8
        + 0.55 * t["lead_affective"]
        + 0.35 * t["develop_others"]
        + 0.35 * t["conflict_comfort"]
        + 0.3 * t["interruptions_tolerance"]
        + 0.35 * competency("people_leadership")
        + 0.2 * competency("communication")
        - 0.45 * t["extrinsic_motive"]
        - 0.3 * t["hands_on_time"]
        - 1.2 * (t["interruptions_tolerance"] < -1)
        + 0.25 * t["lead_affective"] * t["conflict_comfort"]
        + 0.08 * log_years
    )
    ic = (
        0.9
        + 0.5 * t["craft_depth"]
        + 0.35 * t["hands_on_time"]
        + 0.3 * competency("technical_depth")
        + 0.25 * competency("system_design")
        + 0.2 * competency("delivery")
        - 0.15 * t["extrinsic_motive"]
        + 0.08 * log_years
    )
    return {"ic": _sigmoid(ic), "manager": _sigmoid(manager)}


def _threshold_truth(traits, competencies, log_years) -> dict[str, np.ndarray]:
    t = traits
    n = len(log_years)
    people = competencies.get("people_leadership", np.full(n, 3.0))
    technical = competencies.get("technical_depth", np.full(n, 3.0))
    design = competencies.get("system_design", np.full(n, 3.0))
    interested = t["lead_affective"] > -0.3
    manager = (
        -0.9
        + 1.3 * interested
        + 0.9 * (interested & (people >= 3))
        - 1.4 * (t["interruptions_tolerance"] < -0.8)
        + 0.7 * np.tanh(t["conflict_comfort"])
        - 0.6 * (t["extrinsic_motive"] > 0.8)
        + 0.15 * log_years
    )
    ic = (
        0.1
        + 1.2 * (t["craft_depth"] > 0)
        + 0.45 * t["craft_depth"] * t["hands_on_time"]
        + 0.6 * (technical >= 3.5)
        + 0.3 * (design - 3)
        - 0.7 * (t["hands_on_time"] < -1)
        + 0.1 * log_years
    )
    return {"ic": _sigmoid(ic), "manager": _sigmoid(manager)}


TRUTHS = {"baseline": _truth, "thresholds": _threshold_truth}


def _context(pack: Pack, rng, years, managing_now) -> dict[str, np.ndarray]:
    framework = pack.framework
    n = len(years)
    ic_ladder, manager_ladder = framework.ladder("ic"), framework.ladder("manager")
    top = ic_ladder[-1].grade
    grade = np.clip(np.round(1 + years / 3.5 + rng.normal(0, 0.7, n)), 1, top).astype(int)
    branch = framework.branch_grade
    grade = np.where(managing_now, np.maximum(grade, branch), grade)
    held = _level_held(ic_ladder, manager_ladder, int(grade.max()))
    track = np.where(managing_now, "manager", "ic").astype(object)
    level = np.array([held[(t, g)] for t, g in zip(track, grade, strict=True)], dtype=object)
    reports = np.where(managing_now, rng.integers(3, 13, n), 0).astype(float)
    at_level = np.round(np.minimum(years, rng.uniform(0, 4, n)), 1)
    grades = np.array([framework.level(lv).grade for lv in level], dtype=float)
    return {
        "years_experience": years,
        "years_at_level": at_level,
        "direct_reports": reports,
        "current_track": track,
        "current_level": level,
        "current_grade": grades,
    }


def _level_held(ic_ladder, manager_ladder, top: int) -> dict[tuple[str, int], str]:
    """(track, drawn grade) -> the level held: the track's level at that grade, else its
    highest level below it (a ladder may skip grades), else its lowest level."""
    held = {}
    for track, ladder in (("ic", ic_ladder), ("manager", manager_ladder)):
        for grade in range(1, top + 1):
            below = [level.id for level in ladder if level.grade <= grade]
            held[(track, grade)] = below[-1] if below else ladder[0].id
    return held


def _answers(pack: Pack, rng, traits, competencies) -> np.ndarray:
    layout = scoring_layout(pack)
    items = pack.questionnaire.scored_items
    n = len(next(iter(traits.values())))
    answers = np.full((n, len(items)), np.nan)
    careless = rng.random(n) < CARELESS_SHARE
    for column, item in enumerate(items):
        if item.kind == "likert":
            true = np.clip(3 + 0.9 * traits[item.construct], 1, 5)
            value = np.clip(np.round(true + rng.normal(0, ITEM_NOISE, n)), item.min, item.max)
            if item.reverse:
                value = item.min + item.max - value
        elif item.kind == "attention":
            value = np.full(n, float(item.expected))
        else:
            true = competencies[item.competency]
            value = np.clip(np.round(true + rng.normal(0, RATING_NOISE, n)), 1, 5)
        answers[:, column] = value
    answers[careless] = np.where(
        layout.quality.likert | ~np.isnan(layout.quality.attention_expected), 5.0, answers[careless]
    )
    answers[rng.random(answers.shape) < SKIP_SHARE] = np.nan
    return answers


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def write_outcome_csv(
    outcomes: SyntheticOutcomes, path: str | Path, with_sensitive: bool = False
) -> None:
    """The outcome CSV, UTF-8 (with the made-up sensitive columns when asked)."""
    header, rows = outcomes.to_csv_rows(with_sensitive)
    with Path(path).open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)


def write_truth_csv(outcomes: SyntheticOutcomes, path: str | Path) -> None:
    """Each person's true success probability on each track."""
    with Path(path).open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["employee_id", "p_success_ic", "p_success_manager"])
        for row, employee_id in enumerate(outcomes.employee_ids):
            writer.writerow(
                [
                    employee_id,
                    round(float(outcomes.p_true["ic"][row]), 6),
                    round(float(outcomes.p_true["manager"][row]), 6),
                ]
            )


def synthetic_profiles(pack: Pack, n: int, seed: int, truth: str = "baseline"):
    """Generated outcomes and their scored profiles."""
    outcomes = generate_outcomes(pack, n, seed, truth)
    timings = np.full((n, len(scoring_layout(pack).section_ids)), np.nan)
    profiles = score_matrix(
        pack, outcomes.answers, timings, outcomes.context, outcomes.employee_ids
    )
    return outcomes, profiles
