"""The fairness report's wording on HR's pages: p-values as people read them, what each outcome
counts and which test was used, all taken from the report's own module."""

from recommender.fairness import (
    OUTCOME_MEANINGS,
    SMALL_GROUP_REASON,
    TESTS,
    p_statement,
    readable_p,
)
from webapp.hr import bp

bp.add_app_template_filter(readable_p, "readable_p")
bp.add_app_template_filter(p_statement, "p_statement")
bp.add_app_template_global(OUTCOME_MEANINGS, "outcome_meanings")
bp.add_app_template_global(TESTS, "fairness_tests")
bp.add_app_template_global(SMALL_GROUP_REASON, "small_group_reason")
