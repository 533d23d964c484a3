"""Server-rendered SVG charts with a text alternative: no script, readable in print.

Every chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>`; the desc says in
words everything the picture shows, every bar carries its number as text and a legend under
the picture says what each mark means; where two colours would print as one grey, one of them
is hatched, so colour is never the only way to read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import count

from markupsafe import Markup, escape

from webapp.results.reading import CompetencyBar, Factor, LadderRung, TrackLevels

INK, MUTED, GRID = "#1f2933", "#52606d", "#cbd2d9"
TRACK_COLOURS = {"ic": "#0b6e4f", "manager": "#5b3cc4"}
NEED_COLOUR = "#b44d12"
GAP_COLOUR = "#7b8794"
# Every chart is drawn this many units wide and shown at most 30rem wide: on a 390 px phone
# (a 358 px column) it is scaled to about 1, so text of SMALLEST_TEXT units stays above 12 px;
# on a desktop it grows by at most a third. One drawing for every width: a second, wide
# drawing would only say the same with longer lines, and would double every chart's markup.
WIDTH = 360
SMALLEST_TEXT = 13
_ids = count(1)


def _svg(
    width: int,
    height: float,
    title: str,
    desc: str,
    body: Iterable[str],
    css: str = "chart",
    defs: str = "",
) -> Markup:
    n = next(_ids)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
        f'width="100%" role="img" aria-labelledby="chart{n}-title chart{n}-desc" class="{css}">'
        f'<title id="chart{n}-title">{escape(title)}</title>'
        f'<desc id="chart{n}-desc">{escape(desc)}</desc>'
        + (f"<defs>{defs}</defs>" if defs else "")
        + "".join(body)
        + "</svg>"
    )


def _text(
    x: float,
    y: float,
    text: str,
    anchor: str = "start",
    size: int = SMALLEST_TEXT,
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


def _wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    """`text` in lines that fit `width` units at `size`. Widths are estimated generously (an
    average letter of a sans-serif is about 0.55 em; 0.6 and 0.66 for bold leave room), so
    that no line runs out of its box whatever font the reader's system picks."""
    most = max(1, int(width / (size * (0.66 if bold else 0.6))))
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= most:
            lines[-1] += " " + word
        else:
            lines += [word[i : i + most] for i in range(0, len(word), most)]
    return lines or [""]


def _lines(
    x: float, y: float, lines: Sequence[str], size: int = SMALLEST_TEXT, **style
) -> list[str]:
    """Lines of text, the first one's baseline at `y`, each 1.25 em below the one before."""
    return [_text(x, y + i * size * 1.25, line, size=size, **style) for i, line in enumerate(lines)]


def _hatch(pattern_id: str, colour: str) -> str:
    """A fill of `colour` crossed by white diagonal stripes: tells bars apart in black and
    white, where two colours of the same darkness print as the same grey."""
    return (
        f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{colour}"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2.5"/></pattern>'
    )


def _legend(y: float, entries: Sequence[tuple[str, str]]) -> tuple[list[str], float]:
    """Legend lines from `y`, one per entry: a drawn sample (SVG, 28 units wide, centred on
    the line) and what it means. The body and the height it takes."""
    body, step = ['<g class="legend">'], SMALLEST_TEXT * 1.7
    for i, (sample, meaning) in enumerate(entries):
        middle = y + i * step + step / 2
        body.append(f'<g transform="translate(4 {middle:.1f})">{sample}</g>')
        body.append(_text(40, middle + 4.5, meaning, size=SMALLEST_TEXT, fill=INK))
    return [*body, "</g>"], step * len(entries)


def _swatch(fill: str) -> str:
    return f'<rect x="0" y="-7" width="28" height="14" fill="{fill}"/>'


def probability_chart(
    p_success: dict[str, float],
    titles: dict[str, str],
    recommended: str,
    interval: dict[str, tuple[float, float]] | None = None,
) -> Markup:
    """Two bars: the estimated chance of success on each track, with its likely range as a
    whisker over each bar when the model gave one."""
    width, left, right = WIDTH, 4, 8
    scale = width - left - right
    body, words = [], []
    y = 4.0
    for track, title in titles.items():
        p = p_success[track]
        label = title + (" (recommended)" if track == recommended else "")
        bold = track == recommended
        lines = _wrap(label, 14, scale, bold)
        body += _lines(left, y + 15, lines, 14, weight="bold" if bold else "normal")
        y += (len(lines) - 1) * 17.5
        body.append(_rect(left, y + 22, scale, 26, "#eef2f5"))
        body.append(_rect(left, y + 22, scale * p, 26, TRACK_COLOURS.get(track, INK)))
        said = f"{round(100 * p)}%"
        if interval and track in interval:
            lo, hi = interval[track]
            body.append(_whisker(left + scale * lo, left + scale * hi, y + 35))
            said = f"about {said}, likely between {round(100 * lo)}% and {round(100 * hi)}%"
        said_lines = _wrap(said, SMALLEST_TEXT, scale)
        body += _lines(left, y + 66, said_lines, fill=MUTED)
        y += 78 + (len(said_lines) - 1) * 16.25
        words.append(f"{title}: {said} estimated chance of success")
    entries = [
        (
            _swatch("#eef2f5") + '<rect x="0" y="-7" width="18" height="14" fill="#52606d"/>',
            "estimated chance of success",
        )
    ]
    if interval:
        entries.append((_whisker(2, 26, 0), "likely range of your own chance"))
    legend, tall = _legend(y, entries)
    return _svg(
        width,
        y + tall + 4,
        "Estimated chance of success on each track",
        "; ".join(words),
        body + legend,
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
    """Diverging bars from a middle line, each under its factor's name: the push toward one
    track (left, solid) or the other (right, hatched), largest first."""
    n = next(_ids)
    width, value_w = WIDTH, 46
    middle = width / 2
    half = middle - value_w
    biggest = max((abs(f.effect) for f in factors), default=1.0) or 1.0
    fills = {"ic": TRACK_COLOURS["ic"], "manager": f"url(#toward-manager-{n})"}
    body, y = [], 8.0
    for factor in factors:
        lines = _wrap(factor.label, SMALLEST_TEXT, width - 8)
        body += _lines(4, y + 13, lines)
        y += len(lines) * 16.25 + 2
        length = half * abs(factor.effect) / biggest
        x = middle if factor.effect > 0 else middle - length
        body.append(_rect(x, y, length, 16, fills[factor.toward]))
        body.append(
            f'<line x1="{middle}" y1="{y - 3:.1f}" x2="{middle}" y2="{y + 19:.1f}" '
            f'stroke="{MUTED}"/>'
        )
        value_x = x + length + 4 if factor.effect > 0 else x - 4
        anchor = "start" if factor.effect > 0 else "end"
        body.append(_text(value_x, y + 13, f"{factor.effect:+.2f}", anchor, fill=MUTED))
        y += 26
    legend, tall = _legend(
        y,
        [
            (_swatch(fills["ic"]), f"← toward {titles['ic'].lower()}"),
            (_swatch(fills["manager"]), f"toward {titles['manager'].lower()} →"),
        ],
    )
    desc = "; ".join(
        f"{f.label} pushed {'toward ' + titles[f.toward]} by {abs(f.effect):.2f}" for f in factors
    )
    return _svg(
        width,
        y + tall + 4,
        "What pushed the recommendation each way",
        desc,
        body + legend,
        defs=_hatch(f"toward-manager-{n}", TRACK_COLOURS["manager"]),
    )


def ladder_chart(
    rungs: Sequence[LadderRung],
    levels: dict[str, TrackLevels],
    role_level: str | None,
    titles: dict[str, str],
) -> Markup:
    """The two ladders side by side, equal grades on one row, with 'you are here' and 'target'.
    Level titles wrap inside their boxes; a row is as tall as its longest box."""
    width, grade_w, gap, pad = WIDTH, 30, 6, 6
    col = (width - grade_w - gap - 2) / 2  # 2: room for the thick outline of a marked box
    x_of = {"ic": grade_w, "manager": grade_w + col + gap}
    body = _lines(2, 16, ["Grade"], fill=MUTED)
    heads = {track: _wrap(titles[track], 14, col, bold=True) for track in ("ic", "manager")}
    for track, lines in heads.items():
        body += [
            _text(x_of[track] + col / 2, 34 + i * 17.5, line, "middle", 14, weight="bold")
            for i, line in enumerate(lines)
        ]
    y = 34 + max(len(lines) for lines in heads.values()) * 17.5 - 8
    words = []
    for rung in rungs:
        placed = (
            [("both", rung.ic)] if rung.shared else [("ic", rung.ic), ("manager", rung.manager)]
        )
        boxes = []
        for where, level in placed:
            if level is None:
                continue
            x, w = (x_of["ic"], col * 2 + gap) if where == "both" else (x_of[where], col)
            marks = _marks(level.id, levels, role_level, where)
            title = _wrap(level.title, SMALLEST_TEXT, w - 2 * pad, bold=bool(marks))
            said = _wrap(" · ".join(marks), SMALLEST_TEXT, w - 2 * pad, bold=True) if marks else []
            boxes.append((x, w, level, marks, title, said))
            if marks:
                words.append(f"{level.id} {level.title}: {', '.join(marks)}")
        lines = max((1 + len(b[4]) + len(b[5]) for b in boxes), default=1)
        tall = 2 * pad + 4 + lines * 16.25
        body.append(_text(grade_w / 2, y + 18, str(rung.grade), "middle", fill=MUTED))
        for x, w, level, marks, title, said in boxes:
            marked = bool(marks)
            body.append(
                _rect(
                    x,
                    y,
                    w,
                    tall,
                    "#e8f1ee" if marked else "#f5f7fa",
                    f'stroke="{INK if marked else GRID}" rx="6" '
                    f'stroke-width="{3 if marked else 1}"',
                )
            )
            body.append(_text(x + pad, y + 18, level.id, weight="bold"))
            body += _lines(x + pad, y + 18 + 16.25, title, weight="bold" if marked else "normal")
            first = y + 18 + 16.25 * (1 + len(title))
            body += _lines(x + pad, first, said, fill=NEED_COLOUR, weight="bold")
        y += tall + 6
    legend, tall = _legend(
        y + 4,
        [
            (
                f'<rect x="1" y="-8" width="26" height="16" rx="4" fill="#e8f1ee" '
                f'stroke="{INK}" stroke-width="3"/>',
                "a level marked for you",
            ),
            (
                f'<rect x="1" y="-8" width="26" height="16" rx="4" fill="#f5f7fa" '
                f'stroke="{GRID}"/>',
                "a level; one row is one grade",
            ),
        ],
    )
    desc = (
        "Career ladders, individual contributor beside people manager, equal grades side by side. "
        + ("; ".join(words) if words else "No level marked.")
    )
    return _svg(width, y + tall + 8, "Your levels on both ladders", desc, body + legend)


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
    """Your rating of each competency against what the target level expects (0..5), each bar
    under its competency's name; a bar short of the mark is grey and hatched."""
    n = next(_ids)
    width, left, value_w = WIDTH, 6, 44
    scale = (width - left - value_w) / 5
    short_fill = f"url(#gap-{n})"
    body = [_text(left + scale * v, 14, str(v), "middle", fill=MUTED) for v in range(6)]
    y = 22.0
    grid, rows, words = [], [], []
    for bar in bars:
        have = bar.have or 0
        short = have < bar.need
        lines = _wrap(bar.label, SMALLEST_TEXT, width - 8)
        body += _lines(4, y + 13, lines)
        y += len(lines) * 16.25 + 2
        body.append(_rect(left, y, scale * have, 16, short_fill if short else TRACK_COLOURS["ic"]))
        grid += [
            f'<line x1="{left + scale * v:.1f}" y1="{y - 3:.1f}" x2="{left + scale * v:.1f}" '
            f'y2="{y + 19:.1f}" stroke="{GRID}"/>'
            for v in range(6)
        ]
        need_x = left + scale * bar.need
        rows.append(
            f'<line x1="{need_x:.1f}" y1="{y - 3:.1f}" x2="{need_x:.1f}" y2="{y + 19:.1f}" '
            f'stroke="{NEED_COLOUR}" stroke-width="3"/>'
        )
        body.append(
            _text(
                width - 4,
                y + 13,
                f"{have:g}/{bar.need}",
                "end",
                fill=NEED_COLOUR if short else MUTED,
            )
        )
        y += 26
        words.append(
            f"{bar.label}: you {have:g}, {level} expects {bar.need}" + (" (gap)" if short else "")
        )
    legend, tall = _legend(
        y,
        [
            (_swatch(TRACK_COLOURS["ic"]), "your rating, meets the level"),
            (_swatch(short_fill), "your rating, below the level"),
            (
                f'<line x1="14" y1="-9" x2="14" y2="9" stroke="{NEED_COLOUR}" stroke-width="3"/>',
                f"what {level} expects (numbers: you/{level})",
            ),
        ],
    )
    return _svg(
        width,
        y + tall + 4,
        f"Your competencies against {level} {level_title}",
        "Bars are your ratings from 0 to 5; the mark is what the level expects. "
        + "; ".join(words),
        grid + body + rows + legend,
        defs=_hatch(f"gap-{n}", GAP_COLOUR),
    )
