"""The web's door for learning: outcome files, training, model governance, fairness, quality.

Only HR's pages and background jobs use it, and it loads lazily: a name is imported from the
recommender's learning layer (pandas, scipy, scikit-learn) the first time it is read, so
starting the app, answering and showing results never load that machinery. Read names as
attributes (`learning.train_candidate`), not with `from webapp.learning import ...` at the top
of a module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from flask import current_app

if TYPE_CHECKING:
    from recommender.learn.publishing import RegistryWriter

_SOURCES = {
    "recommender.answer.written_text": ("MIN_WORDS",),
    "recommender.learn.candidate": ("train_candidate",),
    "recommender.learn.comparison": ("flattered_tracks", "judgement_said"),
    "recommender.learn.justification": (
        "MAX_JUSTIFICATION",
        "MIN_JUSTIFICATION",
        "justification_reasons",
        "needs_justification",
        "not_a_reason",
        "unjustified",
    ),
    "recommender.learn.fold_choices": (
        "knots_of",
        "pairs_of",
        "recorded_folds",
        "same_shapes",
        "shrink_share",
    ),
    "recommender.learn.model_card": ("render_model_card",),
    "recommender.learn.verdict_evidence": (
        "EVIDENCE_COLUMNS",
        "EvidenceRow",
        "LEARNT_BY_ACTIVE",
        "QUALITY_FLAGGED",
    ),
    "recommender.learn.fairness_wording": (
        "adjusted_p_said",
        "CALIBRATION_RULE",
        "calibration_flagged",
        "calibration_flags_said",
        "calibration_in_brief",
        "calibration_attribute",
        "calibration_readable",
        "CALIBRATION_UNREADABLE",
        "calibration_gap",
        "calibration_not_judged",
        "chance_mark",
        "comparisons_said",
        "counted_among",
        "exposes_small_groups",
        "fairness_checked",
        "flagged_groups",
        "flagged_groups_said",
        "flags_maybe_chance",
        "likely_ratio",
        "group_ratio_said",
        "NOT_SHOWN_RULE",
        "NOTHING_CHECKED",
        "OUTCOMES",
        "OUTCOME_MEANINGS",
        "SMALL_GROUP_MARK",
        "SMALL_GROUP_NOT_COMPARED",
        "SMALL_GROUP_REASON",
        "SMALLEST_SHOWN",
        "TEST_WITHHELD",
        "TESTS",
        "WITHHELD_WHOLE",
        "p_statement",
        "people_set_aside",
        "readable_p",
        "shown_report",
        "withheld_reason",
    ),
    "recommender.learn.outcomes": (
        "OutcomesInvalid",
        "PROBLEMS_LISTED",
        "is_short_file",
        "looks_like_outcomes",
        "names_items",
        "pack_of_columns",
        "parse_outcome_links",
        "parse_outcomes",
    ),
    "recommender.learn.publishing": (
        "AlreadyActive",
        "PromotionMoved",
        "RegistryWriter",
        "RollbackMoved",
    ),
    "recommender.learn.observed_rates": ("likely_rate", "observed_range"),
    "recommender.learn.people": ("person_keys", "person_order", "seen_rows"),
    "recommender.learn.recorded": ("is_count",),
    "recommender.learn.reliability": ("WEAK_ITEM", "questionnaire_quality"),
    "recommender.learn.training": ("TrainingDataTooSmall", "training_shortfalls"),
}
_MODULE_OF = {name: module for module, names in _SOURCES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import a learning name on first use and keep it."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def registry_writer() -> RegistryWriter:
    """The configured model registry, for adding versions and moving the active pointer."""
    return __getattr__("RegistryWriter")(current_app.config["TRACKFIT_MODELS"])
