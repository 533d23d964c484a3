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
    invisible_character,
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


@pytest.mark.parametrize(
    "spelt",
    [
        "\u0645\u06cc\u200c\u062f\u0647\u0645",  # Persian: a non-joiner between letters
        "\u0915\u094d\u200d\u0937",  # Hindi: क्‍ष, a joiner after a virama, before a letter
        "\u0d05\u0d35\u0d28\u0d4d\u200d",  # Malayalam: അവന്‍ ends in a chillu (virama + joiner)
        "\u0d05\u0d35\u0d28\u0d4d\u200d Nair",
        "\u0915\u094d\u200c\u0937",  # Hindi: an explicit virama kept by a non-joiner
        "\u0915\u094d\u200c",  # and at the end of a word (UAX #31 A2)
        "\u0dc1\u0dca\u200d\u0dbb\u0dd3",  # Sinhala: ශ්‍රී
    ],
)
def test_a_joiner_that_is_part_of_a_words_spelling_is_no_hidden_character(spelt):
    assert invisible_character(spelt, spelling=True) is None
    assert invisible_character(spelt) is not None  # an id is never spelt with one


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("Ada\u200d", 4),  # after a Latin letter, at the end: joins nothing
        ("\u200dAda", 1),
        ("A\u200c\u200cda", 2),  # two in a row: the first joins no letter
        ("Ada \u200d Lovelace", 5),
        ("\u0915\u094d\u200d1", 3),  # after a virama, before a digit
        ("An\u200dna", 3),  # between Latin letters: invisible, changes nothing
        ("An\u200cna", 3),
    ],
)
def test_a_joiner_outside_a_word_is_still_named(text, at):
    assert f"at character {at}" in invisible_character(text, spelling=True)


@pytest.mark.parametrize(
    "pictured",
    [
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England
        "\U0001f9d1\u200d\U0001f4bb",  # a technologist
        "\U0001f3f4\u200d\u2620\ufe0f",  # the pirate flag
        "\U0001f408\u200d\u2b1b",  # a black cat
        "\u2764\ufe0f\u200d\U0001f525",  # a heart on fire
        "\U0001f64b\u200d\u2640\ufe0f",  # a woman raising her hand
    ],
)
def test_an_emoji_drawn_from_several_is_no_hidden_character_in_a_name(pictured):
    assert invisible_character(f"Ada {pictured}", spelling=True, emoji=True) is None
    assert invisible_character(f"Ada {pictured}") is not None  # nor in an id


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Ada \U0001f3f4\U000e0041\U000e0042\U000e0043\U000e007f", "U+E0041"),  # "ABC" in tags
        ("Ada \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067", "U+E0067"),  # no end
        ("Ada \U0001f3f4\U000e0067\U000e007f", "U+E0067"),  # too short for a region
        ("Ada \u00a9\u200d\u00ae", "U+200D"),  # no joiner draws these as one
        ("Ada \u2500\u200d\u2502", "U+200D"),  # nor box drawing
    ],
)
def test_text_hidden_in_tags_or_joiners_that_draw_nothing_is_named(text, named):
    assert named in invisible_character(text, spelling=True, emoji=True)
    assert named in invisible_character(text, prose=True)
