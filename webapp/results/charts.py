"""Server-rendered SVG charts with a text alternative: no script, readable in print.

Every chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>`; the desc says in
words everything the picture shows, and every bar carries its number as text, so colour is
never the only way to read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import count

from markupsafe import Markup, escape

from webapp.results.reading import CompetencyBar, Factor, LadderRung, TrackLevels

INK, MUTED, GRID = "#1f2933", "#52606d", "#cbd2d9"
TRACK_COLOURS = {"ic": "#0b6e4f", "manager": "#5b3cc4"}
NEED_COLOUR = "#b44d12"
_ids = count(1)


def _svg(
    width: int, height: int, title: str, desc: str, body: Iterable[str], css: str = "chart"
) -> Markup:
    n = next(_ids)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="chart{n}-title chart{n}-desc" class="{css}">'
        f'<title id="chart{n}-title">{escape(title)}</title>'
        f'<desc id="chart{n}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _text(
    x: float,
    y: float,
    text: str,
    anchor: str = "start",
    size: int = 14,
    fill: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}" font-weight="{weight}" aria-hidden="true">{escape(text)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, extra: str = "") -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" '
        f'fill="{fill}" {extra}/>'
    )


def probability_chart(
    p_success: dict[str, float],
    titles: dict[str, str],
    recommended: str,
    interval: dict[str, tuple[float, float]] | None = None,
) -> Markup:
    """Two bars: the estimated chance of success on each track, with its likely range as a
    whisker over each bar when the model gave one."""
    # Narrow and stacked (label, bar, words) so that at phone width, where the picture is
    # scaled to about 360px, no text is drawn smaller than about 11px.
    width, left, right, row = 400, 4, 8, 78
    scale = width - left - right
    body = []
    words = []
    for i, (track, title) in enumerate(titles.items()):
        p = p_success[track]
        y = 4 + i * row
        label = title + (" (recommended)" if track == recommended else "")
        body.append(_text(left, y + 15, label, weight="bold" if track == recommended else "normal"))
        body.append(_rect(left, y + 22, scale, 26, "#eef2f5"))
        body.append(_rect(left, y + 22, scale * p, 26, TRACK_COLOURS.get(track, INK)))
        said = f"{round(100 * p)}%"
        if interval and track in interval:
            lo, hi = interval[track]
            body.append(_whisker(left + scale * lo, left + scale * hi, y + 35))
            said = f"about {said}, likely between {round(100 * lo)}% and {round(100 * hi)}%"
        body.append(_text(left, y + 66, said, size=13, fill=MUTED))
        words.append(f"{title}: {said} estimated chance of success")
    return _svg(
        width,
        4 + row * len(titles),
        "Estimated chance of success on each track",
        "; ".join(words),
        body,
        "chart chances",
    )


def _whisker(x1: float, x2: float, y: float) -> str:
    """A range line with end caps, drawn light under dark so it reads on any bar colour."""
    line = (
        f'<path d="M{x1:.1f} {y - 7:.1f}V{y + 7:.1f}M{x1:.1f} {y:.1f}H{x2:.1f}'
        f'M{x2:.1f} {y - 7:.1f}V{y + 7:.1f}" fill="none" '
    )
    return (
        '<g class="range" aria-hidden="true">'
        + line
        + 'stroke="#fff" stroke-width="5"/>'
        + line
        + f'stroke="{INK}" stroke-width="2"/></g>'
    )


def factor_chart(factors: Sequence[Factor], titles: dict[str, str]) -> Markup:
    """Diverging bars: each factor's push toward one track or the other, largest first."""
    width, label_w, row = 640, 230, 28
    middle = label_w + (width - label_w) / 2
    half = (width - label_w) / 2 - 50
    biggest = max((abs(f.effect) for f in factors), default=1.0) or 1.0
    body = [
        _text(middle - 8, 16, f"← toward {titles['ic']}", "end", 12, MUTED),
        _text(middle + 8, 16, f"toward {titles['manager']} →", "start", 12, MUTED),
    ]
    for i, factor in enumerate(factors):
        y = 28 + i * row
        length = half * abs(factor.effect) / biggest
        x = middle if factor.effect > 0 else middle - length
        body.append(_text(label_w - 8, y + 15, factor.label, "end", 13))
        body.append(_rect(x, y + 2, length, 18, TRACK_COLOURS[factor.toward]))
        value_x = x + length + 4 if factor.effect > 0 else x - 4
        body.append(
            _text(
                value_x,
                y + 16,
                f"{factor.effect:+.2f}",
                "start" if factor.effect > 0 else "end",
                12,
                MUTED,
            )
        )
    height = 36 + row * len(factors)
    body.append(f'<line x1="{middle}" y1="22" x2="{middle}" y2="{height - 4}" stroke="{MUTED}"/>')
    desc = "; ".join(
        f"{f.label} pushed {'toward ' + titles[f.toward]} by {abs(f.effect):.2f}" for f in factors
    )
    return _svg(width, height, "What pushed the recommendation each way", desc, body)


def ladder_chart(
    rungs: Sequence[LadderRung],
    levels: dict[str, TrackLevels],
    role_level: str | None,
    titles: dict[str, str],
) -> Markup:
    """The two ladders side by side, equal grades on one row, with 'you are here' and 'target'."""
    width, grade_w, gap, row = 640, 70, 12, 50
    col = (width - grade_w - gap) / 2
    x_of = {"ic": grade_w, "manager": grade_w + col + gap}
    body = [
        _text(x_of["ic"] + col / 2, 18, titles["ic"], "middle", 14, weight="bold"),
        _text(x_of["manager"] + col / 2, 18, titles["manager"], "middle", 14, weight="bold"),
    ]
    words = []
    for i, rung in enumerate(rungs):
        y = 30 + i * row
        body.append(_text(grade_w - 12, y + 27, f"Grade {rung.grade}", "end", 12, MUTED))
        placed = (
            [("both", rung.ic)] if rung.shared else [("ic", rung.ic), ("manager", rung.manager)]
        )
        for where, level in placed:
            if level is None:
                continue
            x, w = (x_of["ic"], col * 2 + gap) if where == "both" else (x_of[where], col)
            marks = _marks(level.id, levels, role_level, where)
            highlighted = bool(marks)
            body.append(
                _rect(
                    x,
                    y,
                    w,
                    row - 8,
                    "#e8f1ee" if highlighted else "#f5f7fa",
                    f'stroke="{INK if highlighted else GRID}" '
                    f'stroke-width="{2 if highlighted else 1}" rx="6"',
                )
            )
            body.append(
                _text(
                    x + 10,
                    y + 18,
                    f"{level.id} · {level.title}",
                    size=13,
                    weight="bold" if highlighted else "normal",
                )
            )
            if marks:
                body.append(
                    _text(
                        x + 10, y + 35, " · ".join(marks), size=12, fill=NEED_COLOUR, weight="bold"
                    )
                )
                words.append(f"{level.id} {level.title}: {', '.join(marks)}")
    height = 30 + row * len(rungs)
    desc = (
        "Career ladders, individual contributor beside people manager, equal grades side by side. "
        + ("; ".join(words) if words else "No level marked.")
    )
    return _svg(width, height, "Your levels on both ladders", desc, body)


def _marks(
    level_id: str, levels: dict[str, TrackLevels], role_level: str | None, where: str
) -> list[str]:
    marks = []
    if level_id == role_level:
        marks.append("You are here")
    for track, lv in levels.items():
        if lv.target == level_id and where in (track, "both"):
            marks.append("Target" if where != "both" else f"Target ({lv.title.lower()})")
    return marks


def competency_chart(bars: Sequence[CompetencyBar], level: str, level_title: str) -> Markup:
    """Your rating of each competency against what the target level expects (1..5)."""
    width, label_w, row, right = 640, 230, 30, 30
    scale = (width - label_w - right) / 5
    body = [_text(label_w + scale * v, 14, str(v), "middle", 11, MUTED) for v in range(6)]
    body += [
        f'<line x1="{label_w + scale * v:.1f}" y1="20" x2="{label_w + scale * v:.1f}" '
        f'y2="{22 + row * len(bars)}" stroke="{GRID}"/>'
        for v in range(6)
    ]
    words = []
    for i, bar in enumerate(bars):
        y = 24 + i * row
        have = bar.have or 0
        short = have < bar.need
        body.append(_text(label_w - 8, y + 15, bar.label, "end", 13))
        body.append(
            _rect(label_w, y + 2, scale * have, 16, TRACK_COLOURS["ic"] if not short else "#7b8794")
        )
        need_x = label_w + scale * bar.need
        body.append(
            f'<line x1="{need_x:.1f}" y1="{y - 1}" x2="{need_x:.1f}" y2="{y + 21}" '
            f'stroke="{NEED_COLOUR}" stroke-width="3"/>'
        )
        body.append(
            _text(
                width - 4,
                y + 15,
                f"{have:g}/{bar.need}",
                "end",
                12,
                NEED_COLOUR if short else MUTED,
            )
        )
        words.append(
            f"{bar.label}: you {have:g}, {level} expects {bar.need}" + (" (gap)" if short else "")
        )
    height = 30 + row * len(bars)
    return _svg(
        width,
        height,
        f"Your competencies against {level} {level_title}",
        "Bars are your ratings from 0 to 5; the mark is what the level expects. "
        + "; ".join(words),
        body,
    )
