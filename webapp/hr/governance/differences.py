"""How a difference between two versions' figures reads on HR's pages: signed, with the same
decimals as the ends of its interval."""

from __future__ import annotations

from webapp import learning
from webapp.hr import bp


def difference(value: float, places: int = 3) -> str:
    """+0.012, -0.105: a difference and its interval's ends with the same `places` (a Brier
    score's differences are small: its rows take four)."""
    return f"{value:+.{places}f}"


bp.add_app_template_filter(difference, "difference")
# "no different" only when every interval lies within the smallest difference that matters
bp.add_app_template_filter(learning.judgement_said, "judgement_said")
