"""Server-rendered SVG charts with a text alternative: no script, readable in print.

Every chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>`; the desc says in
words everything the picture shows, every bar carries its number as text and a legend under
the picture says what each mark means; where two colours would print as one grey, one of them
is hatched, so colour is never the only way to read it.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from webapp import drawing
from webapp.drawing import GRID, INK, MUTED, SMALLEST_TEXT, WIDTH
from webapp.results.reading import CompetencyBar, Factor, LadderRung, TrackLevels

TRACK_COLOURS = {"ic": "#0b6e4f", "manager": "#5b3cc4"}
NEED_COLOUR = "#b44d12"
GAP_COLOUR = "#7b8794"


def probability_chart(
    p_success: dict[str, float],
    titles: dict[str, str],
    recommended: str,
    interval: dict[str, tuple[float, float]] | None = None,
    like: str = "you",
) -> Markup:
    """Two bars: the estimated chance of success on each track, with its likely range as a
    whisker over each bar when the model gave one (the range of people who answer `like`
    "you", or "Ada": as the pages say, the person's own chance may lie outside it)."""
    width, left, right = WIDTH, 4, 8
    scale = width - left - right
    body, words = [], []
    y = 4.0
    for track, title in titles.items():
        p = p_success[track]
        label = title + (" (recommended)" if track == recommended else "")
        bold = track == recommended
        lines = drawing.wrap(label, 14, scale, bold)
        body += drawing.lines(left, y + 15, lines, 14, weight="bold" if bold else "normal")
        y += (len(lines) - 1) * 17.5
        body.append(drawing.rect(left, y + 22, scale, 26, "#eef2f5"))
        body.append(drawing.rect(left, y + 22, scale * p, 26, TRACK_COLOURS.get(track, INK)))
        said = f"{round(100 * p)}%"
        if interval and track in interval:
            lo, hi = interval[track]
            body.append(_whisker(left + scale * lo, left + scale * hi, y + 35))
            said = f"about {said}, likely between {round(100 * lo)}% and {round(100 * hi)}%"
        said_lines = drawing.wrap(said, SMALLEST_TEXT, scale)
        body += drawing.lines(left, y + 66, said_lines, fill=MUTED)
        y += 78 + (len(said_lines) - 1) * 16.25
        words.append(f"{title}: {said} estimated chance of success")
    entries = [
        (
            drawing.swatch("#eef2f5")
            + '<rect x="0" y="-7" width="18" height="14" fill="#52606d"/>',
            "estimated chance of success",
        )
    ]
    if interval:
        entries.append((_whisker(2, 26, 0), f"likely range for people who answer like {like}"))
    legend, tall = drawing.legend(y, entries)
    return drawing.svg(
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
    n = drawing.next_id()
    width, value_w = WIDTH, 46
    middle = width / 2
    half = middle - value_w
    biggest = max((abs(f.effect) for f in factors), default=1.0) or 1.0
    fills = {"ic": TRACK_COLOURS["ic"], "manager": f"url(#toward-manager-{n})"}
    body, y = [], 8.0
    for factor in factors:
        lines = drawing.wrap(factor.label, SMALLEST_TEXT, width - 8)
        body += drawing.lines(4, y + 13, lines)
        y += len(lines) * 16.25 + 2
        length = half * abs(factor.effect) / biggest
        x = middle if factor.effect > 0 else middle - length
        body.append(drawing.rect(x, y, length, 16, fills[factor.toward]))
        body.append(
            f'<line x1="{middle}" y1="{y - 3:.1f}" x2="{middle}" y2="{y + 19:.1f}" '
            f'stroke="{MUTED}"/>'
        )
        value_x = x + length + 4 if factor.effect > 0 else x - 4
        anchor = "start" if factor.effect > 0 else "end"
        body.append(drawing.text(value_x, y + 13, f"{factor.effect:+.2f}", anchor, fill=MUTED))
        y += 26
    legend, tall = drawing.legend(
        y,
        [
            (drawing.swatch(fills["ic"]), f"← toward {titles['ic'].lower()}"),
            (drawing.swatch(fills["manager"]), f"toward {titles['manager'].lower()} →"),
        ],
    )
    desc = "; ".join(
        f"{f.label} pushed {'toward ' + titles[f.toward]} by {abs(f.effect):.2f}" for f in factors
    )
    return drawing.svg(
        width,
        y + tall + 4,
        "What pushed the recommendation each way",
        desc,
        body + legend,
        defs=drawing.hatch(f"toward-manager-{n}", TRACK_COLOURS["manager"]),
    )


def ladder_chart(
    rungs: Sequence[LadderRung],
    levels: dict[str, TrackLevels],
    role_level: str | None,
    titles: dict[str, str],
) -> Markup:
    """The two ladders side by side, equal grades on one row, with 'you are here', the level
    the answers support and 'target'.
    Level titles wrap inside their boxes; a row is as tall as its longest box."""
    width, grade_w, gap, pad = WIDTH, 30, 6, 6
    col = (width - grade_w - gap - 2) / 2  # 2: room for the thick outline of a marked box
    x_of = {"ic": grade_w, "manager": grade_w + col + gap}
    body = drawing.lines(2, 16, ["Grade"], fill=MUTED)
    heads = {track: drawing.wrap(titles[track], 14, col, bold=True) for track in ("ic", "manager")}
    for track, lines in heads.items():
        body += [
            drawing.text(x_of[track] + col / 2, 34 + i * 17.5, line, "middle", 14, weight="bold")
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
            title = drawing.wrap(level.title, SMALLEST_TEXT, w - 2 * pad, bold=bool(marks))
            said = (
                drawing.wrap(" · ".join(marks), SMALLEST_TEXT, w - 2 * pad, bold=True)
                if marks
                else []
            )
            boxes.append((x, w, level, marks, title, said))
            if marks:
                words.append(f"{level.id} {level.title}: {', '.join(marks)}")
        lines = max((1 + len(b[4]) + len(b[5]) for b in boxes), default=1)
        tall = 2 * pad + 4 + lines * 16.25
        body.append(drawing.text(grade_w / 2, y + 18, str(rung.grade), "middle", fill=MUTED))
        for x, w, level, marks, title, said in boxes:
            marked = bool(marks)
            body.append(
                drawing.rect(
                    x,
                    y,
                    w,
                    tall,
                    "#e8f1ee" if marked else "#f5f7fa",
                    f'stroke="{INK if marked else GRID}" rx="6" '
                    f'stroke-width="{3 if marked else 1}"',
                )
            )
            body.append(drawing.text(x + pad, y + 18, level.id, weight="bold"))
            body += drawing.lines(
                x + pad, y + 18 + 16.25, title, weight="bold" if marked else "normal"
            )
            first = y + 18 + 16.25 * (1 + len(title))
            body += drawing.lines(x + pad, first, said, fill=NEED_COLOUR, weight="bold")
        y += tall + 6
    legend, tall = drawing.legend(
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
        f"Career ladders, {titles['ic'].lower()} beside {titles['manager'].lower()}, equal "
        "grades side by side. " + ("; ".join(words) if words else "No level marked.")
    )
    return drawing.svg(width, y + tall + 8, "Your levels on both ladders", desc, body + legend)


def _marks(
    level_id: str, levels: dict[str, TrackLevels], role_level: str | None, where: str
) -> list[str]:
    marks = []
    if level_id == role_level:
        marks.append("You are here")
    supported = [
        lv for track, lv in levels.items() if lv.supported == level_id and where in (track, "both")
    ]
    if supported:
        # a shared level both tracks' answers support is said once
        named = where == "both" and len(supported) < len(levels)
        marks.append(
            f"Answers support ({supported[0].title.lower()})" if named else "Answers support"
        )
    for track, lv in levels.items():
        if lv.target == level_id and where in (track, "both"):
            marks.append("Target" if where != "both" else f"Target ({lv.title.lower()})")
    return marks


def competency_chart(bars: Sequence[CompetencyBar], level: str, level_title: str) -> Markup:
    """Your rating of each competency against what a level expects (0..5), each bar
    under its competency's name; a bar short of the mark is grey and hatched."""
    n = drawing.next_id()
    width, left, value_w = WIDTH, 6, 44
    scale = (width - left - value_w) / 5
    short_fill = f"url(#gap-{n})"
    body = [drawing.text(left + scale * v, 14, str(v), "middle", fill=MUTED) for v in range(6)]
    y = 22.0
    grid, rows, words = [], [], []
    for bar in bars:
        have = bar.have or 0
        short = have < bar.need
        lines = drawing.wrap(bar.label, SMALLEST_TEXT, width - 8)
        body += drawing.lines(4, y + 13, lines)
        y += len(lines) * 16.25 + 2
        body.append(
            drawing.rect(left, y, scale * have, 16, short_fill if short else TRACK_COLOURS["ic"])
        )
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
            drawing.text(
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
    legend, tall = drawing.legend(
        y,
        [
            (drawing.swatch(TRACK_COLOURS["ic"]), "your rating, meets the level"),
            (drawing.swatch(short_fill), "your rating, below the level"),
            (
                f'<line x1="14" y1="-9" x2="14" y2="9" stroke="{NEED_COLOUR}" stroke-width="3"/>',
                f"what {level} expects (numbers: you/{level})",
            ),
        ],
    )
    return drawing.svg(
        width,
        y + tall + 4,
        f"Your competencies against {level} {level_title}",
        "Bars are your ratings from 0 to 5; the mark is what the level expects. "
        + "; ".join(words),
        grid + body + rows + legend,
        defs=drawing.hatch(f"gap-{n}", GAP_COLOUR),
    )
