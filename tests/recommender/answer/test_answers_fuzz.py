"""The answers reader under Hypothesis: any line is parsed into answers, or refused as
AnswersInvalid naming the line; never another exception."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.answer.answers import Answers, read_answers_jsonl
from recommender.errors import AnswersInvalid
from recommender.pack.loading import load_pack

PACK = load_pack()
ITEMS = sorted(PACK.questionnaire.item_by_id)
CONTEXT = sorted(PACK.questionnaire.context_items)
SECTIONS = [section.id for section in PACK.questionnaire.sections]

# values as a client could send them, as JSON text: the hostile ones written out by hand
_value_text = st.one_of(
    st.integers(min_value=-10, max_value=10).map(str),
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(
        ["NaN", "Infinity", "-Infinity", "1e999", "9" * 400, "-" + "9" * 5000, "1." + "1" * 300]
    ),
    st.sampled_from(['"3"', '"\\ud800"', "null", "true", "[]", "{}", "[" * 40 + "]" * 40]),
    st.text(max_size=8).map(json.dumps),
)


def _object(keys, values) -> st.SearchStrategy[str]:
    pairs = st.lists(st.tuples(keys, values), max_size=6)
    return pairs.map(lambda kv: "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in kv) + "}")


_line = st.builds(
    lambda employee_id, answers, context, timings, extra: (
        "{"
        + ", ".join(
            part
            for part in (
                f'"employee_id": {employee_id}',
                f'"answers": {answers}',
                f'"context": {context}',
                f'"timings": {timings}',
                extra,
            )
            if part
        )
        + "}"
    ),
    employee_id=st.one_of(_value_text, st.sampled_from(['"ada"', '" "', '"\\udfff"'])),
    answers=st.one_of(
        _object(st.sampled_from(ITEMS) | st.text(max_size=4), _value_text), _value_text
    ),
    context=st.one_of(
        _object(
            st.sampled_from(CONTEXT),
            _value_text | st.sampled_from(['"ic"', '"manager"', '"L3"', '"M2"']),
        ),
        _value_text,
    ),
    timings=_object(st.sampled_from(SECTIONS) | st.text(max_size=3), _value_text),
    extra=st.sampled_from(["", '"surprise": 1']),
)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(_line | st.text(max_size=30), min_size=1, max_size=3))
def test_any_answers_line_is_read_or_named(lines):
    try:
        people = list(read_answers_jsonl(lines, PACK, "fuzz"))
    except AnswersInvalid as refused:
        assert refused.problems
        assert all(str(problem).startswith("fuzz:") for problem in refused.problems)
        return
    for person in people:
        assert isinstance(person, Answers)
        json.dumps(person.to_json(), allow_nan=False).encode("utf-8")


@settings(max_examples=100, deadline=None)
@given(
    value=st.one_of(
        st.integers(min_value=-(10**400), max_value=10**400),
        st.floats(),
        st.text(max_size=5),
        st.none(),
    )
)
def test_any_decoded_value_where_a_number_belongs_is_read_or_named(value):
    # what a web form or stored JSON gives Answers.from_json directly, past any decoder
    person = {
        "employee_id": "ada",
        "answers": {"la1": value},
        "context": {"years_experience": value},
        "timings": {SECTIONS[0]: value},
    }
    try:
        Answers.from_json(person, PACK)
    except AnswersInvalid as refused:
        assert refused.problems


_ITEM = {item.id: item for item in PACK.questionnaire.scored_items}
_CONTEXT_ITEMS = PACK.questionnaire.context_items


@st.composite
def passing_objects(draw) -> dict:
    """Answers objects of every shape a client may send that pass the check: whole numbers as
    integers or floats, nulls, numbers and options in context, timings."""
    answers = {}
    for item_id in draw(st.lists(st.sampled_from(sorted(_ITEM)), max_size=12, unique=True)):
        item = _ITEM[item_id]
        point = draw(st.integers(int(item.min), int(item.max)))
        answers[item_id] = draw(st.sampled_from([point, float(point), None]))
    context = {}
    for key in draw(st.lists(st.sampled_from(CONTEXT), max_size=4, unique=True)):
        item = _CONTEXT_ITEMS[key]
        if item.options:
            context[key] = draw(st.sampled_from([option.value for option in item.options]))
        else:
            number = draw(st.integers(int(item.min), int(item.max)))
            context[key] = draw(st.sampled_from([number, float(number), number + 0.5, None]))
    timings = {
        section: draw(st.floats(0, 1e6) | st.integers(0, 10**6))
        for section in draw(st.lists(st.sampled_from(SECTIONS), max_size=2, unique=True))
    }
    person = {"employee_id": draw(st.sampled_from(["ada", " ada ", "E-7"]))}
    for key, value in (("answers", answers), ("context", context), ("timings", timings)):
        person[key] = draw(st.sampled_from([value, value or None]))
    return person


@settings(max_examples=300, deadline=None)
@given(person=passing_objects())
def test_an_object_read_again_after_its_check_is_exactly_what_the_check_made(person):
    """The batch's second reading skips the check; it must make the very same answers (an
    integer kept an integer, a float a float, nulls dropped, the id trimmed)."""
    try:
        checked = Answers.from_json(person, PACK)
    except AnswersInvalid:  # e.g. more years at the level than in all: not a passing object
        return
    again = Answers.checked_before(json.loads(json.dumps(person)))
    assert repr(again) == repr(checked)
    assert json.dumps(again.to_json()) == json.dumps(checked.to_json())
