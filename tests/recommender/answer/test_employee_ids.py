"""Employee ids that look the same are the same id; ids with characters nobody can see are
refused by name."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recommender.answer.employee_ids import (
    EmployeeIdRefused,
    employee_id_key,
    read_employee_id,
)

NFC = "\u00e9004"  # é as one code point
NFD = "e\u0301004"  # e and a combining acute accent
FULL_WIDTH = "\uff45004"  # a full-width e


def test_ids_written_in_different_forms_are_read_as_one():
    assert NFC != NFD
    assert read_employee_id(NFD) == read_employee_id(NFC) == NFC
    assert read_employee_id(FULL_WIDTH) == "e004"
    assert read_employee_id("  E-17 ") == "E-17"
    assert employee_id_key("\u00c9004") == employee_id_key(NFD) == NFC


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        (NFC + "\u200b", "U+200B ZERO WIDTH SPACE, at character 5"),
        ("\u200b" + NFC, "U+200B ZERO WIDTH SPACE, at character 1"),
        ("a\u00a0b", "U+00A0 NO-BREAK SPACE, at character 2"),
        ("a\u3000b", "U+3000 IDEOGRAPHIC SPACE"),
        ("a\u200db", "U+200D ZERO WIDTH JOINER"),
        ("a\u202eb", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("a\x07b", "U+0007"),
        ("a\u2028b", "U+2028 LINE SEPARATOR"),
        ("a\ue000b", "U+E000"),
    ],
)
def test_invisible_characters_are_refused_by_name_and_place(raw, named):
    with pytest.raises(EmployeeIdRefused, match="invisible character") as refused:
        read_employee_id(raw)
    assert named in str(refused.value)


def test_an_id_longer_than_its_column_once_standard_is_refused():
    ligatures = "\ufdfa" * 4  # one character each, eighteen in NFKC
    with pytest.raises(EmployeeIdRefused, match="at most 64"):
        read_employee_id(ligatures, 64)


@given(st.text(max_size=30))
def test_an_id_read_is_standard_and_reads_as_itself(raw):
    try:
        employee_id = read_employee_id(raw)
    except EmployeeIdRefused:
        return
    assert employee_id == unicodedata.normalize("NFKC", employee_id)
    assert read_employee_id(employee_id) == employee_id
    assert employee_id_key(employee_id) == employee_id_key(raw)
