"""HR's people list at a company's size: found by name, email or id, by role, discipline and
account, a page at a time, the filters kept from page to page."""

from __future__ import annotations

import random
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.webapp import factories
from webapp.accounts.models import NO_PASSWORD, User
from webapp.accounts.name_order import name_key
from webapp.extensions import db
from webapp.hr.people import routes
from webapp.text_search import folded

NAMES = ["Élodie Martin", "Ödön Kovács", "Ada Lovelace", "Bob Stone", "Ana María", "İlkay Şahin"]


def shown(response) -> list[str]:
    """The names in the people table, in order."""
    return re.findall(
        r'<th scope="row"><a href="/hr/people/\d+[^"]*"><bdi>([^<]*)</bdi></a>', response.text
    )


def every_page(client, query: str) -> list[str]:
    """The names on every page of the list the filters select, page after page."""
    names, page = [], 1
    while True:
        response = client.get(f"/hr/people?{query}&page={page}")
        assert response.status_code == 200, response.text[:2000]
        names += shown(response)
        if 'rel="next"' not in response.text:
            return names
        assert f"page={page + 1}" in response.text
        page += 1


@pytest.fixture
def company(app, make_user, signed_in):
    """HR, and 30 people: accented names, employee ids, three roles, two disciplines, some
    accounts not activated yet."""
    make_user("hr@example.com", "hr", "Hana")
    chooser = random.Random(7)
    with app.app_context():
        for number in range(30):
            name = f"{NAMES[number % len(NAMES)]} {number:02d}"
            person = User(
                email=f"person{number:02d}@example.com",
                name=name,
                role=chooser.choice(["employee", "employee", "manager", "hr"]),
                discipline=chooser.choice([None, "engineering", "data-science", "gone-pack"]),
                employee_id=f"E-{number:03d}" if number % 3 else None,
            )
            person.set_password(None)  # an account HR made, not activated yet
            if number % 4:
                person.password_hash = factories.password_hash()
            db.session.add(person)
        greek = User(email="sofia@example.com", name="ΟΔΟΣ Σοφία", role="employee")
        greek.set_password(None)
        greek.password_hash = factories.password_hash()
        db.session.add(greek)
        db.session.commit()
    return signed_in("hr@example.com")


def test_a_long_list_is_shown_a_page_at_a_time_with_its_count(company, monkeypatch):
    monkeypatch.setattr(routes, "PER_PAGE", 10)
    first = company.get("/hr/people")
    assert first.status_code == 200
    assert len(shown(first)) == 10
    assert "People 1–10 of 32, page 1 of 4." in first.text
    last = company.get("/hr/people?page=4")
    assert len(shown(last)) == 2
    assert "People 31–32 of 32, page 4 of 4." in last.text
    # a page past the end shows the last; anything else shows the first
    assert shown(company.get("/hr/people?page=99")) == shown(last)
    assert shown(company.get("/hr/people?page=x")) == shown(first)
    assert len(set(every_page(company, ""))) == 32
    monkeypatch.setattr(routes, "PER_PAGE", 31)  # a last page of one
    assert "Person 32 of 32, page 2 of 2." in company.get("/hr/people?page=2").text


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_name_is_found_whatever_the_case_in_any_alphabet(company, backend):
    assert shown(company.get("/hr/people?text=élodie")) == [
        f"Élodie Martin {n:02d}" for n in (0, 6, 12, 18, 24)
    ]
    assert shown(company.get("/hr/people?text=ÖDÖN+KOVÁCS+13")) == ["Ödön Kovács 13"]
    # by part of the email or of the employee id
    assert shown(company.get("/hr/people?text=PERSON07@")) == ["Ödön Kovács 07"]
    # as PostgreSQL lowers them, one letter at a time: a dotted capital I is "i", and a
    # sigma is the same small letter wherever it is in a word
    ilkay = [f"İlkay Şahin {n:02d}" for n in (5, 11, 17, 23, 29)]
    assert shown(company.get("/hr/people?text=İlkay")) == ilkay
    assert shown(company.get("/hr/people?text=ilkay+ŞAHİN")) == ilkay
    assert shown(company.get("/hr/people?text=ΟΔΟΣ")) == ["ΟΔΟΣ Σοφία"]
    assert shown(company.get("/hr/people?text=οδοσ+σοφ")) == ["ΟΔΟΣ Σοφία"]
    # an accent typed as a letter and a combining mark finds it stored as one character
    assert shown(company.get("/hr/people?text=" + quote("mari\u0301a"))) == [
        f"Ana María {n:02d}" for n in (4, 10, 16, 22, 28)
    ]
    # and whatever the accents, as HR types on a plain keyboard
    assert shown(company.get("/hr/people?text=ELODIE")) == shown(
        company.get("/hr/people?text=élodie")
    )
    assert shown(company.get("/hr/people?text=odon+kovacs+13")) == ["Ödön Kovács 13"]
    assert shown(company.get("/hr/people?text=" + quote("ｅ－０２"))) == shown(
        company.get("/hr/people?text=e-02")
    )
    assert sorted(shown(company.get("/hr/people?text=e-02"))) == sorted(
        f"{NAMES[number % len(NAMES)]} {number:02d}" for number in (20, 22, 23, 25, 26, 28, 29)
    )


ALPHABETICAL = [
    "Ada Berg",
    "ægir Dahl",
    "Élodie Brun",
    "Elodie Caron",
    "Lars Holm",
    "Łukasz Nowak",
    "Lwazi Dube",
    "Obi Eze",
    "Ørsted Juul",
    "Oscar Wilde",
    "Trần Văn An",
    "Zoë Baker",
    "Νίκος Παππάς",
    "Иван Петров",
    "张伟",
]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_people_are_listed_in_alphabetical_order_whatever_their_alphabet(
    app, make_user, signed_in, backend
):
    make_user("hr@example.com", "hr", "Hana")
    with app.app_context():
        hana = User.by_email("hr@example.com")
        shuffled = random.Random(3).sample(ALPHABETICAL, len(ALPHABETICAL))
        for number, name in enumerate(shuffled):
            person = User(email=f"p{number}@example.com", name=name, manager_id=hana.id)
            person.set_password(None)
            db.session.add(person)
        db.session.commit()
    hr = signed_in("hr@example.com")
    listed = shown(hr.get("/hr/people"))
    assert [name for name in listed if name != "Hana"] == ALPHABETICAL
    # and her team's page lists her direct reports in the same order
    assert re.findall(r"<h2><bdi>([^<]*)</bdi></h2>", hr.get("/team/").text) == ALPHABETICAL


def test_a_printed_list_says_what_it_was_filtered_by(company):
    page = company.get("/hr/people?role=manager&account=invited&text=ana").text
    assert (
        '<p class="print-only">Filtered by Name, email or employee id: ana; Role: Manager; '
        "Account: Not activated yet.</p>" in page
    )
    nobody = company.get("/hr/people?text=zzzz").text
    assert "Nobody matches these filters." in nobody and "0 people" not in nobody


def test_like_wildcards_typed_are_plain_characters(company):
    assert shown(company.get("/hr/people?text=%25")) == []
    assert shown(company.get("/hr/people?text=person_1")) == []
    assert "Nobody matches these filters." in company.get("/hr/people?text=%25").text


def test_the_filters_are_kept_in_the_page_links(company, monkeypatch):
    monkeypatch.setattr(routes, "PER_PAGE", 2)
    page = company.get("/hr/people?role=employee&text=a")
    assert 'href="/hr/people?page=2&amp;text=a&amp;role=employee"' in page.text
    assert "matching the filters" in page.text


def test_a_filter_of_spaces_is_no_filter(company):
    everyone = shown(company.get("/hr/people"))
    for query in ("role=%20", "discipline=%20", "account=%20", "text=%20%20"):
        response = company.get(f"/hr/people?{query}")
        assert response.status_code == 200
        assert shown(response) == everyone
        assert "matching the filters" not in response.text


def test_a_refused_filter_is_not_counted_or_kept_in_the_page_links(company, monkeypatch):
    monkeypatch.setattr(routes, "PER_PAGE", 5)
    response = company.get("/hr/people?text=" + "a" * 255)
    assert response.status_code == 400
    assert "People 1–5 of 32, page 1 of 7." in response.text  # not "matching the filters"
    assert 'href="/hr/people?page=2"' in response.text


def test_a_filter_that_is_not_a_choice_is_named_and_the_rest_apply(company):
    response = company.get("/hr/people?role=admin&account=invited")
    assert response.status_code == 400
    assert "The filters were not applied" in response.text
    assert "Role — Choose one of the roles listed." in response.text
    names = shown(response)
    assert names and all(
        name.endswith(("00", "04", "08", "12", "16", "20", "24", "28")) for name in names
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    filters=st.fixed_dictionaries(
        {
            "text": st.sampled_from(
                ["", "a", "É", "ödön", "0", "E-0", "@EXAMPLE", "ş", " ana ", "İ", "i", "Σ", "  "]
            ),
            "role": st.sampled_from(["", "employee", "manager", "hr"]),
            "discipline": st.sampled_from(["", "engineering", "data-science", "product-design"]),
            "account": st.sampled_from(["", "active", "invited"]),
        }
    ),
    per_page=st.integers(1, 40),
)
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_page_together_is_exactly_the_people_the_filters_select(
    app, company, monkeypatch, backend, *, filters, per_page
):
    monkeypatch.setattr(routes, "PER_PAGE", per_page)
    text, role, discipline, account = (
        filters[name] for name in ("text", "role", "discipline", "account")
    )
    with app.app_context():
        everyone = sorted(
            db.session.scalars(select(User).order_by(User.id)),
            key=lambda person: name_key(person.name),
        )
        installed = {"engineering", "data-science", "product-design"}
        typed = folded(text.strip())

        def selected(person: User) -> bool:
            own = person.discipline if person.discipline in installed else "engineering"
            holds = [person.name, person.email, person.employee_id or ""]
            return (
                (not typed or any(typed in folded(field) for field in holds))
                and (not role or person.role == role)
                and (not discipline or own == discipline)
                and (not account or (account == "invited") == (person.password_hash == NO_PASSWORD))
            )

        expected = [person.name for person in everyone if selected(person)]
    query = urlencode({"text": text, "role": role, "discipline": discipline, "account": account})
    assert every_page(company, query) == expected


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("Łukasz Żółkiewski", "lukasz zolkiewski"),
        ("Øystein Ødegård", "oystein odegard"),
        ("Đặng Thị Lan", "dang thi"),
        ("Yılmaz Iğdır", "yilmaz igdir"),
        ("Siobhán O’Brien", "o'brien"),
        ("Æbbe Ærø", "aebbe"),
    ],
)
def test_letters_a_plain_keyboard_has_no_key_for_are_found_as_it_types_them(
    app, make_user, signed_in, name, typed
):
    make_user("hr@example.com", "hr", "Hana")
    with app.app_context():
        person = User(email="p@example.com", name=name)
        person.set_password(None)
        db.session.add(person)
        db.session.commit()
    assert shown(signed_in("hr@example.com").get(f"/hr/people?text={quote(typed)}")) == [name]


def test_a_team_page_calls_people_by_their_whole_name_isolated_from_the_text_around_it(
    app, make_user, signed_in
):
    """A first word is a family name in Vietnamese or Japanese, and "عبد" alone is no name."""
    make_user("mo@example.com", "manager", "Mo")
    names = ["Nguyễn Văn An", "山田 太郎", "عبد الرحمن الشريف", "שרה כץ"]
    for number, name in enumerate(names):
        make_user(f"p{number}@example.com", name=name, manager="mo@example.com")
    page = signed_in("mo@example.com").get("/team/").text
    for name in names:
        assert f"<bdi>{name}</bdi> can share an assessment" in page
