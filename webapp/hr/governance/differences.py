"""How a difference between two versions' figures reads on HR's pages: signed, with the same
decimals as the ends of its interval."""

from __future__ import annotations

from webapp import learning
from webapp.hr import bp


def difference(value: float) -> str:
    """+0.0123, -0.1050: a difference and its interval's ends to the four places the manifest
    and the model card keep (with three, -0.0004 read "-0.000", and -0.0028 beside an
    interval "-0.005 to -0.000" looked within the smallest difference that matters)."""
    return f"{value:+.4f}"


bp.add_app_template_filter(difference, "difference")
# "no different" only when every interval lies within the smallest difference that matters
bp.add_app_template_filter(learning.judgement_said, "judgement_said")
bp.add_app_template_filter(learning.flattered_tracks, "flattered_tracks")
