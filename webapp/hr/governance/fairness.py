"""The fairness report's wording on HR's pages: p-values as people read them, what each outcome
counts and which test was used, all taken from the report's own module."""

from webapp import learning
from webapp.hr import bp

bp.add_app_template_filter(learning.readable_p, "readable_p")
bp.add_app_template_filter(learning.p_statement, "p_statement")
bp.add_app_template_global(learning.OUTCOME_MEANINGS, "outcome_meanings")
bp.add_app_template_global(learning.TESTS, "fairness_tests")
bp.add_app_template_global(learning.SMALL_GROUP_REASON, "small_group_reason")
