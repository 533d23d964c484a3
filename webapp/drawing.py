"""SVG drawing shared by every chart: the frame with its title and description, text that
wraps, bars, legends and hatching, at sizes that stay readable on a phone.

Every chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>`; drawings are
`WIDTH` units wide and shown at most 30rem wide: on a 390 px phone (a 358 px column) they are
scaled to about 1, so text of `SMALLEST_TEXT` units stays above 12 px; on a desktop it grows by
at most a third.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import count

from markupsafe import Markup, escape

INK, MUTED, GRID = "#1f2933", "#52606d", "#cbd2d9"
# One drawing for every width: a second, wide drawing would only say the same with longer
# lines, and would double every chart's markup.
WIDTH = 360
SMALLEST_TEXT = 13
_ids = count(1)


def next_id() -> int:
    """A number no other chart on any page has used: for ids inside a drawing (patterns)."""
    return next(_ids)


def svg(  # noqa: PLR0917 (the drawing's attributes, in the order SVG writes them)
    width: int,
    height: float,
    title: str,
    desc: str,
    body: Iterable[str],
    css: str = "chart",
    defs: str = "",
) -> Markup:
    n = next_id()
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
        f'width="100%" role="img" aria-labelledby="chart{n}-title chart{n}-desc" class="{css}">'
        f'<title id="chart{n}-title">{escape(title)}</title>'
        f'<desc id="chart{n}-desc">{escape(desc)}</desc>'
        + (f"<defs>{defs}</defs>" if defs else "")
        + "".join(body)
        + "</svg>"
    )


def text(  # noqa: PLR0917 (as above)
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


def rect(x: float, y: float, w: float, h: float, fill: str, extra: str = "") -> str:  # noqa: PLR0917
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" '
        f'fill="{fill}" {extra}/>'
    )


def wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
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


def lines(
    x: float, y: float, lines: Sequence[str], size: int = SMALLEST_TEXT, **style
) -> list[str]:
    """Lines of text, the first one's baseline at `y`, each 1.25 em below the one before."""
    return [text(x, y + i * size * 1.25, line, size=size, **style) for i, line in enumerate(lines)]


def hatch(pattern_id: str, colour: str) -> str:
    """A fill of `colour` crossed by white diagonal stripes: tells bars apart in black and
    white, where two colours of the same darkness print as the same grey."""
    return (
        f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{colour}"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2.5"/></pattern>'
    )


def legend(
    y: float, entries: Sequence[tuple[str, str]], width: float = WIDTH
) -> tuple[list[str], float]:
    """Legend lines from `y`, one per entry: a drawn sample (SVG, 28 units wide, centred on
    the line) and what it means. The body and the height it takes."""
    body, step, line = ['<g class="legend">'], SMALLEST_TEXT * 1.7, SMALLEST_TEXT * 1.25
    top = y
    for sample, meaning in entries:
        # a meaning too long for one line (one naming a person) wraps under itself
        said = wrap(meaning, SMALLEST_TEXT, width - 44)
        middle = top + step / 2
        body.append(f'<g transform="translate(4 {middle:.1f})">{sample}</g>')
        body += lines(40, middle + 4.5, said, SMALLEST_TEXT, fill=INK)
        top += step + (len(said) - 1) * line
    return [*body, "</g>"], top - y


def swatch(fill: str) -> str:
    return f'<rect x="0" y="-7" width="28" height="14" fill="{fill}"/>'
