"""Model comparison charts, server-rendered SVG with a text alternative: calibration (predicted
against observed success) and ROC curves, the candidate beside the active version."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from webapp import drawing, learning
from webapp.drawing import GRID, MUTED

# Solid and dashed as well as two colours, so the versions stay apart in black and white.
SERIES = (("candidate", "#0b6e4f", ""), ("active", "#5b3cc4", 'stroke-dasharray="6 4"'))
# Drawn 300 wide, shown at least ~260 px wide (two to a row on a desktop, one on a phone):
# text of 13 never falls under 12 px.
SIZE, MARGIN = 300, 46
DIAGONAL = 'stroke="#9aa5b1" stroke-dasharray="3 3"'


def _frame(x_label: str, y_label: str) -> list[str]:
    inner = SIZE - 2 * MARGIN
    body = [
        f'<rect x="{MARGIN}" y="{MARGIN}" width="{inner}" height="{inner}" fill="none" '
        f'stroke="{GRID}"/>',
        f'<line x1="{MARGIN}" y1="{SIZE - MARGIN}" x2="{SIZE - MARGIN}" y2="{MARGIN}" {DIAGONAL}/>',
        drawing.text(SIZE / 2, SIZE - 8, x_label, "middle", 13, MUTED),
        drawing.text(14, SIZE / 2, y_label, "middle", 13, MUTED).replace(
            "<text ", f'<text transform="rotate(-90 14 {SIZE / 2})" ', 1
        ),
    ]
    for tick in (0, 0.5, 1):
        x, y = _x(tick), _y(tick)
        anchor = {0: "start", 1: "end"}.get(tick, "middle")  # the ends stay inside the chart
        body.append(drawing.text(x, SIZE - MARGIN + 18, f"{tick:g}", anchor, 13, MUTED))
        body.append(drawing.text(MARGIN - 6, y + 4, f"{tick:g}", "end", 13, MUTED))
    return body


def _x(value: float) -> float:
    return MARGIN + value * (SIZE - 2 * MARGIN)


def _y(value: float) -> float:
    return SIZE - MARGIN - value * (SIZE - 2 * MARGIN)


def _key(
    names: dict[str, str], diagonal: str, extra: Sequence[tuple[str, str]] = ()
) -> tuple[list[str], float]:
    """The legend under the plot: each version's line, what the diagonal means, then `extra`
    (a mark and its words)."""
    entries = [
        (
            f'<line x1="0" y1="0" x2="28" y2="0" stroke="{colour}" stroke-width="2" {dash}/>',
            names[key],
        )
        for key, colour, dash in SERIES
        if names.get(key)
    ]
    entries.append((f'<line x1="0" y1="0" x2="28" y2="0" {DIAGONAL}/>', diagonal))
    return drawing.legend(SIZE, [*entries, *extra], SIZE)


def _line(points: Sequence[tuple[float, float]], colour: str, dash: str, dots: bool) -> str:
    path = " ".join(f"{_x(px):.1f},{_y(py):.1f}" for px, py in points)
    parts = [f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2" {dash}/>']
    if dots:
        parts += [
            f'<circle cx="{_x(px):.1f}" cy="{_y(py):.1f}" r="3" fill="{colour}"/>'
            for px, py in points
        ]
    return "".join(parts)


def calibration_chart(track_title: str, tables: dict[str, list[dict]], names: dict[str, str]):
    """Predicted against observed success in bins, each observed rate with its 90% interval
    (from the bin's count of people); on the diagonal is well calibrated."""
    body = _frame("predicted chance of success", "observed success rate")
    counted = any(row.get("n") for table in tables.values() if table for row in table)
    bar = f'<line x1="14" y1="-7" x2="14" y2="7" stroke="{MUTED}" stroke-width="1"/>'
    legend, tall = _key(
        names, "perfectly calibrated", [(bar, "90% interval of a bin's rate")] if counted else ()
    )
    words = []
    for key, colour, dash in SERIES:
        table = tables.get(key)
        if not table:
            continue
        points = [(row["predicted"], row["observed"]) for row in table]
        body.append(_line(points, colour, dash, dots=True))
        said = []
        for row in table:
            pair = f"{row['predicted']:.2f} → {row['observed']:.2f}"
            if row.get("n"):
                low, high = learning.observed_range(row["observed"], row["n"])
                x = _x(row["predicted"])
                body.append(
                    f'<line x1="{x:.1f}" y1="{_y(low):.1f}" x2="{x:.1f}" y2="{_y(high):.1f}" '
                    f'stroke="{colour}" stroke-width="1" opacity="0.6"/>'
                )
                pair += f" ({row['n']:,} people, likely {low:.2f} to {high:.2f})"
            said.append(pair)
        words.append(f"{names[key]}: predicted → observed per bin: {'; '.join(said)}.")
    return drawing.svg(
        SIZE,
        SIZE + tall,
        f"Calibration on the {track_title} track, held-out people",
        " ".join(words) + " Points on the diagonal mean the predicted chance came true; each "
        "observed rate's line is its 90% interval, long where a bin holds few people.",
        body + legend,
    )


def roc_chart(track_title: str, curves: dict[str, list[list[float]]], aucs, names) -> Markup:
    """True against false positive rate; the higher the curve, the better it ranks people."""
    body = _frame("false positive rate", "true positive rate")
    legend, tall = _key(names, "a coin flip")
    words = []
    for key, colour, dash in SERIES:
        curve = curves.get(key)
        if not curve:
            continue
        body.append(_line([(fpr, tpr) for fpr, tpr in curve], colour, dash, dots=False))
        words.append(f"{names[key]}: ROC AUC {aucs.get(key)}.")
    return drawing.svg(
        SIZE,
        SIZE + tall,
        f"ROC curve on the {track_title} track, held-out people",
        " ".join(words) + " The diagonal is a coin flip; 1.0 would rank every success first.",
        body + legend,
    )
