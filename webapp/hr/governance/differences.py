"""How a difference between two versions' figures reads on HR's pages: signed, and with enough
decimals that a small difference is never printed as "+0.000" or "-0.000"."""

from __future__ import annotations

from webapp.hr import bp


def difference(value: float) -> str:
    """+0.012, -0.105; under 0.001 (but not zero) with four decimals: +0.0004."""
    if value != 0 and abs(value) < 0.001:
        return f"{value:+.4f}"
    return f"{value:+.3f}"


bp.add_app_template_filter(difference, "difference")
