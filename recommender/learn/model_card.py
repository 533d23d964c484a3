"""The model card: what a model version is for, what it learned from, how good and fair it is."""

from __future__ import annotations

import re
from typing import Any

from recommender.learn.comparison import BOOTSTRAP_SAMPLES, flattered_tracks, judgement_said
from recommender.learn.fairness_wording import (
    CALIBRATION_RULE,
    CALIBRATION_UNREADABLE,
    NOT_SHOWN_RULE,
    NOTHING_CHECKED,
    OUTCOME_MEANINGS,
    SMALL_GROUP_MARK,
    SMALL_GROUP_NOT_COMPARED,
    SMALL_GROUP_REASON,
    TEST_WITHHELD,
    TESTS,
    WITHHELD_WHOLE,
    adjusted_p_said,
    calibration_attribute,
    calibration_flags_said,
    calibration_gap,
    calibration_not_judged,
    calibration_readable,
    calibration_report,
    chance_mark,
    comparisons_said,
    counted_among,
    fairness_checked,
    group_ratio_said,
    likely_ratio,
    p_statement,
    people_set_aside,
    readable_p,
    shown_report,
    withheld_reason,
)
from recommender.learn.fold_choices import (
    knots_of,
    pairs_of,
    recorded_folds,
    same_shapes,
    shrink_share,
)
from recommender.learn.observed_rates import likely_share
from recommender.learn.recorded import is_count, is_number

OUTCOME_LABELS = {
    "manager_recommended": "Manager track recommended",
    "target_above_current": "Target above the current level",
}
LABEL_DEFINITION = (
    "success = 1 when the person met or exceeded expectations and was still in the track they "
    "took 12-18 months after the assessment (each employer documents its own definition); "
    "never 'was promoted to manager'"
)
INTENDED_USE = (
    "Advice to an employee, and to their manager in a 1:1, about which career track fits and "
    "what level to aim for next. For development only: not for selection, screening, "
    "promotion or pay decisions. A person can always override it with a stated reason."
)
SYNTHETIC_WARNING = (
    "**Trained on synthetic data.** This version learned from people made up by trackfit's "
    "documented generator (`recommender/learn/synthetic.py`), not from any employer's outcomes. "
    "Its probabilities show how the tool works; they are not evidence about real people. "
    "Retrain on your own outcome data before relying on it."
)


# Markdown that text from uploaded data (group and column names, labels) could use to become a
# link, an image, emphasis, code, a heading, a table cell or an HTML entity. Any of them,
# backslash-escaped, shows as itself (CommonMark escapes every ASCII punctuation character).
# An underscore between two letters or digits never makes emphasis, so `age_band` stays as it
# is; braces are escaped so that no value reads as the card's `{version}` placeholder.
MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>#|~&{}]|_(?![^\W_])|(?<![^\W_])_)")
LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")


def literal(value: object) -> str:
    """Text from data as Markdown that shows it as written, on one line, never as markup."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", LINE_BREAKS.sub(" ", str(value)))


def _literals(values) -> str:
    return ", ".join(literal(value) for value in values)


def render_model_card(manifest: dict[str, Any]) -> str:
    """Markdown for `card.md` (`{version}` is filled in when the version is named)."""
    data = manifest.get("data", {})
    lines = ["# Model card: trackfit track model {version}", ""]
    if data.get("synthetic"):
        lines += [SYNTHETIC_WARNING, ""]
    lines += [
        "## Intended use",
        "",
        INTENDED_USE,
        "",
        "## Model",
        "",
        "Two calibrated additive logistic models (one per track), each trained only on the "
        "people who took that track. Every feature enters through a piecewise-linear shape, so "
        "each recommendation's explanation lists exact per-factor contributions to the score "
        "(log-odds of success as a manager minus as an individual contributor).",
        "",
        f"Pack: {literal(manifest.get('pack'))}. "
        f"Features: {_literals(manifest.get('features', []))}.",
        "Sensitive attributes are never features: "
        f"{_literals(manifest.get('sensitive_columns', [])) or 'none were supplied'}.",
        "",
        "## Data and label",
        "",
        f"- Label: {literal(manifest.get('label', LABEL_DEFINITION))}",
        f"- Rows: {_thousands(data.get('rows'))}; used: {_thousands(data.get('rows_used'))}; "
        "left out for response-quality flags: "
        f"{_thousands(data.get('rows_left_out_for_quality_flags'))}",
        f"- Data SHA-256: {literal(data.get('sha256'))}",
    ]
    if data.get("generator"):
        lines += _generator(data["generator"])
    # the figures to judge by first: every person scored by a candidate that never saw them
    lines += _held_out(manifest.get("holdout"))
    lines += [
        "",
        "## The capacity search's own cross-validation (optimistic)",
        "",
        "Out-of-fold scores of the search that also chose the capacity and the calibration, "
        "so optimistic: the search kept what scored best on these very folds. "
        + (
            "The cross-fitted comparison above repeats the whole training for every fold and "
            "is the figure to judge by."
            if manifest.get("holdout")
            else "This version has no cross-fitted comparison to judge it by."
        ),
        "",
        "| track | rows | success rate | ROC AUC | Brier |",
        "| --- | --- | --- | --- | --- |",
    ]
    for track, metrics in manifest.get("metrics", {}).get("tracks", {}).items():
        lines.append(
            f"| {literal(track)} | {_searched_rows(metrics)} | {metrics['success_rate']} | "
            f"{_banded(metrics['cv_auc'], metrics.get('cv_auc_interval'))} | "
            f"{_banded(metrics['cv_brier'], metrics.get('cv_brier_interval'))} |"
        )
    if any("cv_auc_interval" in m for m in manifest.get("metrics", {}).get("tracks", {}).values()):
        lines += ["", SEARCH_INTERVALS]
    lines += _advice_value(manifest)
    declined = manifest.get("prior_declined")
    lines += _capacity(manifest.get("metrics", {}), declined)
    lines += _fold_choices(manifest)
    lines += _prior_declined(declined)
    lines += _evaluation(manifest.get("evaluation"))
    lines += ["## Fairness", ""]
    lines += fairness_lines(manifest.get("fairness"))
    lines += calibration_lines(manifest)
    lines += [
        "",
        "## Limitations",
        "",
        "- Success is observed only on the track a person took; the other track's "
        "probability is an estimate from similar people who took it.",
        "- Self-assessment answers can be inflated or careless; quality flags lower "
        "confidence and flagged responses are left out of training.",
        "- The model learns the history it is given, including any bias in who was "
        "allowed to succeed; read the fairness report before promoting.",
        "",
    ]
    return "\n".join(lines)


def _generator(generator: Any) -> list[str]:
    """Where synthetic data came from, in words; anything unexpected as it was written."""
    if not isinstance(generator, dict) or not {"module", "people", "seed"} <= generator.keys():
        return [f"- Generator: {literal(generator)}"]
    people = generator["people"]
    people = f"{people:,}" if isinstance(people, int) else literal(people)
    lines = [
        f"- Generator: {literal(generator['module'])}, {people} people, seed "
        f"{literal(generator['seed'])}, for pack {literal(generator.get('pack'))}"
    ]
    unknown = generator.get("constructs_without_trait")
    if unknown:
        lines.append(
            f"- Constructs the generator gives no meaning to: {_literals(unknown)} (their "
            "answers were drawn at random and played no part in success, so this version "
            "gives them little or no weight)"
        )
    return lines


def _capacity(metrics: dict[str, Any], declined: Any = None) -> list[str]:
    """What the capacity search chose per track, and the spread behind the intervals."""
    tracks = metrics.get("tracks", {})
    if not any("knots" in entry for entry in tracks.values()):
        return []
    lines = ["## Capacity chosen by the data", ""]
    for track, entry in tracks.items():
        shape = "straight lines" if entry["knots"] == 2 else f"{entry['knots']} knots"
        context = {
            True: ", with years at level, reports, grade and managing today (the search "
            "found they paid)",
            False: ", leaving out years at level, reports, grade and managing today (listed "
            "among the features, they carry no weight: the search found they did not pay)",
        }.get(entry.get("optional_context"), "")
        pairs = pairs_of(entry)
        interactions = ""
        if pairs:
            interactions = f", and the interaction{'s' if len(pairs) > 1 else ''} " + ", ".join(
                literal(pair) for pair in pairs
            )
        lines.append(
            f"- {literal(track)}: {shape} per feature{context}{interactions}, L2 strength C = "
            f"{entry['regularisation_c']}{_toward(entry, declined)} (cross-validated log-loss on "
            f"{_thousands(entry['rows'])} people)"
        )
    if any(pairs_of(entry) for entry in tracks.values()):
        lines += [
            "",
            "An interaction is the product of two scales, each taken from its median: success "
            "rises with one scale more, or less, the higher the other. Of every pair of "
            "scales, the search tried the 1, 2 or 4 its shapes explained least, and kept as "
            "many as paid in cross-validated log-loss. In a person's explanation its effect is "
            "shared equally between the two scales, so the effects still add up to the score.",
        ]
    spread = metrics.get("measurement_variance", {})
    lines += [
        "",
        "Each chance carries a 90% interval from the posterior of the fit (Laplace) and the "
        "measurement error of the scales (log-odds variance "
        + ", ".join(f"{t} {v}" for t, v in spread.items())
        + "). A score the person left blank counts as the average of the people who gave it "
        "among those learnt from: it adds nothing to the explanation and does not move the "
        "chance away from theirs, and it widens the interval by how much its contribution "
        "varied among them.",
        "",
    ]
    return lines


def _fold_choices(manifest: dict[str, Any]) -> list[str]:
    """How many cross-fitting folds' searches chose the version's shapes, per track whose
    shapes both record (a manifest not written by trackfit says nothing here)."""
    folds = recorded_folds(manifest)
    tracks = manifest.get("metrics", {}).get("tracks", {})
    if folds is None or not isinstance(tracks, dict):
        return []
    counts = [
        f"{literal(track)} {same_shapes(folds, track, entry)} of {len(folds)}"
        for track, entry in tracks.items()
        if knots_of(entry) is not None
    ]
    if not counts:
        return []
    return [
        "In the cross-fitting that judged it, each fold's candidate ran the same search on the "
        f"other folds' people; the folds that chose this version's shapes: {', '.join(counts)}.",
        "",
    ]


def _prior_declined(declined: Any) -> list[str]:
    """Why the active version was not offered as a prior though HR asked for it."""
    if not isinstance(declined, dict):
        return []
    version = literal(declined.get("version"))
    if declined.get("people_unreadable"):
        why = (
            "its record of the people it learnt from could not be read "
            f"({literal(declined['people_unreadable'])})"
        )
    else:
        learnt = declined.get("people_learnt")
        count = f"{learnt:,}" if isinstance(learnt, int) else literal(learnt)
        why = f"it learnt from {count} of these people, who would count twice"
    instead = ""
    if declined.get("instead"):
        instead = (
            f"; {literal(declined['instead'])}, a version it was built on, was offered instead"
        )
    return [
        f"{version} (the active version then) was not offered as a prior: {why}{instead}.",
        "",
    ]


def _toward(entry: dict[str, Any], declined: Any = None) -> str:
    """What the shapes were pulled toward, where a prior version was offered: the active
    version then, or (when that one was declined) a version it was built on."""
    if "prior" not in entry:
        return ""
    prior = literal(entry["prior"])
    which = "the active version then"
    if isinstance(declined, dict) and declined.get("instead") == entry["prior"]:
        which = f"a version {literal(declined.get('version'))} was built on"
    judged = "in the search's cross-validation"
    if entry.get("prior_weight"):
        how = shrink_share(entry["prior_weight"])
        return f", shrinking {how}toward {prior} ({which}), which paid {judged}"
    return f", toward zero: shrinking toward {prior} ({which}) did not pay {judged}"


SEARCH_INTERVALS = (
    "After each ROC AUC and Brier, its 90% interval from resampling the people scored "
    f"({BOOTSTRAP_SAMPLES:,} bootstrap samples): how far the figure could move on other people "
    "like these, not how far the search's choice flatters it."
)


def _evaluation(rows: list[dict[str, Any]] | None) -> list[str]:
    """The evaluation at several training sizes, where the version carries one."""
    if not rows:
        return []
    lines = [
        "## Evaluation at company sizes (synthetic people, truth known)",
        "",
        "| truth | rows | gain | logistic CV | gradient boosting | calibration error "
        "| 90% coverage, both tracks | IC | manager |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        intervals = row["intervals"]
        lines.append(
            f"| {row['truth']} | {_thousands(row['train_people'])} | {row['advice']['gain']} "
            f"| {row['logistic_cv']['gain']} | {row['gradient_boosting']['gain']} "
            f"| {row['advice']['calibration_error']} | {intervals['both']['coverage']} "
            f"| {intervals.get('ic', {}).get('coverage', '–')} "
            f"| {intervals.get('manager', {}).get('coverage', '–')} |"
        )
    return [*lines, ""]


def _held_out(holdout: dict[str, Any] | None) -> list[str]:
    """The candidate beside the model active when it was trained, on data neither learned from."""
    if not holdout:
        return []
    active = holdout.get("active") or {}
    if "share" in holdout:
        heading = (
            f"## Held-out comparison ({_thousands(holdout['rows'])} people, "
            f"{round(100 * holdout['share'])}% of the data, never used for training)"
        )
    else:
        method = str(holdout["method"])
        # "5-fold cross-fitting drawn 3 times (each person's ...)": the words before the aside
        method, drawn, _ = method.partition(" (")
        heading = (
            f"## Cross-fitted comparison ({_thousands(holdout['rows'])} people, {method}: "
            + (
                "each person scored by the mean of the candidates trained without them)"
                if drawn
                else "each person scored by a candidate trained without them)"
            )
        )
    lines = ["", heading, ""]
    if holdout.get("left_out_learnt_by_active"):
        lines += [
            f"{holdout['left_out_learnt_by_active']:,} people the active version "
            f"{literal(active.get('version'))} learnt from are left out: on them it would be "
            "scored on what it has seen.",
            "",
        ]
    verdict = (holdout.get("comparison") or {}).get("verdict")
    if verdict:
        lines += [f"**Verdict:** {verdict['summary']}.", ""]
        if verdict.get("small_data"):
            lines += [verdict["small_data"], ""]
    if "error" in active:
        lines += [
            f"The active version {literal(active['version'])} could not be compared: "
            f"{literal(active['error'])}",
            "",
        ]
    header = "| track | rows | candidate ROC AUC | candidate Brier |"
    rule = "| --- | --- | --- | --- |"
    if "tracks" in active:
        header += f" {active['version']} ROC AUC | {active['version']} Brier |"
        rule += " --- | --- |"
    lines += [header, rule]
    judged = (holdout.get("comparison") or {}).get("tracks") or {}
    for track, metrics in holdout["candidate"]["tracks"].items():
        compared = judged.get(track) or {}
        row = f"| {literal(track)} | {_thousands(metrics['rows'])} | "
        row += " | ".join(_with_band(metrics, compared, m, "candidate") for m in ("auc", "brier"))
        if "tracks" in active:
            other = active["tracks"].get(track, {})
            row += " | " + " | ".join(
                _with_band(other, compared, m, "active") for m in ("auc", "brier")
            )
        lines.append(row + " |")
    return [*lines, "", *_differences(holdout.get("comparison") or {})]


def _with_band(metrics: dict[str, Any], compared: dict[str, Any], measure: str, side: str) -> str:
    """A side's figure for a measure with its 90% interval from the paired comparison, where
    it has one (versions compared before the active version's intervals were kept have none);
    to four places, as the differences below, so that 0.7 beside 0.6493 reads 0.7000."""
    figure = metrics.get(measure)
    if figure is None:
        return "–"
    return _banded(figure, (compared.get(measure) or {}).get(f"{side}_interval"))


def _banded(figure: Any, band: Any) -> str:
    """A figure to four places with its interval after it, where there is one."""
    said = f"{figure:.4f}" if is_number(figure) else literal(str(figure))
    return f"{said} ({band[0]:.4f} to {band[1]:.4f})" if band else said


def _searched_rows(metrics: dict[str, Any]) -> str:
    """The people a track learnt from, and how many of them the search scored where it
    scored a sample (versions before `cv_rows` was kept say the first alone)."""
    rows, scored = metrics["rows"], metrics.get("cv_rows")
    return (
        f"{_thousands(rows)} ({_thousands(scored)} scored)"
        if is_count(scored) and scored < rows
        else _thousands(rows)
    )


def _differences(comparison: dict[str, Any]) -> list[str]:
    """The paired differences behind the verdict, each with its interval, per track."""
    tracks = {t: v for t, v in (comparison.get("tracks") or {}).items() if "judgement" in v}
    if not tracks:
        return []
    level = f"{100 * comparison.get('interval_level', 0.9):.0f}%"
    judged = comparison.get("judged_level")
    lines = [
        f"Candidate minus {literal(comparison['active'])}, on the same people, with {level} "
        f"paired bootstrap intervals ({_thousands(comparison.get('bootstrap_samples', ''))} "
        "resamples); "
        + (
            "each version's own figures have their intervals beside them above."
            if any("active_interval" in v["auc"] for v in tracks.values())
            else "the candidate's own figures have their intervals beside them above."
        )
        + (
            f" The judgement reads each difference's {100 * judged:.1f}% interval (in square "
            "brackets after it): four differences are judged at once, two measures on two "
            "tracks, and at 90% each two equally good models would be called different on "
            "some track about one time in five."
            if is_number(judged)
            else ""
        ),
        "",
        "| track | rows | ROC AUC difference | Brier difference | judgement |",
        "| --- | --- | --- | --- | --- |",
    ]
    for track, entry in tracks.items():
        cells = []
        for measure in ("auc", "brier"):
            d = entry[measure]
            low, high = d["interval"]
            cell = f"{d['difference']:+.4f} ({low:+.4f} to {high:+.4f})"
            if d.get("judged_interval"):
                low, high = d["judged_interval"]
                cell += f" [{low:+.4f} to {high:+.4f}]"
            cells.append(cell)
        unfair = ""
        if entry.get("learnt_by_active"):
            unfair = (
                f" (not a fair comparison: {literal(comparison.get('active'))} learnt from "
                f"{entry['learnt_by_active']:,} of these people)"
            )
        said = judgement_said(
            entry,
            (comparison.get("verdict") or {}).get("summary"),
            track in flattered_tracks(comparison),
        )
        lines.append(
            f"| {literal(track)} | {_thousands(entry['rows'])} | {cells[0]} | {cells[1]} | {said}"
            f"{unfair} |"
        )
    return [*lines, ""]


def fairness_lines(report: dict[str, Any] | None) -> list[str]:
    """The fairness report as Markdown tables, one per attribute and outcome.

    Reports made before groups had to be big enough to compare (no "smallest_comparable")
    are described as they were made; whenever made, a group of fewer than `SMALLEST_SHOWN`
    people is listed without its outcomes (`shown_report`).
    """
    if not report:
        return ["No sensitive attributes were supplied, so no fairness report was made.", ""]
    report = shown_report(report)
    lines = [_fairness_rules(report) + " " + NOT_SHOWN_RULE, ""]
    comparisons = comparisons_said(report)
    if comparisons:
        lines += [comparisons, ""]
    if not fairness_checked(report):
        lines += [f"**{NOTHING_CHECKED}**", ""]
    if report.get("withheld_whole"):
        lines += [WITHHELD_WHOLE, ""]
    lines += [*_outcome_meanings(report), ""]
    for entry in report["attributes"]:
        lines += [
            f"### {literal(entry['attribute'])} (known: {entry['known']}, "
            f"unknown: {entry['unknown']}"
            + (f"; {people_set_aside(entry)}" if people_set_aside(entry) else "")
            + ")",
            "",
        ]
        for outcome, cell in entry["outcomes"].items():
            label = literal(OUTCOME_LABELS.get(outcome, outcome.replace("_", " ")))
            lines += [
                f"**{label}**: {_independence(cell)}",
                "",
                *([counted_among(outcome, cell), ""] if "not_counted" in cell else []),
                *([cell["note"], ""] if cell.get("note") else []),
                "| group | n | rate | impact ratio | p | flagged |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            lines += [_group_row(group, cell, report) for group in cell["groups"]]
            lines.append("")
    return lines


def calibration_lines(manifest: dict[str, Any]) -> list[str]:
    """Calibration by group: per attribute, a table of each track's groups judged, and the
    groups not judged. Nothing for a version trained without sensitive columns; a version
    trained before it was measured says so."""
    report = calibration_report(manifest)
    if not manifest.get("sensitive_columns") and report is None:
        return []
    lines = ["## Calibration by group", ""]
    if report is None:
        return lines + ["Not measured: this version was trained before trackfit measured it.", ""]
    if not calibration_readable(report):
        return lines + [f"Not shown: it {CALIBRATION_UNREADABLE}.", ""]
    lines += [CALIBRATION_RULE, "", f"**{literal(calibration_flags_said(report))}**", ""]
    for entry in report["attributes"]:
        lines += [
            f"### Calibration by {literal(entry['attribute'])}",
            "",
            "| track | group | people | succeeded | model's mean chance | succeeded − chance "
            "| adjusted p |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for track, cell in entry["tracks"].items():
            for group in cell["groups"]:
                low, high = group["observed_interval"]
                flag = "**flagged** " if group["flagged"] else ""
                lines.append(
                    f"| {literal(track)} | {literal(group['group'])} | {group['people']:,} | "
                    f"{round(100 * group['observed'])}% (likely {round(100 * low)}% to "
                    f"{round(100 * high)}%) | {round(100 * group['predicted'])}% | "
                    f"{flag}{calibration_gap(group)} | {readable_p(group['p_adjusted'])} |"
                )
        lines.append("")
        for track, cell in entry["tracks"].items():
            not_judged = calibration_not_judged(cell, calibration_attribute(entry))
            if not_judged:
                lines += [f"{literal(track)}: {literal(not_judged)}", ""]
    return lines


def _fairness_rules(report: dict[str, Any]) -> str:
    """How impact ratios, flags and p-values were worked out for this report."""
    if "smallest_comparable" not in report:
        return (
            f"Impact ratio = a group's rate over the highest group's rate; under "
            f"{report['impact_ratio_flag']} it is flagged. Groups under {report['small_group']} "
            "people are marked small: their rates are noisy. "
            + RATE_RANGE_RULE
            + "p = Fisher's exact test against the highest group."
        )
    return (
        f"Impact ratio = a group's rate over the reference group's rate; under "
        f"{report['impact_ratio_flag']} it is flagged. The reference is the group with the "
        f"highest rate among groups of at least {report['smallest_comparable']} people (at "
        f"least {report['small_group']}, and at least {report['min_share']:.0%} of the "
        f"{_thousands(report['assessed'])} assessed); "
        + (
            f"a smaller group is listed with its rate and ratio but is {SMALL_GROUP_REASON}"
            if "small_group_alpha" in report
            else f"smaller groups are listed but not compared ({SMALL_GROUP_NOT_COMPARED})"
        )
        + ". "
        + RATE_RANGE_RULE
        + (RATIO_RANGE_RULE if _has_ratio_ranges(report) else "")
        + "p = Fisher's exact test against the reference. Whether the "
        "rates differ across the groups shown is tested with chi-square where every expected count "
        "is at least 5, and with Fisher's exact test otherwise."
    )


RATE_RANGE_RULE = (
    'A rate\'s range ("likely 0.23 to 0.38") is the 90% interval of a rate seen among that many '
    "people (Wilson). "
)
RATIO_RANGE_RULE = 'A ratio\'s range ("likely 0.44 to 0.81") is its 90% interval. '


def _has_ratio_ranges(report: dict[str, Any]) -> bool:
    """Whether any group of the report shows a range for its impact ratio (reports made
    before ranges were given have none)."""
    return any(
        likely_ratio(group)
        for entry in report["attributes"]
        for cell in entry["outcomes"].values()
        for group in cell["groups"]
    )


def _outcome_meanings(report: dict[str, Any]) -> list[str]:
    """What each outcome of the report counts, for the outcomes whose meaning is known."""
    shown = {outcome for entry in report["attributes"] for outcome in entry["outcomes"]}
    return [
        f"- {literal(OUTCOME_LABELS.get(outcome, outcome))}: {meaning}."
        for outcome, meaning in OUTCOME_MEANINGS.items()
        if outcome in shown
    ]


def _independence(cell: dict[str, Any]) -> str:
    """The test of whether the rates differ across the groups, and its p-value."""
    if "test" in cell:
        test, p = cell["test"], cell["p_value"]
    else:
        test, p = ("chi-square" if cell["chi_square_p"] is not None else None), cell["chi_square_p"]
    if cell.get("test_withheld"):
        return TEST_WITHHELD
    if test is None:
        withheld = cell.get("groups_not_shown") or 0
        if withheld and len(cell.get("groups", [])) - withheld < 2:
            return "no test: fewer than two groups are shown"
        return "no test: one group, or the same outcome for everyone"
    left_out = ""
    if cell.get("groups_not_shown"):
        left_out = " (groups not shown left out)"
    return f"{TESTS.get(test, test)}, {p_statement(p)}{left_out}"


def _group_row(group: dict[str, Any], cell: dict[str, Any], report: dict[str, Any]) -> str:
    """One group's row: n, rate, impact ratio, p against the reference (and adjusted for the
    report's many comparisons, where it was) and its marks."""
    new_rules = "small_group_alpha" in report
    if group.get("not_shown"):
        marks = ["**flagged**" if group["flagged"] else "", withheld_reason(group)]
    else:
        small = ""
        if group["small_group"]:
            if group["impact_ratio"] is None and not group.get("ratio_undefined"):
                small = "too few to compare"
            else:
                small = SMALL_GROUP_MARK if new_rules else "small group"
        marks = [
            "**flagged**" if group["flagged"] else "",
            chance_mark(group, report.get("comparisons")),
            small,
        ]
    name = literal(group["group"])
    if group["group"] == cell["reference_group"]:
        name += " (reference)"
    return (
        f"| {name} | {_thousands(group['n'])} | {_rate_with_range(group)} | "
        f"{_ratio_with_range(group)} | "
        f"{_p_with_adjusted(group, report)} | {', '.join(m for m in marks if m)} |"
    )


def _rate_with_range(group: dict[str, Any]) -> str:
    """The group's rate, and after it the 90% range of a rate seen among that many people: two
    decimals each, as the page has them (0.3333 beside "likely 0.24 to 0.44" read as more
    certain than its range)."""
    rate, people = group.get("rate"), group.get("n")
    if not (is_number(rate) and 0 <= rate <= 1 and is_count(people) and people > 0):
        return f"{_or_dash(rate)}"
    return f"{rate:.2f} ({likely_share(rate, people)})"


def _ratio_with_range(group: dict[str, Any]) -> str:
    """The impact ratio as the page reads it (`group_ratio_said`), and after it its 90% range where
    the report has one."""
    ratio_range, ratio = likely_ratio(group), group["impact_ratio"]
    if is_number(ratio) or group.get("ratio_undefined"):
        said = group_ratio_said(group)
    else:
        said = f"{_or_dash(ratio)}"
    return f"{said} ({ratio_range})" if ratio_range else said


def _p_with_adjusted(group: dict[str, Any], report: dict[str, Any]) -> str:
    """The p against the reference, and after it the adjusted p where the report has one."""
    adjusted = adjusted_p_said(group, report.get("comparisons"))
    return readable_p(group["p_value"]) + (f" ({adjusted})" if adjusted else "")


def _advice_value(manifest: dict[str, Any]) -> list[str]:
    """How many would succeed following the advice: estimated on people the model did not
    learn from (`recommender.learn.advice_value`), or, in versions made before, the model's
    own figure on the people it learnt from, said to be optimistic."""
    holdout = manifest.get("holdout")
    value = holdout.get("advice_value") if isinstance(holdout, dict) else None
    if isinstance(value, dict) and isinstance(value.get("gain"), dict):
        return [
            "",
            "## Following the advice",
            "",
            f"- Success if people followed the model's advice (the better of their two "
            f"chances, before the pack's rules): {_estimate(value.get('advice_estimated'))}.",
            f"- Status quo, people choosing for themselves: "
            f"{_estimate(value.get('status_quo_observed'))} observed.",
            f"- Difference: {_estimate(value.get('gain'), signed=True)}; the advice differs "
            f"from the track taken for {_share(value.get('share_advised_other_track'))} of "
            f"{_thousands(value.get('rows'))} people.",
            "",
            "Estimated on people the model did not learn from, with their outcomes: "
            f"{literal(value.get('method'))}. On outcomes that carry no signal the difference "
            "is about zero; the model's own chances on the people it learnt from would show a "
            "gain even there.",
            "",
        ]
    old = manifest.get("metrics", {}).get("advice_value", {})
    if not old:
        return []
    return [
        "",
        f"- Estimated success rate if people followed the advice: "
        f"{_with_interval(old, 'advice_estimated')}.",
        f"- Status quo, people choosing for themselves: observed "
        f"{_with_interval(old, 'status_quo_observed')}; estimated by the model "
        f"{_with_interval(old, 'status_quo_estimated')}.",
        "",
        "These are the model's own estimates on the people it learnt from, made before "
        "trackfit estimated them on people it did not learn from: optimistic (the better of "
        "two chances fitted to the same people shows a gain even where there is none).",
        "",
    ]


def _estimate(entry: Any, *, signed: bool = False) -> str:
    """'0.66 (90% interval 0.62 to 0.70)' from a recorded {value, interval}."""
    if not isinstance(entry, dict) or not is_number(entry.get("value")):
        return "not recorded"
    form = "+.3f" if signed else ".3f"
    interval = entry.get("interval")
    if not (isinstance(interval, list) and len(interval) == 2 and all(map(is_number, interval))):
        return f"{entry['value']:{form}}"
    low, high = interval
    return f"{entry['value']:{form}} (90% interval {low:{form}} to {high:{form}})"


def _share(value: Any) -> str:
    return f"{value:.0%}" if is_number(value) else "an unrecorded share"


def _with_interval(values: dict[str, Any], name: str) -> str:
    """A rate with its 90% interval when the manifest has one (older ones do not)."""
    interval = values.get(f"{name}_interval")
    if not interval:
        return f"{values[name]}"
    return f"{values[name]} (90% interval {interval[0]} to {interval[1]})"


def _thousands(value: object) -> str:
    """A count as people read it, 2,911 not 2911; anything else as `_or_dash` gives it."""
    return f"{value:,}" if is_count(value) else f"{_or_dash(value)}"


def _or_dash(value: object) -> object:
    return "–" if value is None else value
