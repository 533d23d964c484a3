"""How two versions' figures and the difference between them read on HR's pages: to four
places, as the ends of their intervals, the difference signed."""

from __future__ import annotations

from webapp import learning
from webapp.hr import bp


def difference(value: float) -> str:
    """+0.0123, -0.1050: a difference and its interval's ends to the four places the manifest
    and the model card keep (with three, -0.0004 read "-0.000", and -0.0028 beside an
    interval "-0.005 to -0.000" looked within the smallest difference that matters)."""
    return f"{value:+.4f}"


def figure(value: float) -> str:
    """0.7000, 0.6493: a version's ROC AUC or Brier, and its interval's ends, to the same four
    places (a figure that rounded to 0.7 read "0.6493 to 0.7" beside it)."""
    return f"{value:.4f}"


bp.add_app_template_filter(difference, "difference")
bp.add_app_template_filter(figure, "figure")
# "no different" only when every interval lies within the smallest difference that matters
bp.add_app_template_filter(learning.judgement_said, "judgement_said")
bp.add_app_template_filter(learning.flattered_tracks, "flattered_tracks")
# "halfway ", or nothing for all the way: how far a search shrank toward its prior
bp.add_app_template_filter(learning.shrink_share, "shrink_share")
