"""The team page reads its reports, their shares and the decisions in force in a fixed number
of queries, however large the team: a manager of 300 ran 300 + one per shared assessment
(602 statements, 0.46 s in process) before."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.webapp import factories
from webapp.extensions import db


def _team_page_statements(app, client) -> tuple[int, str]:
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    client.get("/team/")  # warm: the session's last-seen write and caches
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = client.get("/team/")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert page.status_code == 200
    return len(statements), page.get_data(as_text=True)


def _grow_team(app, people, first: int, last: int):
    """Reports `first` to `last` - 1 join Mo's team, each sharing an assessment; every
    second one has a decision recorded."""
    for i in range(first, last):
        email = f"report{i}@example.com"
        factories.user(app, email, name=f"Report {i:02d}", manager="mo@example.com")
        assessment_id = factories.assessment(app, email, people[i % len(people)])
        factories.share(app, assessment_id)
        if i % 2:
            factories.decision(app, assessment_id)


@pytest.mark.usefixtures("team")
def test_the_team_page_runs_as_many_queries_for_2_reports_as_for_12(app, people, signed_in):
    _grow_team(app, people, 0, 2)
    mo = signed_in("mo@example.com")
    small, _ = _team_page_statements(app, mo)
    _grow_team(app, people, 2, 12)
    large, html = _team_page_statements(app, mo)
    assert large == small, f"{small} statements for 3 reports, {large} for 13"
    # the page still says the same things: every report, each share and its decision
    assert html.count("Assessment of") == 12
    assert html.count("Recorded, for ") == 6
    assert html.index("Report 00") < html.index("Report 11")
    assert "Nothing shared with you. <bdi>Ada</bdi>" in html
