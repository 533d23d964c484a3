"""Checks a page must pass at every width it is read at: saved as a screenshot (a test
artefact under `test-artefacts/screens/`, kept by CI), no sideways scrolling, no chart text
drawn smaller than 12 px on screen, nothing cut off at the edge of a chart.

`look_at(page, name, width)` resizes the tab, checks the page and saves the picture; the
widths every journey is read at are `WIDTHS` (a phone and a desktop)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

PHONE, DESKTOP = 390, 1280
WIDTHS = (PHONE, DESKTOP)
SMALLEST_TEXT_PX = 12
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "screens"

# Per SVG <text>: the size it is drawn at on screen (its font size times the drawing's scale),
# and whether its box leaves the drawing (a clipped label).
_SVG_TEXT = """() => [...document.querySelectorAll('svg text')].filter(t => {
  const box = t.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(t).visibility !== 'hidden';
}).map(t => {
  const m = t.getScreenCTM();
  const scale = m ? Math.hypot(m.c, m.d) : 1;
  const box = t.getBoundingClientRect(), svg = t.ownerSVGElement.getBoundingClientRect();
  return {text: t.textContent.trim().slice(0, 40),
          px: parseFloat(getComputedStyle(t).fontSize) * scale,
          clipped: box.left < svg.left - 0.5 || box.right > svg.right + 0.5};
})"""

_SIDEWAYS = """() => {
  const page = document.documentElement;
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const box = e.getBoundingClientRect();
    if (box.right <= page.clientWidth + 1) return false;
    for (let p = e.parentElement; p; p = p.parentElement) {   // inside a scrolling box is fine
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return false;
    }
    return true;
  }).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                       + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
  return {scroll: page.scrollWidth, client: page.clientWidth, wide};
}"""


# Per table drawn as a table: the headers whose column's cells (in the first body row) are
# aligned otherwise than the header itself.
_MISALIGNED = """() => [...document.querySelectorAll('table')]
  .filter(t => t.tHead && t.tHead.rows.length && t.tBodies.length && t.tBodies[0].rows.length)
  .flatMap(t => {
    const heads = [...t.tHead.rows[t.tHead.rows.length - 1].cells];
    const cells = [...t.tBodies[0].rows[0].cells];
    if (heads.length !== cells.length) return [];
    return heads.filter((h, i) => getComputedStyle(cells[i]).display === 'table-cell'
        && getComputedStyle(h).textAlign !== getComputedStyle(cells[i]).textAlign)
      .map(h => h.textContent.trim().slice(0, 30));
  })"""


# Per table cell: the words of at most LONGEST_UNBROKEN characters that are drawn on more than
# one line ("candidat|e", "mana|ger"). A longer run (an email, a digest, a dotted feature name)
# may break where it must; a word breaks only at spaces, hyphens and slashes.
LONGEST_UNBROKEN = 20
_BROKEN_WORDS = """(longest) => {
  const broken = [];
  for (const cell of document.querySelectorAll('th, td')) {
    if (!cell.getClientRects().length) continue;
    let hidden = false;  // read to screen readers only (a phone's stacked table hides its head)
    for (let e = cell; e && !hidden; e = e.parentElement) {
      const box = e.getBoundingClientRect();
      hidden = box.width <= 1 || box.height <= 1;
    }
    if (hidden) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/[^\\s\\-\\/\u2010-\u2014]+/g)) {
        if (word[0].length < 2 || word[0].length > longest) continue;
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                               .map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(word[0]);
      }
    }
    if (broken.length >= 5) break;
  }
  return broken;
}"""


def screen_problems(page) -> list[str]:
    """What is wrong with the page as drawn now: sideways scrolling, small or clipped text,
    words in a table broken across lines."""
    problems = []
    sideways = page.evaluate(_SIDEWAYS)
    if sideways["scroll"] > sideways["client"]:
        problems.append(
            f"scrolls sideways: {sideways['scroll']} px of content in {sideways['client']} px "
            f"(widest: {sideways['wide']})"
        )
    broken = page.evaluate(_BROKEN_WORDS, LONGEST_UNBROKEN)
    if broken:
        problems.append(f"words broken across lines in a table: {broken}")
    for header in page.evaluate(_MISALIGNED):
        problems.append(f"column {header!r} is aligned otherwise than its cells")
    for text in page.evaluate(_SVG_TEXT):
        if text["px"] < SMALLEST_TEXT_PX - 0.05:
            problems.append(f"chart text {text['text']!r} drawn at {text['px']:.1f} px")
        if text["clipped"]:
            problems.append(f"chart text {text['text']!r} runs out of its chart")
    return problems


def screenshot(page, path) -> None:
    """A full-page screenshot once the page has drawn at its new size. Chromium sometimes
    answers "Unable to capture screenshot" when asked mid-resize on a busy machine (once in
    about 1,600 tests, with another process taking both cores): that is asked once more, any
    other failure is not."""
    frames = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    page.evaluate(frames)
    try:
        page.screenshot(path=str(path), full_page=True)
    except PlaywrightError as error:
        if "Unable to capture screenshot" not in str(error):
            raise
        page.evaluate(frames)
        page.screenshot(path=str(path), full_page=True)


def look_at(page, name: str, width: int) -> None:
    """Show the page at `width` px, save a full-page screenshot and fail on any problem."""
    height = page.viewport_size["height"] if page.viewport_size else 900
    page.set_viewport_size({"width": width, "height": height})
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    screenshot(page, ARTEFACTS / f"{name}-{width}.png")
    problems = screen_problems(page)
    assert problems == [], f"{name} at {width} px: {problems}"


def look_at_every_width(page, name: str) -> None:
    """`look_at` the page at a phone's width and a desktop's, then in print."""
    for width in WIDTHS:
        look_at(page, name, width)
    page.emulate_media(media="print")
    try:
        screenshot(page, ARTEFACTS / f"{name}-print.png")
    finally:
        page.emulate_media(media="screen")


def printed_pages(page) -> int:
    """How many A4 sheets the page prints on (its PDF, in print media)."""
    page.emulate_media(media="print")
    try:
        pdf = page.pdf(format="A4")
    finally:
        page.emulate_media(media="screen")
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def landed_on_errors(page) -> bool:
    """Whether the page opened at its error summary: it has the focus and is in view. Waits
    for the refused page to load and its summary to take the focus, so it can follow a click."""
    try:
        expect(page.locator(".error-summary")).to_be_focused()
    except AssertionError:
        return False
    return page.evaluate(
        """() => {
          const box = document.querySelector('.error-summary').getBoundingClientRect();
          return box.top >= 0 && box.top < window.innerHeight;
        }"""
    )
