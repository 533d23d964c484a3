"""Charts as the pages draw them: each has a legend, says in words every number it draws, and
keeps its text at 12 px or more on a phone (the drawing is never scaled below 1:1 there)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

SVG = "{http://www.w3.org/2000/svg}"
PHONE_COLUMN_PX = 358  # a 390 px phone less the page's margins
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@pytest.fixture
def pages(team, people, make_assessment, share, signed_in) -> dict[str, str]:
    """The pages with charts: Ada's result, Mo's 1:1 on it (shared), HR's model page."""
    number = make_assessment("ada@example.com", people[0])
    share(number)
    return {
        "result": signed_in("ada@example.com").get(f"/results/{number}").get_data(as_text=True),
        "one to one": signed_in("mo@example.com")
        .get(f"/team/assessments/{number}")
        .get_data(as_text=True),
        "model": signed_in("hr@example.com").get("/hr/models/v1").get_data(as_text=True),
    }


def charts(html: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg.*?</svg>", html, re.S)]


def drawn_text(element: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in element.iter(f"{SVG}text")]


def test_every_chart_has_a_legend(pages):
    counted = {name: len(charts(html)) for name, html in pages.items()}
    assert counted == {"result": 5, "one to one": 1, "model": 4}
    for name, html in pages.items():
        for chart in charts(html):
            title = chart.find(f"{SVG}title").text
            legend = chart.find(f"{SVG}g[@class='legend']")
            assert legend is not None, f"{name}: {title!r} has no legend"
            assert drawn_text(legend), f"{name}: {title!r}: an empty legend"


def test_no_chart_text_is_smaller_than_12_px_in_a_phones_column(pages):
    for name, html in pages.items():
        for chart in charts(html):
            width = float(chart.get("viewBox").split()[2])
            scale = min(1.0, PHONE_COLUMN_PX / width)
            sizes = [float(t.get("font-size")) for t in chart.iter(f"{SVG}text")]
            assert min(sizes) * scale >= 12, (name, chart.find(f"{SVG}title").text)


@pytest.mark.parametrize("chart_index", range(5))
def test_a_result_chart_says_in_words_every_number_it_draws(pages, chart_index):
    """What a screen reader hears (the chart's description) carries the numbers the picture
    shows, beyond the axis ticks and the level names."""
    chart = charts(pages["result"])[chart_index]
    words = chart.find(f"{SVG}desc").text
    said = {float(n) for n in NUMBER.findall(words)}
    drawn = {
        float(n)
        for text in drawn_text(chart)
        if not re.fullmatch(r"\d|Grade", text)  # axis ticks and grades
        for n in NUMBER.findall(re.sub(r"\b[LM]\d\b", "", text))  # level ids are named in words
    }
    assert drawn <= said, f"{chart.find(f'{SVG}title').text}: drawn but not said: {drawn - said}"


def test_the_two_tracks_and_the_gaps_differ_by_more_than_colour(pages):
    """In black and white the manager's pushes and the gaps are hatched, not only another
    colour."""
    result = charts(pages["result"])
    factors, competencies = result[1], result[3]
    assert any("url(#toward-manager" in (r.get("fill") or "") for r in factors.iter(f"{SVG}rect"))
    assert any("url(#gap-" in (r.get("fill") or "") for r in competencies.iter(f"{SVG}rect"))
