"""The fairness report's wording on HR's pages: p-values as people read them, what each outcome
counts and which test was used, how sure each rate and ratio is, and the report as it may be
shown (groups too small to show without their outcomes), all taken from the report's own
module; and calibration by group in the same words as the model card."""

from webapp import learning
from webapp.hr import bp

bp.add_app_template_filter(learning.readable_p, "readable_p")
bp.add_app_template_filter(learning.p_statement, "p_statement")
bp.add_app_template_global(learning.OUTCOME_MEANINGS, "outcome_meanings")
bp.add_app_template_global(learning.counted_among, "counted_among")
bp.add_app_template_global(learning.TESTS, "fairness_tests")
bp.add_app_template_global(learning.SMALL_GROUP_REASON, "small_group_reason")
bp.add_app_template_filter(learning.shown_report, "shown_fairness")
bp.add_app_template_filter(learning.withheld_reason, "withheld_reason")
bp.add_app_template_filter(learning.chance_mark, "chance_mark")
bp.add_app_template_filter(learning.comparisons_said, "comparisons_said")
bp.add_app_template_filter(learning.adjusted_p_said, "adjusted_p_said")
bp.add_app_template_filter(learning.likely_ratio, "likely_ratio")
bp.add_app_template_filter(learning.group_ratio_said, "group_ratio_said")
bp.add_app_template_filter(learning.likely_rate, "likely_rate")
bp.add_app_template_filter(learning.people_set_aside, "people_set_aside")
bp.add_app_template_global(learning.NOT_SHOWN_RULE, "not_shown_rule")
bp.add_app_template_global(learning.TEST_WITHHELD, "test_withheld_reason")
bp.add_app_template_global(learning.WITHHELD_WHOLE, "withheld_whole_reason")
bp.add_app_template_global(learning.SMALLEST_SHOWN, "smallest_shown")
bp.add_app_template_filter(learning.fairness_checked, "fairness_checked")
bp.add_app_template_filter(learning.flagged_groups, "flagged_groups")
bp.add_app_template_filter(learning.flagged_groups_said, "flagged_groups_said")
bp.add_app_template_filter(learning.flags_maybe_chance, "flags_maybe_chance")
bp.add_app_template_global(learning.NOTHING_CHECKED, "nothing_checked")
bp.add_app_template_global(learning.SMALL_GROUP_MARK, "small_group_mark")
bp.add_app_template_global(learning.SMALL_GROUP_NOT_COMPARED, "small_group_not_compared")
bp.add_app_template_global(learning.CALIBRATION_RULE, "calibration_rule")
bp.add_app_template_filter(learning.calibration_flags_said, "calibration_flags_said")
bp.add_app_template_filter(learning.calibration_gap, "calibration_gap")
bp.add_app_template_filter(learning.calibration_flagged, "calibration_flagged")
bp.add_app_template_filter(learning.calibration_in_brief, "calibration_in_brief")
bp.add_app_template_filter(learning.calibration_readable, "calibration_readable")
bp.add_app_template_global(learning.CALIBRATION_UNREADABLE, "calibration_unreadable")
bp.add_app_template_filter(learning.calibration_not_judged, "calibration_not_judged")
bp.add_app_template_filter(learning.calibration_attribute, "calibration_attribute")
