"""Every route with a number in its address, asked for with numbers no database column holds
(too large for PostgreSQL's integer, negative, zero-padded), by every role, on SQLite and on
PostgreSQL: a 404, a 405 or the login page, never a 500."""

from __future__ import annotations

import re

import pytest

ROLES = {
    "hr": "hr@example.com",
    "manager": "mo@example.com",
    "employee": "ada@example.com",
}
HOSTILE_NUMBERS = ("99999999999999999999", "2147483648", "9" * 400, "00000000000000000001")
NUMBER = re.compile(r"<int:\w+>")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


def numbered_routes(app) -> list[tuple[str, str]]:
    """(method, rule) for every route whose address holds a number."""
    return sorted(
        (method, str(rule))
        for rule in app.url_map.iter_rules()
        if NUMBER.search(str(rule))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


@pytest.mark.parametrize("role", ROLES)
def test_numbers_too_large_for_any_row_are_not_found(app, team, signed_in, role):
    client = signed_in(ROLES[role])
    routes = numbered_routes(app)
    assert len(routes) >= 15
    answered = {}
    for method, rule in routes:
        for number in HOSTILE_NUMBERS:
            url = NUMBER.sub(number, rule)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.client.open(url, method=method, data={})
            answered[(method, url[:60])] = response.status_code
    assert all(status < 500 for status in answered.values()), answered
    assert {status for status in answered.values()} <= {302, 400, 403, 404, 405, 422}


@pytest.mark.parametrize("secret", ["9" * 400, "\x00", "a:b:c", "é" * 300])
def test_the_api_answers_a_malformed_token_with_401(app, secret):
    response = app.test_client().post(
        "/api/v1/recommendations", json={}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 401
