"""Results: the track and how sure, why, levels on both ladders, gaps, history of changes."""

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from recommender.answer.contract import recommendation_schema
from webapp.assessment.models import Assessment
from webapp.extensions import db


@pytest.fixture
def result(app, client, ada, people, make_assessment):
    """The results page of the first sample person (a senior engineer who loves the craft),
    and the recommendation stored for it."""
    number = make_assessment("ada@example.com", people[0])
    location = f"/results/{number}"
    with app.app_context():
        stored = db.session.get(Assessment, number).recommendation
    return client.get(location).get_data(as_text=True), stored


@pytest.fixture
def result_html(result):
    """The results page alone."""
    return result[0]


def _svgs(html):
    return [ET.fromstring(svg) for svg in re.findall(r"<svg.*?</svg>", html, re.S)]


def test_the_track_and_how_sure_in_words_and_picture(result):
    html, stored = result
    assert stored["track"] == "ic"
    assert "Recommended track: Individual contributor" in html
    assert "looks like a clear fit" in html
    assert f"How sure: <strong>{round(100 * stored['confidence'])}%</strong>" in html
    p = {track: _chance(stored, track) for track in stored["p_success"]}
    assert f"Chance of succeeding as an individual contributor: <strong>{p['ic']}</strong>" in html
    assert f"Chance of succeeding as a people manager: <strong>{p['manager']}</strong>" in html
    assert f"Individual contributor: {p['ic']} estimated chance of success" in html


def _chance(stored, track):
    lo, hi = (round(100 * v) for v in stored["p_success_interval"][track])
    return f"about {round(100 * stored['p_success'][track])}%, likely between {lo}% and {hi}%"


def test_each_chance_is_said_and_drawn_with_its_likely_range(result):
    html, stored = result
    assert stored["interval_level"] == 0.9
    # what the range covers, and what it cannot: the person's own chance may lie outside it
    assert "the model is 90% sure their chance lies in it." in html
    assert "Your own also rests on what no questionnaire asks, so it may lie outside" in html
    chances = _svgs(html)[0]
    ns = "{http://www.w3.org/2000/svg}"
    desc = chances.find(f"{ns}desc").text
    assert f"Individual contributor: {_chance(stored, 'ic')} estimated chance" in desc
    assert f"People manager: {_chance(stored, 'manager')} estimated chance" in desc
    whiskers = chances.findall(f"{ns}g[@class='range']")
    assert len(whiskers) == 2
    width = float(chances.get("viewBox").split()[2])
    for whisker, track in zip(whiskers, ("ic", "manager"), strict=True):
        lo, hi = stored["p_success_interval"][track]
        xs = [float(n) for n in re.findall(r"M([\d.]+)", whisker[1].get("d"))]
        assert min(xs) == pytest.approx(4 + (width - 12) * lo, abs=0.1)
        assert max(xs) == pytest.approx(4 + (width - 12) * hi, abs=0.1)


def test_the_chances_stay_readable_on_a_phone(result_html):
    """Drawn at most ~400 units wide with no text under 13, so that scaled to a 358px-wide
    phone column no text falls below ~11px."""
    chances = _svgs(result_html)[0]
    width = float(chances.get("viewBox").split()[2])
    sizes = [float(t.get("font-size")) for t in chances.iter("{http://www.w3.org/2000/svg}text")]
    assert min(sizes) * 358 / width >= 11


def test_a_result_stored_without_a_range_reads_as_before(app, client, ada, people, make_assessment):
    number = make_assessment("ada@example.com", people[0])
    location = f"/results/{number}"
    with app.app_context():
        assessment = db.session.get(Assessment, number)
        old = dict(assessment.recommendation)
        del old["p_success_interval"], old["interval_level"]
        assessment.recommendation = old
        db.session.commit()
        p = {t: round(100 * v) for t, v in old["p_success"].items()}
    html = client.get(location).get_data(as_text=True)
    assert f"succeeding as an individual contributor: <strong>{p['ic']}%</strong>" in html
    assert f"succeeding as a people manager: <strong>{p['manager']}%</strong>" in html
    assert "likely between" not in html and "90% sure" not in html
    assert "likely range" not in html
    assert 'class="range"' not in html


def test_every_chart_has_a_text_alternative(result_html):
    charts = _svgs(result_html)
    assert len(charts) == 5  # chances, factors, ladder, competencies on each track
    ns = "{http://www.w3.org/2000/svg}"
    for svg in charts:
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{ns}title"), svg.find(f"{ns}desc")
        assert title.text and desc.text
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_why_names_the_factors_with_the_persons_own_answers(result_html):
    assert "What pointed toward individual contributor" in result_html
    assert "Comfort with a fragmented week" in result_html
    assert "A fragmented week of meetings and interruptions wears you down." in result_html
    assert "Your answers behind this" in result_html
    assert "You answered: <strong>" in result_html


def test_every_rule_that_fired_is_shown(result_html):
    assert "Rules that applied" in result_html
    assert "needs-interest" in result_html


def test_ladder_marks_where_you_are_and_the_targets(result_html):
    ladder = next(
        svg for svg in _svgs(result_html) if "both ladders" in ET.tostring(svg, encoding="unicode")
    )
    text = ET.tostring(ladder, encoding="unicode")
    assert "You are here" in text and "Target" in text
    assert "L3 Senior Engineer: You are here" in text
    assert "L4 Staff Engineer: Target" in text
    assert "M3 Engineering Manager: Target" in text
    # the level the answers support is marked too (here the one held, on the IC track)
    assert "L3 Senior Engineer: You are here, Answers support" in text


def test_gaps_are_a_development_list_with_next_steps(result_html):
    assert "Individual contributor: toward L4 Staff Engineer" in result_html
    assert (
        "<strong>System design</strong>: you rated 3, L4 expects 4. Next step, 4 of 5: I design"
        in result_html
    )


def test_levels_say_what_is_held_what_is_supported_and_that_a_change_is_sideways(result):
    html, stored = result
    # the first sample person holds L3 on the IC track and manages nobody
    assert stored["levels"]["ic"]["current"] == "L3"
    assert stored["levels"]["manager"]["current"] is None
    assert "you hold <strong>L3 Senior Engineer</strong>" in html
    assert "<strong>People manager:</strong>\n      you are not on this track" in html
    assert (
        "A move to this track would be to <strong>M3 Engineering Manager</strong>, sideways" in html
    )
    assert "never a promotion on top of the change" in html


def test_a_development_step_is_the_next_anchor_up_not_the_target(
    app, ada, people, make_assessment, client
):
    person = people[0]
    answers = {**person["answers"], "rate_system_design": 1}
    number = make_assessment("ada@example.com", {**person, "answers": answers})
    html = client.get(f"/results/{number}").get_data(as_text=True)
    # a 1 leaves this senior engineer (L3) supporting only L2: the gap is to the level held
    assert "<strong>System design</strong>: you rated 1, L3 expects 3. Next step, 2 of 5:" in html


def test_every_number_is_defined_where_it_is_shown(result):
    html, stored = result
    assert "works out better for you than the people manager track, a tie counted as half" in html
    p = stored["p_success"]
    plain = round(100 * (0.5 + (p["ic"] - p["manager"]) / 2))
    assert "It is 50% plus half the difference between your two chances" in html
    assert f": {plain}%)" in html
    assert "Succeeding means meeting or exceeding expectations" in html
    from webapp.results.reading import people_in_ten  # noqa: PLC0415

    count = people_in_ten(stored["p_success"]["manager"])
    assert f"About {count} in 10 people who answer like you succeed on this track" in html


def test_advice_note_versions_and_synthetic_warning(result_html):
    assert "This is advice, not a decision." in result_html
    banner = result_html.split('aria-label="About this result">', 1)[1].split("</aside>")[0]
    assert banner.count("not a decision") == 1  # said once, not twice in a row
    assert "Trained on synthetic data." in result_html
    assert "model version <strong>v1</strong>" in result_html
    assert "pack <strong>engineering@1</strong>" in result_html


def test_the_factor_table_adds_up_to_the_score(result_html):
    effects = [float(v) for v in re.findall(r"<td>([+-]\d+\.\d{3})</td></tr>", result_html)]
    *factors, baseline, score = effects
    assert len(factors) == 24
    assert sum(factors) + baseline == pytest.approx(score, abs=0.02)


def test_what_changed_since_the_one_before_is_said_as_the_history_says_it(
    client, ada, people, make_assessment
):
    """The result page's "Since your assessment of ..." said a chance without its range
    ("92%, 78%"), levels as bare codes and motivation scores as stored ("4.6667", "3.3333",
    under a question's words as a heading), where the history page says the same change in
    words; found from outside."""
    make_assessment("ada@example.com", people[0])
    newest = make_assessment("ada@example.com", people[1])
    html = client.get(f"/results/{newest}").text
    section = html.split('id="changes-heading"', 1)[1].split("</section>", 1)[0]
    newest_entry = client.get("/results/history").text.split('<li class="card">')[1]
    lists = re.findall(r'<ul class="changes">(.*?)</ul>', newest_entry, re.S)
    said = [line for found in lists for line in re.findall(r"<li>(.*?)</li>", found, re.S)]
    assert said and all(f"<li>{line}</li>" in section for line in said)
    assert "likely between" in section
    assert "Staff Engineer (L4)" in section or "Engineering Manager (M3)" in section
    assert not re.search(r"\d\.\d{2,}", section), "a raw score is shown"


def test_a_result_page_follows_deletions(client, ada, people, make_assessment):
    make_assessment("ada@example.com", people[0])
    make_assessment("ada@example.com", people[1])
    older, newest = sorted(
        set(re.findall(r'href="/results/(\d+)"', client.get("/results/history").text)), key=int
    )
    assert "Since your assessment of" in client.get(f"/results/{newest}").text
    client.submit(f"/my-data/assessments/{older}/delete")
    page = client.get(f"/results/{newest}")
    assert page.status_code == 200
    assert "Since your assessment of" not in page.text
    client.submit(f"/my-data/assessments/{newest}/delete")
    assert client.get(f"/results/{newest}").status_code == 404


def test_results_need_a_login(client):
    assert client.get("/results/1").status_code == 302
    assert client.get("/results/history").status_code == 302


def test_what_the_results_page_reads_keeps_to_the_recommendation_contract(
    app, ada, people, make_assessment, engineering
):
    validator = Draft202012Validator(recommendation_schema(engineering))
    for person in people:
        number = make_assessment("ada@example.com", person)
        with app.app_context():
            stored = db.session.get(Assessment, number).recommendation
        assert [error.message for error in validator.iter_errors(stored)] == []


def _reading_with(stored, p_ic, p_manager, confidence):
    from webapp.answering import load_pack  # noqa: PLC0415
    from webapp.results.reading import read  # noqa: PLC0415

    recommendation = {**stored, "p_success": {"ic": p_ic, "manager": p_manager}}
    recommendation["confidence"] = confidence
    return read(recommendation, load_pack("engineering"), {}, {})


@pytest.mark.parametrize("sample", range(6))
def test_why_lists_the_strongest_pushes_each_way_and_says_so(
    client, ada, people, make_assessment, sample
):
    html = client.get(f"/results/{make_assessment('ada@example.com', people[sample])}").text
    why = html.split('id="why-heading"', 1)[1].split("</section>", 1)[0]
    assert "these are the four that pushed most toward each track" in why
    assert "moved the model most" not in why
    table = why.split("<table>", 1)[1].split("<tfoot>", 1)[0]  # the factors, not the sums
    effect = {
        label: float(value)
        for label, value in re.findall(
            r'<th scope="row">([^<]+)</th><td>[^<]*</td><td>([+-]\d+\.\d{3})</td>', table
        )
    }
    for column, sign in (("individual contributor", -1), ("people manager", 1)):
        listed_html = why.split(f"What pointed toward {column}</h3>", 1)[1].split("</h3>")[0]
        listed = re.findall(r"<li>\s*<strong>([^<]+)</strong>", listed_html)
        pushes = sorted((abs(e) for e in effect.values() if e * sign > 0), reverse=True)
        assert len(listed) == min(4, len(pushes))
        assert sorted((abs(effect[label]) for label in listed), reverse=True) == pushes[:4]


def test_a_scale_left_blank_is_never_said_to_point_toward_a_track(result):
    """A blank stands where the people learnt from are on average: its effect is zero, and it
    is not listed among what pointed toward a track, even when few factors pushed that way."""
    _, stored = result
    factors = stored["explanation"]["factors"]
    blank = dict(factors[0], value=None, effect=0.0)
    toward_ic = [f for f in factors[1:] if f["effect"] < 0][:1]  # one push toward IC
    stored = {**stored, "explanation": {**stored["explanation"], "factors": [blank, *toward_ic]}}
    reading = _reading_with(stored, 0.6, 0.4, 0.6)
    assert [f.feature for f in reading.toward["ic"]] == [f["feature"] for f in toward_ic]
    assert reading.toward["manager"] == []
    shown = next(f for f in reading.all_factors if f.feature == blank["feature"])
    assert shown.yours == "not answered" and "moved nothing" in shown.reading


@pytest.mark.parametrize(("p", "count"), [(0.25, 3), (0.35, 4), (0.85, 9), (0.14, 1), (0.949, 10)])
def test_a_count_of_people_is_the_percentage_shown_rounded_half_up(p, count):
    from webapp.results.reading import people_in_ten  # noqa: PLC0415

    assert people_in_ten(p) == count


def test_counts_of_people_never_claim_everyone_or_no_one(result):
    _, stored = result
    reading = _reading_with(stored, 0.96, 0.03, 0.965)
    assert reading.in_ten("ic").startswith("More than 9 in 10 people")
    assert reading.in_ten("manager").startswith("Fewer than 1 in 10 people")


@given(p=st.floats(0.0, 1.0))
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_same_count_of_people_always_means_the_same(result, p):
    """ "About 4 in 10" reads "most do not" whatever the chance behind it (0.36 or 0.44)."""
    _, stored = result
    from webapp.results.reading import people_in_ten  # noqa: PLC0415

    said = _reading_with(stored, p, 1 - p, 0.5).in_ten("ic")
    count = people_in_ten(p)
    if 1 <= count <= 4:
        assert said.startswith(f"About {count} in 10") and ": most do not." in said
    elif count == 5:
        assert said == "About 5 in 10 people who answer like you succeed on this track: about even."
    elif 6 <= count <= 9:
        assert said == f"About {count} in 10 people who answer like you succeed on this track."


def test_a_low_how_sure_from_the_notes_alone_says_so(result):
    _, stored = result
    # 70% against 46% is a clear 62%; three notes bring it to 55%
    reading = _reading_with(stored, 0.70, 0.46, 0.55)
    assert "because of those notes, not because the tracks are close" in reading.how_sure()
    near = _reading_with(stored, 0.52, 0.48, 0.52)
    assert "the difference between your chances is small" in near.how_sure()
    assert "close call" not in near.how_sure()  # only the close-call rule says so


def test_a_shared_level_held_on_the_other_track_is_a_step_up_not_sideways(
    app, ada, people, make_assessment, client
):
    person = people[0]
    context = {**person["context"], "current_track": "manager", "current_level": "L2"}
    context["direct_reports"] = 2
    number = make_assessment("ada@example.com", {**person, "context": context})
    html = client.get(f"/results/{number}").get_data(as_text=True)
    assert "you hold <strong>L2</strong>, a level this track shares, on the other track" in html
    assert "Next step: <strong>L3 Senior Engineer</strong>" in html
    assert "would be to <strong>L2" not in html


def test_answers_with_notes_on_them_are_said_to_need_care_before_the_chances(
    app, client, ada, people, make_assessment
):
    """An outside review: every statement answered "strongly agree" was told "about 92%" and
    "you want to go deep in your field", the notes on those answers only below the chances."""
    careless = dict(people[0]) | {"answers": dict.fromkeys(people[0]["answers"], 5)}
    page = client.get(f"/results/{make_assessment('ada@example.com', careless)}")
    html = page.get_data(as_text=True)
    caveat = html.index("Read this result with care.")
    assert caveat < html.index("Chance of succeeding as") < html.index('id="result-notes"')
    said = re.sub(r"<[^>]+>", "", html[caveat:].split("</p>", 1)[0])
    assert re.search(
        r"Your answers carry \d notes? on how they were given \(below\), which make them less "
        r"certain to reflect your views",
        said,
    )
    assert "the notes on them say why they may not be your views" in re.sub(r"<[^>]+>", "", html)
    # read at a reader's pace (the stored pages otherwise take no time at all: too fast)
    read = make_assessment("ada@example.com", people[0], seconds_per_page=120)
    careful = client.get(f"/results/{read}")
    assert "Read this result with care." not in careful.get_data(as_text=True)
