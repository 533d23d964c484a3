"""The model card's fairness section: the rules the report followed, what each outcome counts,
the test used and p-values as people read them; reports made before the rules still render."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from recommender.learn.comparison import compare_paired, judgement_said
from recommender.learn.fairness import fairness_report
from recommender.learn.fairness_wording import (
    NOT_SHOWN,
    NOT_SHOWN_RULE,
    OUTCOME_MEANINGS,
    SMALL_GROUP_MARK,
    SMALL_GROUP_REASON,
    WITHHELD_REASONS,
    WITHHELD_WHOLE,
)
from recommender.learn.model_card import fairness_lines, render_model_card

ROOT = Path(__file__).resolve().parents[3]


def blocks(*spec: tuple[str, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Labels and outcomes from (label, n, selected) blocks."""
    labels = np.array([label for label, n, _ in spec for _ in range(n)], dtype=object)
    chosen = np.array([i < k for _, n, k in spec for i in range(n)], dtype=bool)
    return labels, chosen


def test_a_report_names_its_reference_and_leaves_small_groups_uncompared():
    gender, chosen = blocks(("man", 1000, 500), ("woman", 1000, 300), ("x", 20, 20))
    report = fairness_report(
        {"manager_recommended": chosen, "target_above_current": ~chosen}, {"gender": gender}
    )
    text = "\n".join(fairness_lines(report))
    assert (
        "groups of at least 41 people (at least 30, and at least 2% of the 2,020 assessed)" in text
    )
    assert SMALL_GROUP_REASON in text
    assert f"- Target above the current level: {OUTCOME_MEANINGS['target_above_current']}." in text
    assert f"- Manager track recommended: {OUTCOME_MEANINGS['manager_recommended']}." in text
    assert "**Manager track recommended**: chi-square test, p < 0.001" in text
    assert "| man (reference) | 1,000 | 0.50 (likely 0.47 to 0.53) | 1.00 | – |  |" in text
    assert (
        "| woman | 1,000 | 0.30 (likely 0.28 to 0.32) | 0.60 (likely 0.55 to 0.66) | "
        "< 0.001 (adjusted < 0.001) | "
        "**flagged** |"
    ) in text
    assert (
        "| x | 20 | 1.00 (likely 0.88 to 1.00) | 2.00 (likely 1.76 to 2.11) | "
        f"< 0.001 (adjusted < 0.001) | "
        f"{SMALL_GROUP_MARK} |"
    ) in text


def test_a_ratio_over_a_reference_that_selected_nobody_is_carded_as_not_defined():
    team, chosen = blocks(("x", 45, 0), ("y", 12, 10))
    text = "\n".join(fairness_lines(fairness_report({"manager_recommended": chosen}, {"t": team})))
    assert "| x (reference) | 45 | 0.00 (likely 0.00 to 0.06) | 1.00 | – |  |" in text
    row = next(line for line in text.splitlines() if line.startswith("| y |"))
    assert "| not defined: the reference's rate is 0% |" in row and "too few" not in row
    assert row.endswith(f"{SMALL_GROUP_MARK} |")


def test_a_report_without_a_comparable_group_says_so_and_names_the_exact_test():
    gender, chosen = blocks(("a", 20, 6), ("b", 20, 1))
    text = "\n".join(fairness_lines(fairness_report({"o": chosen}, {"g": gender})))
    assert "No group has at least 30 people" in text
    assert "**o**: Fisher's exact test, p = 0.091" in text
    assert "| a | 20 | 0.30 (likely 0.16 to 0.48) | – | – | too few to compare |" in text


def test_a_report_made_before_the_rules_renders_as_it_was_made(older_fairness_report):
    text = "\n".join(fairness_lines(older_fairness_report))
    assert "Groups under 30 people are marked small" in text
    assert "**Manager track recommended**: chi-square test, p < 0.001" in text
    assert (
        "| woman | 10 | 0.20 (likely 0.07 to 0.46) | 0.33 | 0.042 | **flagged**, small group |"
        in text
    )
    assert "| man (reference) | 15 | 0.60 (likely 0.39 to 0.78) | 1.00 | – | small group |" in text
    card = render_model_card({"pack": "engineering@1", "fairness": older_fairness_report})
    assert "## Fairness" in card and "| woman | 10 |" in card


def test_a_group_of_fewer_than_five_is_listed_without_its_outcomes():
    gender, chosen = blocks(("man", 60, 30), ("woman", 60, 20), ("five", 5, 1), ("g6", 2, 1))
    card = render_model_card({"pack": "engineering@1", "fairness": fairness_report(
        {"manager_recommended": chosen}, {"gender": gender}
    )})  # fmt: skip
    assert NOT_SHOWN_RULE in card
    set_aside = WITHHELD_REASONS["set_aside"]
    assert f"| g6 | 2 | – | – | – | {set_aside} |" in card
    assert (
        "| five | 5 | 0.20 (likely 0.05 to 0.56) | 0.40 (likely 0.09 to 1.17) | "
        f"0.358 (adjusted 0.358) | "
        f"{SMALL_GROUP_MARK} |"
    ) in card
    assert "makes 2 comparisons of a group with its reference" in card and "; none does." in card
    assert "| woman | 60 | 0.33 (likely 0.24 to 0.44) | 0.67 (likely 0.46 to 0.96) |" in card
    assert "(groups not shown left out)" in card
    assert "### gender (known: 127, unknown: 0; 2 people left out of every count (in a" in card


def test_a_report_stored_before_the_rule_is_carded_without_a_small_groups_outcomes(
    older_fairness_report,
):
    """Made before small groups were set aside from every table: every other group's outcomes
    beside a small one would give it away by subtraction, so no group's are carded; the flag
    stays marked."""
    cell = older_fairness_report["attributes"][0]["outcomes"]["manager_recommended"]
    cell["groups"].append(
        {"group": "g6", "n": 2, "count": 1, "rate": 0.5, "impact_ratio": None,
         "flagged": False, "p_value": 0.6, "small_group": True}
    )  # fmt: skip
    text = "\n".join(fairness_lines(older_fairness_report))
    assert f"| g6 | 2 | – | – | – | {NOT_SHOWN} |" in text
    assert "0.5" not in text.split("| g6 |")[1].split("\n")[0]
    assert WITHHELD_WHOLE in text
    assert "The test across groups is not shown" in text
    assert "chi-square test, p < 0.001" not in text
    assert "| woman | 10 | – | – | – | **flagged**, not shown: see above |" in text
    assert "0.3333" not in text and "0.042" not in text


def test_no_report_says_no_sensitive_attributes_were_supplied():
    assert fairness_lines(None)[0].startswith("No sensitive attributes were supplied")
    assert fairness_lines({})[0].startswith("No sensitive attributes were supplied")


HOSTILE_GROUP = "[click](https://evil.example) ![x](https://evil.example/p.png) <script>x</script>"


def test_text_from_the_data_is_escaped_so_it_shows_literally():
    labels, chosen = blocks(
        (HOSTILE_GROUP, 40, 20),
        ("a|b\n# heading", 40, 10),
        ("`c`", 40, 5),
        ("_em_ {version} age_band", 40, 5),
    )
    report = fairness_report({"o": chosen}, {"**gender**": labels})
    card = render_model_card(
        {"pack": "engineering@1", "sensitive_columns": ["**gender**"], "fairness": report}
    )
    assert "Sensitive attributes are never features: \\*\\*gender\\*\\*." in card
    assert "### \\*\\*gender\\*\\* (known: 160" in card
    assert (
        "| \\[click\\](https://evil.example) !\\[x\\](https://evil.example/p.png) "
        "\\<script\\>x\\</script\\> (reference) | 40 |" in card
    )
    assert "| a\\|b \\# heading | 40 |" in card
    assert "| \\`c\\` | 40 |" in card
    assert "| \\_em\\_ \\{version\\} age_band | 40 |" in card
    assert "[click](" not in card and "<script>" not in card and "\n# heading" not in card


def _cross_fitted(blur: float) -> dict:
    """A holdout record of 600 people: a candidate that knows the true chances and an active
    version that sees them through noise of `blur`, compared on the same people."""
    rng = np.random.default_rng(4)
    taken = np.where(rng.random(600) < 0.3, "manager", "ic").astype(object)
    truth = rng.uniform(0.1, 0.9, 600)
    success = (rng.random(600) < truth).astype(int)
    blurred = np.clip(truth + rng.normal(0, blur, 600), 0.01, 0.99)
    comparison = compare_paired(
        {"ic": truth, "manager": truth}, {"ic": blurred, "manager": blurred}, taken, success,
        active_name="v1",
    )  # fmt: skip
    tracks = {
        t: {"rows": int((taken == t).sum()), "auc": 0.7, "brier": 0.2} for t in ("ic", "manager")
    }
    return {
        "rows": 600,
        "method": "5-fold cross-fitting",
        "candidate": {"tracks": tracks},
        "active": {"version": "v1", "tracks": tracks},
        "comparison": comparison,
    }


def test_the_card_gives_the_advice_value_and_the_comparison_with_their_intervals():
    holdout = _cross_fitted(0.3)
    comparison, tracks = holdout["comparison"], holdout["candidate"]["tracks"]
    card = render_model_card(
        {
            "pack": "engineering@1",
            "metrics": {
                "advice_value": {
                    "advice_estimated": 0.66,
                    "advice_estimated_interval": [0.61, 0.7],
                    "status_quo_observed": 0.55,
                    "status_quo_observed_interval": [0.52, 0.58],
                    "status_quo_estimated": 0.56,
                    "status_quo_estimated_interval": [0.53, 0.59],
                    "share_advised_other_track": 0.4,
                }
            },
            "holdout": holdout,
        }
    )
    # a version made before the figure was estimated on people it did not learn from: as
    # recorded, and said to be optimistic
    assert (
        "- Estimated success rate if people followed the advice: 0.66 (90% interval 0.61 to 0.7)."
        in card
    )
    assert "observed 0.55 (90% interval 0.52 to 0.58); estimated by the model 0.56 (90%" in card
    assert "optimistic (the better of two chances fitted to the same people" in card
    low, high = comparison["tracks"]["ic"]["auc"]["candidate_interval"]
    assert f"| ic | {tracks['ic']['rows']} | 0.7000 ({low:.4f} to {high:.4f}) |" in card
    ic = comparison["tracks"]["ic"]["auc"]
    assert f"{ic['difference']:+g} ({ic['interval'][0]:+g} to {ic['interval'][1]:+g})" in card
    assert "| track | rows | ROC AUC difference | Brier difference | judgement |" in card
    # the figures to judge by come first; the search's own, optimistic ones after
    cross_fitted = card.index("## Cross-fitted comparison (600 people, 5-fold cross-fitting")
    searched = card.index("## The capacity search's own cross-validation (optimistic)")
    assert card.index("## Data and label") < cross_fitted < searched
    assert "The cross-fitted comparison above repeats the whole training" in card


def test_the_card_gives_the_value_of_following_the_advice_from_people_not_learnt_from():
    value = {
        "method": "doubly robust (AIPW): …",
        "rows": 1949,
        "advice_estimated": {"value": 0.6887, "interval": [0.6508, 0.7267]},
        "status_quo_observed": {"value": 0.5849, "interval": [0.5666, 0.6033]},
        "gain": {"value": 0.1038, "interval": [0.0687, 0.1389]},
        "share_advised_other_track": 0.4418,
    }
    holdout = {**_cross_fitted(0.3), "advice_value": value}
    card = render_model_card({"pack": "engineering@1", "holdout": holdout})
    assert (
        "- Success if people followed the model's advice (the better of their two chances, "
        "before the pack's rules): 0.689 (90% interval 0.651 to 0.727)."
    ) in card
    assert (
        "- Status quo, people choosing for themselves: 0.585 (90% interval 0.567 to 0.603)" in card
    )
    assert (
        "- Difference: +0.104 (90% interval +0.069 to +0.139); the advice differs from the track "
        "taken for 44% of 1,949 people."
    ) in card
    assert "doubly robust (AIPW)" in card and "optimistic (the better of two" not in card
    odd = {**value, "gain": {"value": "x"}, "advice_estimated": {"value": 0.5, "interval": None}}
    card = render_model_card({"pack": "engineering@1", "holdout": {**holdout, "advice_value": odd}})
    assert "- Difference: not recorded;" in card and "advice, before" not in card


def test_the_card_says_how_many_folds_chose_the_versions_shapes_and_survives_odd_ones():
    # the bundled default's manifest, as trackfit wrote it, with fold choices put in
    manifest = json.loads((ROOT / "models" / "v1" / "manifest.json").read_text())
    tracks = manifest["metrics"]["tracks"]
    mine = {t: {"knots": tracks[t]["knots"], "pairs": tracks[t]["pairs"]} for t in tracks}
    other = {t: {**choice, "knots": choice["knots"] + 1} for t, choice in mine.items()}
    folds = [
        {"scored": 72, "ic": mine["ic"], "manager": mine["manager"]},
        {"scored": 72, "ic": mine["ic"], "manager": other["manager"]},
        {"scored": 72, "ic": other["ic"], "manager": mine["manager"]},
    ]

    def card_with(fold_choices) -> str:
        return render_model_card(
            {**manifest, "holdout": {**manifest["holdout"], "fold_choices": fold_choices}}
        )

    said = "the folds that chose this version's shapes: ic 2 of 3, manager 2 of 3."
    assert said in card_with(folds)
    before = {k: v for k, v in manifest["holdout"].items() if k != "fold_choices"}
    assert "cross-fitting that judged it" not in render_model_card({**manifest, "holdout": before})
    # a manifest trackfit did not write: odd entries count as other shapes, never a failure
    odd = [*folds, "fold", {"ic": {"knots": True}}, {"manager": None}]
    assert "ic 2 of 6, manager 2 of 6." in card_with(odd)
    # the same knots with other interactions are other shapes
    paired = [
        {**fold, "ic": {**fold["ic"], "pairs": ["constructs.a*constructs.b"]}} for fold in folds
    ]
    assert "ic 0 of 3, manager 2 of 3." in card_with(paired)
    for fold_choices in ("5", [], None, {"ic": 2}):
        assert "cross-fitting that judged it" not in card_with(fold_choices)


def test_a_flag_fishers_test_cannot_tell_from_chance_says_so_and_stays_a_flag():
    # 40 people with a rate of 0.375 against 200 at 0.5: under four fifths, p about 0.17;
    # 400 against 2,000 with the same rates: p far under 0.05
    for scale, could_be_chance in ((1, True), (10, False)):
        labels, chosen = blocks(("a", 200 * scale, 100 * scale), ("b", 40 * scale, 15 * scale))
        report = fairness_report({"o": chosen}, {"g": labels})
        (row,) = [line for line in fairness_lines(report) if line.startswith("| b |")]
        assert "**flagged**" in row
        assert ("a gap this size among these people could be chance" in row) is could_be_chance


def test_the_card_explains_ratio_ranges_only_where_it_shows_them():
    gender, chosen = blocks(("man", 100, 50), ("woman", 100, 30))
    report = fairness_report({"manager_recommended": chosen}, {"gender": gender})
    rule = 'A ratio\'s range ("likely 0.44 to 0.81") is its 90% interval.'
    shown = "\n".join(fairness_lines(report))
    assert rule in shown and "0.60 (likely " in shown
    for group in report["attributes"][0]["outcomes"]["manager_recommended"]["groups"]:
        del group["impact_ratio_interval"]  # as a report made before ranges were given
    made_before = "\n".join(fairness_lines(report))
    ratios = [line.split("|")[4] for line in made_before.splitlines() if line.startswith("| ")]
    assert rule not in made_before and not any("likely" in ratio for ratio in ratios)


def test_the_card_reads_a_ratio_as_the_page_does():
    """Two decimals beside a range of two, four where two would put it on the four-fifths line:
    3,998 of 10,000 against 5,000 of 10,000 is 0.7996, flagged, which is not "0.80"."""
    gender, chosen = blocks(("man", 10_000, 5_000), ("woman", 10_000, 3_998))
    report = fairness_report({"manager_recommended": chosen}, {"gender": gender})
    rows = {line.split("|")[1].strip(): line for line in fairness_lines(report) if "|" in line}
    assert rows["woman"].split("|")[4].strip().startswith("0.7996 (likely 0.78 to 0.82)")


def test_the_card_gives_each_groups_rate_with_its_range():
    """No rate without its uncertainty: 30 of 100 is likely 0.23 to 0.38 (Wilson, 90%), 3 of
    10 far less sure; a group whose rate is withheld shows no range either."""
    gender, chosen = blocks(("man", 100, 50), ("woman", 100, 30), ("x", 4, 1))
    report = fairness_report({"manager_recommended": chosen}, {"gender": gender})
    rows = {line.split("|")[1].strip(): line for line in fairness_lines(report) if "|" in line}
    assert "| 0.30 (likely 0.23 to 0.38) |" in rows["woman"]
    assert "| 0.50 (likely 0.42 to 0.58) |" in rows["man (reference)"]
    assert "likely" not in rows["x"].split("|")[3]  # too few to show: withheld


def test_the_card_judges_each_track_in_the_words_of_the_page_and_the_verdict():
    """A track judged "no different" whose interval reaches beyond the smallest difference
    that matters has shown no difference, which is not the same as none: the card says so, as
    the models page and the verdict do."""
    holdout = _cross_fitted(0.02)
    comparison = holdout["comparison"]
    card = render_model_card({"pack": "engineering@1", "holdout": holdout})
    for track, entry in comparison["tracks"].items():
        said = judgement_said(entry, comparison["verdict"]["summary"])
        row = [line for line in card.splitlines() if line.startswith(f"| {track} | ")][-1]
        assert row.endswith(f"| {said} |")
    assert {judgement_said(e) for e in comparison["tracks"].values()} != {"no different"}


def test_a_card_compared_before_the_active_versions_intervals_says_whose_it_gives():
    """A comparison kept before the active version's intervals were: the candidate's ROC AUC
    and Brier stand with theirs, and the sentence under the table says so, not "ROC AUC"."""
    holdout = _cross_fitted(0.3)
    for track in holdout["comparison"]["tracks"].values():
        for measure in ("auc", "brier"):
            track[measure].pop("active_interval")
    card = render_model_card({"pack": "engineering@1", "metrics": {}, "holdout": holdout})
    brier = holdout["comparison"]["tracks"]["ic"]["brier"]
    low, high = brier["candidate_interval"]
    assert f"| 0.2000 ({low:.4f} to {high:.4f}) |" in card  # the candidate's Brier, with its own
    assert "the candidate's own figures have their intervals beside them above." in card
    assert "ROC AUC interval is beside it" not in card


def test_the_searchs_own_figures_carry_their_intervals_and_how_many_were_scored():
    searched = {
        "rows": 16025,
        "cv_rows": 10000,
        "success_rate": 0.5667,
        "cv_auc": 0.6939,
        "cv_auc_interval": [0.6861, 0.7017],
        "cv_brier": 0.2179,
        "cv_brier_interval": [0.2152, 0.2206],
    }
    everyone = {**searched, "rows": 3348, "cv_rows": 3348}
    card = render_model_card(
        {"pack": "engineering@1", "metrics": {"tracks": {"ic": searched, "manager": everyone}}}
    )
    assert "| ic | 16,025 (10,000 scored) | 0.5667 | 0.6939 (0.6861 to 0.7017) | " in card
    assert "| 0.2179 (0.2152 to 0.2206) |" in card
    assert "| manager | 3,348 | 0.5667 | 0.6939 (0.6861 to 0.7017) |" in card
    assert "its 90% interval from resampling the people scored (1,000 bootstrap" in card
    # a version trained before the intervals were kept: its figures as recorded, no words
    # about intervals it does not have
    bare = {k: v for k, v in searched.items() if "interval" not in k and k != "cv_rows"}
    card = render_model_card({"pack": "engineering@1", "metrics": {"tracks": {"ic": bare}}})
    assert "| ic | 16,025 | 0.5667 | 0.6939 | 0.2179 |" in card
    assert "resampling the people scored" not in card
