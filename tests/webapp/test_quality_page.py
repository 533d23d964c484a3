"""Questionnaire quality for HR: per construct the number of complete responses, Cronbach's
alpha with its interval, omega of the same score and a traffic light, computed on every stored
response of the current pack version (finished assessments and the answers in uploaded outcome
files, each counted once); too few responses are noted, an item that runs against its
construct (a wrong reverse key) is named, and a doubtful omega says why."""

import html as html_module
import re

import numpy as np
import pytest
from sqlalchemy import select

from recommender.answer.answers import Answers
from recommender.answer.scoring import score_many, scoring_layout
from recommender.learn.synthetic import generate_outcomes
from recommender.pack.loading import load_pack
from tests.webapp import factories
from webapp.accounts.models import User
from webapp.assessment.models import Assessment
from webapp.database import utcnow
from webapp.extensions import db
from webapp.hr.outcomes.models import OutcomeRecord, OutcomeUpload

PACK = load_pack("engineering")
CONSTRUCTS = [construct.id for construct in PACK.questionnaire.constructs]
ROW = re.compile(r'<tr><th scope="row"><a href="#c-([a-z_]+)">.*?</a></th>(.*?)</tr>', re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
COLUMNS = ("items", "n", "left_out", "alpha", "interval", "omega", "light", "weak")


@pytest.fixture
def hr(app, client, make_user):
    """The test client, logged in as HR."""
    make_user("hr@example.com", "hr", "Hana")
    client.login("hr@example.com")
    return client


@pytest.fixture
def finish(make_user, make_assessment):
    """Each person, as an employee of their own, has finished the assessment, reading every
    page for 90 seconds (the too-fast flag would otherwise leave everyone out)."""

    def finish(people: list[dict]) -> None:
        for number, person in enumerate(people):
            email = f"person{number}@example.com"
            make_user(email, "employee", f"Person {number}")
            make_assessment(email, person, seconds_per_page=90)

    return finish


def table(page: str) -> dict[str, dict[str, str]]:
    """The reliability table: construct id -> column -> cell text; a figure's interval, under
    it, as column + "_range" ("0.921 to 0.951")."""
    rows = {}
    for construct, cells in ROW.findall(page):
        figures, ranges = zip(*(c.partition("<br>")[::2] for c in CELL.findall(cells)), strict=True)
        # a construct with too few complete responses: its counts, and why nothing else
        columns = COLUMNS if len(figures) == len(COLUMNS) else (*COLUMNS[:3], "withheld")
        rows[construct] = dict(zip(columns, map(_text, figures), strict=True)) | {
            f"{column}_range": _text(range_)
            for column, range_ in zip(columns, ranges, strict=False)
            if range_
        }
    return rows


def _text(html: str) -> str:
    return html_module.unescape(re.sub(r"<[^>]+>", "", html)).strip()


def alpha_of(people: list[dict], construct: str) -> float:
    """Cronbach's alpha of one construct's scored items, computed here from the answers."""
    items = [
        item
        for item in PACK.questionnaire.item_by_id.values()
        if item.kind == "likert" and item.construct == construct
    ]
    scored = np.array(
        [
            [6 - p["answers"][i.id] if i.reverse else p["answers"][i.id] for i in items]
            for p in people
        ],
        dtype=float,
    )
    k = scored.shape[1]
    return k / (k - 1) * (1 - scored.var(axis=0, ddof=1).sum() / scored.sum(axis=1).var(ddof=1))


def test_with_no_finished_assessments_the_page_says_so(app, hr, people, make_user, make_assessment):
    make_user("emp@example.com", "employee", "Eli")
    make_assessment("emp@example.com", people[0], pages_done=3)  # started, not finished
    response = hr.get("/hr/quality")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No finished assessments or uploaded answers in this pack yet." in page
    assert "engineering@1" in page
    assert table(page) == {}


def test_finished_assessments_give_every_construct_its_reliability(app, hr, people, finish):
    """The six sample people finish, each seven times over as seven people, one after the
    other; the figures are from the first forty (they move ten responses at a time), the
    careless ones among them (straight-lining, failed attention checks) counted but left out
    of the statistics."""
    everyone = people * 7
    finish(everyone)
    careful = [person for person in everyone[:40] if "careless" not in person["employee_id"]]
    assert len(careful) >= 30
    page = hr.get("/hr/quality").get_data(as_text=True)
    assert "No finished assessments" not in page and 'id="withheld"' not in page
    assert "<dt>Responses</dt><dd>42</dd>" in page
    assert "<dt>From</dt><dd>42 finished assessments, 0 rows of uploaded" in page
    flagged = 40 - len(careful)
    assert f"<dt>With a response-quality flag</dt><dd>{flagged} ({flagged / 40:.0%})" in page
    assert (
        "The figures below are from the first 40 of the 42 responses, in the order they were "
        "stored: they move 10 responses at a time, so that no change on this page tells what "
        "one person answered. 8 more responses bring in the rest."
    ) in html_module.unescape(re.sub(r"\s+", " ", page))

    rows = table(page)
    assert list(rows) == CONSTRUCTS
    for construct, row in rows.items():
        assert row["n"] == str(len(careful)), construct
        assert row["items"] == str(
            sum(
                1
                for item in PACK.questionnaire.item_by_id.values()
                if item.kind == "likert" and item.construct == construct
            )
        )
        alpha = float(row["alpha"])
        assert alpha == pytest.approx(alpha_of(careful, construct), abs=1e-4), construct
        low, high = (float(end) for end in row["interval"].split(" to "))
        assert low - 5e-4 <= alpha <= high + 5e-4, construct  # the interval to 3 decimals
        assert row["light"] == ("green" if alpha >= 0.8 else "amber" if alpha >= 0.7 else "red")
        assert row["omega"] != "–"
        # to four places, as alpha beside it: "0.967" beside "0.9464" read as less sure
        assert re.fullmatch(r"-?\d\.\d{4}", row["alpha"]), row
        assert re.fullmatch(r"-?\d\.\d{4}( \(doubtful\))?", row["omega"]), row
    assert page.count('<p class="hint"') == 1  # the figures' first forty, nothing else
    assert "Enjoys leading people" in page and "Comfort with a fragmented week" in page


@pytest.mark.parametrize("responses", [1, 2, 29])
def test_fewer_than_thirty_responses_show_how_many_and_nothing_they_said(
    app, hr, people, finish, responses
):
    """With one response every share on the page was 0% or 100%: that person's answers and
    flags, shown to HR, who sees only totals. Below thirty, only the count is shown."""
    finish((people * 5)[:responses])
    page = hr.get("/hr/quality").get_data(as_text=True)
    assert f"<dt>Responses</dt><dd>{responses}</dd>" in page
    verb = "is" if responses == 1 else "are"
    assert f"Nothing more is shown until there are 30 responses (there {verb} {responses})" in page
    assert table(page) == {}
    for said in ('scope="col">Floor', "With a response-quality flag", "straight lining"):
        assert said not in page
    assert "Leading a group of people gives me energy" not in page  # no item is listed


def test_one_more_response_changes_no_figure_until_ten_more_have_come(app, hr):
    """Seen before and after one person finished, the page would tell their answers (an
    item's floor from 12 of 40 to 13 of 41 is theirs): the figures move ten at a time."""
    answers = _synthetic_answers(50, seed=12)
    _store_assessments(app, answers[:40])
    before = _figures(hr.get("/hr/quality").get_data(as_text=True))
    assert before
    for count in range(41, 50):
        _store_assessments(app, answers[count - 1 : count])
        page = hr.get("/hr/quality").get_data(as_text=True)
        assert f"<dt>Responses</dt><dd>{count}</dd>" in page
        assert _figures(page) == before, count
    _store_assessments(app, answers[49:])
    page = hr.get("/hr/quality").get_data(as_text=True)
    assert _figures(page) != before and 'id="released"' not in page


def _figures(page: str) -> list[str]:
    """Every figure the page gives of the answers: its tables' cells and the flags counted."""
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)
    flags = re.findall(r"<dt>With a response-quality flag</dt><dd>(.*?)</dd>", page)
    return cells + flags


def test_a_construct_with_fewer_than_thirty_complete_responses_shows_only_its_counts(app, hr):
    answers = _synthetic_answers(40, seed=11)
    for one in answers[:15]:  # fifteen people skip an item of leading's construct
        one.pop("la2", None)
    _store_assessments(app, answers)
    page = hr.get("/hr/quality").get_data(as_text=True)
    rows = table(page)
    assert rows["lead_affective"]["withheld"] == "not shown: fewer than 30 complete responses"
    assert int(rows["lead_affective"]["n"]) < 30
    section = page.split('id="c-lead_affective"', 1)[1].split("</section>", 1)[0]
    assert "Not shown:" in section and "<table" not in section
    shown = [row for row in rows.values() if "alpha" in row]
    assert shown and all(int(row["n"]) >= 30 for row in shown)  # the others are shown


CONTEXT = {
    "years_experience": 8,
    "years_at_level": 3,
    "direct_reports": 0,
    "current_track": "ic",
    "current_level": "L3",
}


def _synthetic_answers(people: int, seed: int, flip: str | None = None) -> list[dict]:
    """Answers from the synthetic generator; `flip` reverses one item's answers (6 - x) for
    everyone, as a wrong reverse key would."""
    outcomes = generate_outcomes(PACK, people, seed)
    item_ids = scoring_layout(PACK).item_ids
    return [
        {
            item: int(6 - value if item == flip else value)
            for item, value in zip(item_ids, row, strict=True)
            if not np.isnan(value)
        }
        for row in outcomes.answers
    ]


def _store_assessments(app, answers: list[dict], emails: list[str] | None = None) -> list[int]:
    """Finished assessments straight in the database, each of a person of their own (or of
    the person of the same place in `emails`, created if need be); their ids."""
    count = _count_users(app)
    emails = emails or [f"synthetic{count + n}@example.com" for n in range(len(answers))]
    users = {}
    for email in emails:
        with app.app_context():
            user = db.session.scalar(select(User.id).where(User.email == email))
        users[email] = user or factories.user(app, email, "employee", "Synthetic")
    with app.app_context():
        stored = []
        for email, one in zip(emails, answers, strict=True):
            stored.append(
                Assessment(
                    user_id=users[email],
                    pack="engineering@1",
                    answers=one,
                    context=CONTEXT,
                    timings={},
                    step=7,
                    completed_at=utcnow(),
                )
            )
            db.session.add(stored[-1])
            db.session.flush()  # one after another: the later one is the newer
        db.session.commit()
        return [assessment.id for assessment in stored]


def _count_users(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(User.id)).all())


def _store_upload(
    app,
    answers: list[dict] | None = None,
    *,
    linked: list[int | None] = (),
    sha256: str = "a" * 64,
    pack: str = "engineering@1",
    employee_ids: list[str] | None = None,
) -> int:
    """An uploaded outcome file straight in the database: a full file's rows carry their
    answers (of `employee_ids`, by default e0, e1, ...), a short file's rows point at stored
    assessments (`linked`; None for one deleted since)."""
    answers = answers or []
    employee_ids = employee_ids or [f"e{n}" for n in range(len(answers))]
    with app.app_context():
        rows = [
            OutcomeRecord(employee_id=employee_id, answers=one, context=CONTEXT)
            for employee_id, one in zip(employee_ids, answers, strict=True)
        ] + [
            OutcomeRecord(employee_id=f"s{n}", assessment_id=assessment_id)
            for n, assessment_id in enumerate(linked)
        ]
        upload = OutcomeUpload(
            filename="outcomes.csv",
            kind="full" if answers else "short",
            pack=pack,
            rows=len(rows),
            sha256=sha256,
            sensitive_columns=[],
        )
        db.session.add(upload)
        db.session.flush()
        for row in rows:
            row.upload_id, row.track_taken, row.success = upload.id, "ic", True
        db.session.add_all(rows)
        db.session.commit()
        return upload.id


def _store_synthetic(app, people: int, seed: int, flip: str | None = None) -> None:
    _store_assessments(app, _synthetic_answers(people, seed, flip))


def _against(page: str) -> list[str]:
    return re.findall(r"<strong>([a-z_0-9]+)</strong> runs against the rest of the construct", page)


def test_correctly_keyed_items_are_not_named(app, hr):
    _store_synthetic(app, 40, seed=11)
    page = hr.get("/hr/quality").get_data(as_text=True)
    assert "<dt>Responses</dt><dd>40</dd>" in page
    rows = table(page)
    assert "la2" not in rows["lead_affective"]["weak"]
    assert _against(page) == []


def test_an_item_with_a_wrong_reverse_key_is_named_against_its_construct(app, hr):
    """la2 is reverse-keyed; its answers reversed for everyone are what a pack whose key for
    la2 is wrong would score."""
    _store_synthetic(app, 40, seed=11, flip="la2")
    page = hr.get("/hr/quality").get_data(as_text=True)
    rows = table(page)
    assert "la2" in rows["lead_affective"]["weak"].split(", ")
    assert _against(page) == ["la2"]
    item_row = re.search(r"<tr class=\"flagged\"><th scope=\"row\">la2</th>.*?</tr>", page, re.S)
    assert item_row is not None
    cell = re.findall(r"<td[^>]*>(.*?)</td>", item_row.group(0))[1]
    correlation, _, interval = cell.partition("<br>")
    assert correlation.endswith("(weak)") and float(correlation.split()[0]) < 0
    low, high = (float(end) for end in _text(interval).split(" to "))  # Fisher's z, 95%
    assert low < float(correlation.split()[0]) < high < 0


def test_only_hr_sees_the_quality_page(app, client, make_user, form_client):
    make_user("emp@example.com", "employee", "Eli")
    client.login("emp@example.com")
    assert client.get("/hr/quality").status_code == 403
    anonymous = form_client().get("/hr/quality")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]


def test_answers_in_uploaded_outcome_files_count_as_much_as_finished_assessments(app, hr):
    """The same forty people give the same figures whether fifteen of them came in an
    uploaded outcome file or all finished the assessment here."""
    answers = _synthetic_answers(40, seed=11)
    _store_assessments(app, answers[:25])
    upload = _store_upload(app, answers[25:])
    page = hr.get("/hr/quality").get_data(as_text=True)
    assert "<dt>Responses</dt><dd>40</dd>" in page
    assert "<dt>From</dt><dd>25 finished assessments, 15 rows of uploaded outcome files" in page
    mixed = table(page)
    with app.app_context():
        db.session.delete(db.session.get(OutcomeUpload, upload))
        db.session.commit()
    assert "<dt>Responses</dt><dd>25</dd>" in hr.get("/hr/quality").get_data(as_text=True)
    _store_assessments(app, answers[25:])
    page = hr.get("/hr/quality").get_data(as_text=True)
    assert "<dt>From</dt><dd>40 finished assessments, 0 rows of uploaded outcome files" in page
    assert table(page) == mixed


def test_each_stored_response_counts_once_and_the_page_says_what_was_not_added(app, hr):
    assessments = _store_assessments(app, _synthetic_answers(30, seed=11))
    _store_upload(app, linked=assessments[:10], sha256="s" * 64)
    again = _synthetic_answers(5, seed=12)
    _store_upload(app, again, sha256="b" * 64)
    _store_upload(app, again, sha256="b" * 64)
    _store_upload(app, _synthetic_answers(3, seed=13), sha256="c" * 64, pack="engineering@0")
    page = hr.get("/hr/quality").get_data(as_text=True)
    assert "<dt>Responses</dt><dd>35</dd>" in page
    assert "<dt>From</dt><dd>30 finished assessments, 5 rows of uploaded outcome files" in page
    assert (
        '<p class="hint">Not added: 10 uploaded rows join a finished assessment of someone '
        "already counted; "
        "5 rows repeat a person of a newer upload (counted once, from the newest).</p>"
    ) in page


def test_a_person_in_several_uploaded_files_counts_once_with_the_newest_answers(app, hr):
    """Outcome files overlap (a file sent again with a few more people, uploads whose training
    failed): each employee id is one person, whatever its case, and the newest upload's answers
    are theirs. The figures are those of the distinct people alone."""
    older, newer = _synthetic_answers(20, seed=11), _synthetic_answers(15, seed=12)
    _store_upload(app, older, sha256="a" * 64, employee_ids=[f"e{n}" for n in range(20)])
    ids = ["E10", *(f"e{n}" for n in range(11, 25))]  # e10..e19 again, e20..e24 new
    _store_upload(app, newer, sha256="b" * 64, employee_ids=ids)
    page = hr.get("/hr/quality").get_data(as_text=True)
    assert "<dt>Responses</dt><dd>25</dd>" in page
    assert "<dt>From</dt><dd>0 finished assessments, 25 rows of uploaded outcome files" in page
    assert (
        '<p class="hint">Not added: 10 rows repeat a person of a newer upload (counted once, '
        "from the newest).</p>"
    ) in page
    deduplicated = table(page)
    assert all(int(row["n"]) <= 25 for row in deduplicated.values())

    with app.app_context():
        for upload in db.session.scalars(select(OutcomeUpload)):
            db.session.delete(upload)
        db.session.commit()
    _store_assessments(app, older[:10] + newer)
    assert table(hr.get("/hr/quality").get_data(as_text=True)) == deduplicated


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])  # a window query: on both
def test_a_person_counts_once_however_often_they_answered_and_wherever_it_is_stored(app, hr):
    """Forty people; ten of them took the assessment again, and five were also in a full
    outcome file (by employee id, whatever its case, or by email): each counts once, by their
    newest assessment, and the figures are those of the forty alone."""
    first, again = _synthetic_answers(40, seed=11), _synthetic_answers(10, seed=12)
    emails = [f"p{n}@example.com" for n in range(40)]
    _store_assessments(app, first, emails)
    with app.app_context():
        for n in range(40):
            db.session.scalar(select(User).where(User.email == emails[n])).employee_id = f"E{n}"
        db.session.commit()
    alone = table(hr.get("/hr/quality").get_data(as_text=True))
    _store_assessments(app, again, emails[:10])
    ids = ["e0", "E1", "p2@example.com", "E3", "e4", "x1", "x2"]  # five assessed, two not
    _store_upload(app, _synthetic_answers(7, seed=13), employee_ids=ids)
    page = hr.get("/hr/quality").get_data(as_text=True)
    assert "<dt>Responses</dt><dd>42</dd>" in page
    assert "<dt>From</dt><dd>40 finished assessments, 2 rows of uploaded outcome files" in page
    assert (
        "5 uploaded rows are of someone assessed here (counted once, by their newest "
        "assessment); 10 earlier assessments of people who took it again (each person counted "
        "once, by their newest)."
    ) in page
    with app.app_context():
        for upload in db.session.scalars(select(OutcomeUpload)):
            db.session.delete(upload)
        db.session.commit()
    newest = table(hr.get("/hr/quality").get_data(as_text=True))
    assert newest != alone
    with app.app_context():
        for assessment in db.session.scalars(select(Assessment)):
            db.session.delete(assessment)
        db.session.commit()
    _store_assessments(app, again + first[10:])  # each person's newest answers, once
    assert table(hr.get("/hr/quality").get_data(as_text=True)) == newest


def test_a_short_file_row_counts_as_the_assessment_it_points_at(app, hr):
    """Two short files name the same finished assessments: each is counted once, as the
    finished assessment it is; a row whose assessment was deleted since adds nothing and the
    page does not claim it was counted."""
    assessments = _store_assessments(app, _synthetic_answers(30, seed=11))
    _store_upload(app, linked=assessments[:10], sha256="s" * 64)
    _store_upload(app, linked=[*assessments[5:15], None], sha256="t" * 64)
    page = hr.get("/hr/quality").get_data(as_text=True)
    assert "<dt>Responses</dt><dd>30</dd>" in page
    assert "<dt>From</dt><dd>30 finished assessments, 0 rows of uploaded outcome files" in page
    assert (
        '<p class="hint">Not added: 20 uploaded rows join a finished assessment of someone '
        "already counted; "
        "1 uploaded row points at an assessment deleted since.</p>"
    ) in page


def test_alpha_and_omega_are_said_to_describe_the_same_score(app, hr):
    _store_synthetic(app, 40, seed=11)
    page = hr.get("/hr/quality").get_data(as_text=True)
    assert "are both the reliability of the same score, the one trackfit uses" in page
    assert "(doubtful)" not in page


def test_a_heywood_case_marks_omega_doubtful_and_says_why(app, hr):
    """em1 answers the mean of two unrelated things that em2 and em4, and em3 and em5, each
    measure: one factor would need em1 to load above 1 (em3 and em5 are reverse-keyed)."""
    rng = np.random.default_rng(0)
    answers = _synthetic_answers(40, seed=11)
    for person in answers:
        a, b = (int(value) for value in rng.integers(1, 6, 2))
        person |= {"em1": -(-(a + b) // 2), "em2": a, "em3": 6 - b, "em4": a, "em5": 6 - b}
    _store_assessments(app, answers)
    page = hr.get("/hr/quality").get_data(as_text=True)
    rows = table(page)
    assert rows["extrinsic_motive"]["omega"].endswith("(doubtful)")
    assert not any(
        row["omega"].endswith("(doubtful)") for c, row in rows.items() if c != "extrinsic_motive"
    )
    (notice,) = re.findall(r'<p class="notice warning">Omega [0-9.]+ is doubtful\. (.*?)</p>', page)
    assert notice.startswith("Heywood case: the one-factor model gives em1 a communality of 1")


def test_items_answered_the_same_by_everyone_are_named_as_copies(app, hr):
    """One answer copied into three of a construct's columns (found from outside: omega 0.94
    and no word, since a copy is no Heywood case); em3 is reverse-keyed, so its copy of em1's
    meaning is 6 minus the answer."""
    answers = _synthetic_answers(60, seed=11)  # 30 different responses to the construct at least
    for person in answers:
        value = person.get("em1", 3)  # the generator skips an answer now and then
        person |= {"em1": value, "em2": value, "em3": 6 - value}
    _store_assessments(app, answers)
    page = hr.get("/hr/quality").get_data(as_text=True)
    rows = table(page)
    assert rows["extrinsic_motive"]["alpha"].endswith("(copied items)")
    assert not any(
        row["alpha"].endswith("(copied items)")
        for c, row in rows.items()
        if c != "extrinsic_motive"
    )
    (notice,) = re.findall(r'<p class="notice warning">(Items .*?)</p>', page)
    n = rows["extrinsic_motive"]["n"]
    assert notice == (
        f"Items em1, em2 and em3 were answered the same way in every one of these {n} "
        "responses: one answer copied into several columns (of an uploaded file, say), or one "
        "question asked 3 times. Alpha and omega count each copy as separate evidence, so both "
        "overstate how reliable the score is."
    )


def test_people_assessed_without_an_employee_id_are_said_to_be_unmatchable_to_uploaded_rows(
    app, hr
):
    """A full outcome file names people by HR's employee id; someone assessed here with only
    an email cannot be matched to their row, so the page says how many could count twice."""
    emails = [f"q{n}@example.com" for n in range(3)]
    _store_assessments(app, _synthetic_answers(3, seed=11), emails)
    hint = "3 people assessed here have no employee id on record, only an email"
    assert hint not in hr.get("/hr/quality").get_data(as_text=True)  # nothing uploaded
    _store_upload(app, _synthetic_answers(2, seed=12), employee_ids=["E-7", "E-8"])
    page = hr.get("/hr/quality").get_data(as_text=True)
    assert hint in page and "such a person counts twice" in page
    with app.app_context():
        for n, email in enumerate(emails):
            db.session.scalar(select(User).where(User.email == email)).employee_id = f"E-{n}"
        db.session.commit()
    assert "no employee id on record" not in hr.get("/hr/quality").get_data(as_text=True)


def _flagged(answers: list[dict]) -> list[bool]:
    """Whether each response has a response-quality flag, as the recommender scores it."""
    people = [
        Answers.from_json({"employee_id": f"p{n}", "answers": one, "context": CONTEXT}, PACK)
        for n, one in enumerate(answers)
    ]
    return score_many(PACK, people).flagged.tolist()


def test_each_construct_says_how_many_responses_skipped_an_item_and_were_left_out(app, hr):
    """Alpha and omega use only the responses that answered every item of the construct; the
    page says so, and per construct how many it used and how many it left out that way."""
    answers = _synthetic_answers(40, seed=11)  # the generator leaves some items unanswered
    _store_assessments(app, answers)
    page = hr.get("/hr/quality").get_data(as_text=True)
    kept = [one for one, flagged in zip(answers, _flagged(answers), strict=True) if not flagged]
    rows = table(page)
    skipped_somewhere = False
    for construct in CONSTRUCTS:
        items = [
            item.id
            for item in PACK.questionnaire.item_by_id.values()
            if item.kind == "likert" and item.construct == construct
        ]
        left_out = sum(any(item not in one for item in items) for one in kept)
        skipped_somewhere |= left_out > 0
        complete = len(kept) - left_out
        assert (rows[construct]["n"], rows[construct]["left_out"]) == (
            str(complete),
            str(left_out),
        ), construct
        said = (
            f"Alpha, omega and the item statistics from {complete} of the {len(kept)} "
            "responses without a quality flag"
        )
        assert said in page, construct
    assert skipped_somewhere  # or the test proves nothing
    assert "skipped at least one of its items and are left out of them" in page
    assert "computed only on the responses that answered every item of the construct" in page
    assert "items as answered" not in page
