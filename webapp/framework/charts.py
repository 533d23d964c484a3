"""You against a level, drawn on the server as an SVG bar chart (same data as the table below)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from webapp import drawing
from webapp.drawing import GRID, INK, MUTED
from webapp.framework.standing import Rating
from webapp.results.charts import GAP_COLOUR, NEED_COLOUR, TRACK_COLOURS

SHORT_COLOUR = GAP_COLOUR  # a bar below the level's mark: grey, and its numbers say so too


def standing_chart(ratings: Sequence[Rating], level_id: str, level_title: str) -> Markup:
    """One row per competency: its name, then your rating as a bar on 0..5 with the level's
    expectation as a mark across it and both numbers written out.

    Drawn 400 wide with the label above its bar, so that scaled to a phone's ~358 px the
    smallest text (14) is still drawn at 12 px or more.
    """
    width, left, right, top, row = 400, 4, 12, 100, 56
    scale = (width - left - right) / 5
    body = _key(level_id)
    bottom = top + row * len(ratings)
    for value in range(6):
        x = left + scale * value
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom - 8}" stroke="{GRID}"/>'
        )
        body.append(drawing.text(x, bottom + 8, str(value), _tick_anchor(value), 14, MUTED))
    words = []
    for i, rating in enumerate(ratings):
        y = top + i * row
        have = rating.have or 0
        short = rating.short_by > 0
        body.append(drawing.text(left, y + 14, rating.competency.label, size=14, weight="bold"))
        said = "not rated" if rating.have is None else f"you {have:g}"
        body.append(
            drawing.text(
                width - right, y + 14, f"{said} · {level_id} {rating.need}", "end", 14, MUTED
            )
        )
        body.append(drawing.rect(left, y + 22, scale * 5, 18, "#eef2f5"))
        colour = SHORT_COLOUR if short else TRACK_COLOURS["ic"]
        body.append(drawing.rect(left, y + 22, scale * have, 18, colour))
        need_x = left + scale * rating.need
        body.append(
            f'<line x1="{need_x:.1f}" y1="{y + 17}" x2="{need_x:.1f}" y2="{y + 45}" '
            f'stroke="{NEED_COLOUR}" stroke-width="4"/>'
        )
        words.append(
            f"{rating.competency.label}: {said}, {level_id} expects {rating.need}, {rating.words}"
        )
    return drawing.svg(
        width,
        bottom + 14,
        f"Your ratings against {level_id} {level_title}",
        "Bars are your own ratings from 0 to 5; the upright mark on each is what "
        f"{level_id} expects. " + "; ".join(words),
        body,
        "chart standing",
    )


def _key(level_id: str) -> list[str]:
    """A key over the chart: the bar is you, the mark is the level."""
    return [
        drawing.rect(4, 6, 26, 14, TRACK_COLOURS["ic"]),
        drawing.text(38, 18, "Your rating, at or above the mark", size=14, fill=INK),
        drawing.rect(4, 30, 26, 14, SHORT_COLOUR),
        drawing.text(38, 42, "Your rating, below the mark", size=14, fill=INK),
        f'<line x1="17" y1="52" x2="17" y2="72" stroke="{NEED_COLOUR}" stroke-width="4"/>',
        drawing.text(38, 66, f"The mark: what {level_id} expects", size=14, fill=INK),
    ]


def _tick_anchor(value: int) -> str:
    """Scale numbers sit centred on their line, the end ones inside the drawing."""
    return {0: "start", 5: "end"}.get(value, "middle")
