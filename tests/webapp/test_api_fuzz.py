"""Fuzzing the API: Schemathesis against `/api/v1/openapi.json` on a live server, and
Hypothesis on the answers JSON reader ("parsed, or a named error, never another exception")."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from recommender.answer.answers import MAX_JSON_DEPTH, JsonRefused, read_json_document
from webapp.api.tokens import create_token

# What the fuzzer holds the API to: never a 5xx, every response as documented (status, media
# type, body). Not "every schema-valid body gets a 200": a level must belong to the track
# given, which JSON Schema cannot say, so such a body is a documented 400.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def live_api(app, make_user, serve):
    """The app served over HTTP, with an HR account's API token."""
    make_user("hr@example.com", "hr")
    with app.app_context():
        secret = create_token("fuzzer", "hr@example.com")[1]
    return serve(app), secret


@pytest.fixture
def api_schema(live_api):
    base, _ = live_api
    return schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_openapi_document(case, live_api):
    base, secret = live_api
    case.call_and_validate(
        base_url=f"{base}/api/v1",
        headers={"Authorization": f"Bearer {secret}"},
        checks=CHECKS,
    )


# JSON text with the awkward parts a client could send: big and long numbers, NaN and
# Infinity, escapes for lone surrogates, deep brackets, and random characters.
_pieces = st.sampled_from(
    [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        '"',
        '"employee_id"',
        '"answers"',
        '"la1"',
        "NaN",
        "-Infinity",
        "1e999",
        "-0",
        "9" * 40,
        "1" * 5000,
        "0." + "3" * 80,
        "\\ud800",
        '"\\udfff"',
        "null",
        "true",
        " ",
        "\n",
    ]
)
_json_like = st.one_of(
    st.lists(_pieces, max_size=40).map("".join),
    st.text(max_size=200),
    st.integers(min_value=1, max_value=2000).map(lambda n: "[" * n + "]" * n),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=5), children, max_size=3)
        ),
        max_leaves=20,
    ).map(lambda value: json.dumps(value, allow_nan=True)),
)


@settings(max_examples=200, deadline=None)
@given(text=_json_like)
def test_the_answers_json_reader_parses_or_names_the_problem(text):
    try:
        data = read_json_document(text)
    except JsonRefused as refused:
        assert str(refused)
        return
    # what it gives back can be written again as strict JSON and UTF-8, within the bounds
    json.dumps(data, allow_nan=False).encode("utf-8")
    assert _depth(data) <= MAX_JSON_DEPTH


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=300))
def test_the_answers_json_reader_takes_any_bytes(raw):
    try:
        read_json_document(raw)
    except JsonRefused as refused:
        assert str(refused)


def _depth(value, level: int = 0) -> int:
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level
