"""A written justification for promoting a version is a reason in words, in any language; keys
typed at random, padding and placeholder text are refused, saying why; so is a character nobody
sees (a direction override), named with its place."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recommender.answer.written_text import MIN_WORDS, not_a_word
from recommender.learn import justification
from recommender.learn.fairness_wording import (
    flagged_groups,
    flagged_groups_said,
    flags_maybe_chance,
)
from recommender.learn.justification import (
    hidden_character,
    justification_reasons,
    not_a_reason,
)

REASONS = [
    "The gap follows experience; reviewed with the works council on 2 December.",
    "Promote anyway: the comparison rests on too few people to judge either version.",
    "We need the HTML export and the HTTP API for the KPI reports this quarter.",
    # French, German, Czech (words without a vowel: "smrt", "prst"), Polish
    "Ça reste la meilleure option pour l'équipe, malgré l'écart mesuré.",
    "Die Abweichung folgt der Erfahrung; mit dem Betriebsrat besprochen.",
    "Nový model je lepší pro naši firmu; prst na tepu, ne smrt starého.",
    "Różnica wynika z doświadczenia; omówione z radą pracowników.",
    # scripts written without spaces between words
    "新しいモデルは小さなデータでも十分に良いと判断しました。理由は予算です。",
    "โมเดลใหม่ดีกว่าเดิมสำหรับทีมของเราและเราตรวจสอบแล้ว",
    "Разница объясняется опытом; согласовано с советом трудового коллектива.",
    # Hindi writes its vowels as marks on letters; Japanese in 24 letters; Latin beside kana
    "समिति ने पूरी जाँच के बाद मंजूरी दी है।",
    "人事部と法務部が確認し、役員会で承認されました。",
    "HRチームとDSAレビューで確認済み、v2 を採用します。",
    "הפער נובע מניסיון; נבדק עם ועד העובדים בדצמבר.",
    # "todo" is Spanish for "all"; words of one keyboard row are words ("flask", "typewriter")
    "Todo el equipo revisó el modelo y lo aprobó en diciembre.",
    "Alaska's flask and glass halls: a typewriter property, shall we say.",
]


@pytest.mark.parametrize("reason", REASONS)
def test_a_reason_in_words_is_one_in_any_language(reason):
    assert not_a_reason(reason) is None


@pytest.mark.parametrize(
    ("given", "why"),
    [
        (
            "asdf qwer zxcv hjkl asdfgh uiop",
            "'asdf', 'qwer', 'zxcv' and 3 more read as keys typed at random, not words; "
            "it has 0 different words; a justification is a reason in at least 4 different words",
        ),
        (
            "asdfasdf jkljkl qwerqwer zxzxzx",
            "'asdfasdf', 'jkljkl', 'qwerqwer' and 1 more read as keys typed at random",
        ),
        ("a" * 40, "'aaaaaaaaaaaa…' reads as keys typed at random, not words; it has 0 different"),
        (
            "lkjh poiu mnbv dfgh xcvb ok the end",
            "and 2 more read as keys typed at random, not words; it has 3 different words",
        ),
        (
            "asdf hjkl qwer zxcv dfgh just four real words",
            "it has 4 different words and more keys typed at random than words",
        ),
        ("Lorem ipsum dolor sit amet, consectetur.", "it is placeholder text ('lorem ipsum')"),
        ("reason " * 6, "it has 1 different word; a justification is a reason in at least 4"),
        (
            "ああああああああああああああああああああああああああああああ",
            "it has 0 different words",
        ),
        (
            "哈哈哈哈哈哈哈哈嘿嘿嘿嘿嘿嘿嘿嘿呵呵呵呵呵呵呵呵嘻嘻嘻嘻嘻嘻嘻",
            "it has 0 different words",
        ),
        ("Lorém ipsum dolor sit amet, consectetur", "it is placeholder text ('lorem ipsum')"),
        ("   ok   ", "it is 2 characters; a justification is at least 30"),
        (
            "jfkdsl jfkdlsa fjdkslajf kdlsajfkdl sajfkdlsa",
            "'jfkdsl', 'jfkdlsa', 'fjdkslajf' and 2 more read as keys typed at random",
        ),
        ("TODO: write the reason here before we roll back", "placeholder text ('TODO')"),
        ("Reason for rollback: [enter reason here] xxx yyy", "placeholder text ('enter reason')"),
        ("Rolling back: placeholder reason, to be completed", "('placeholder reason')"),
        ("Rolling back now; the rest is to be completed later", "('to be completed')"),
    ],
    ids=[
        "keyboard-rows",
        "repeated-runs",
        "one-letter",
        "mostly-keys",
        "more-keys-than-words",
        "lorem-ipsum",
        "one-word",
        "one-kana",
        "repeated-han",
        "accented-lorem",
        "too-short",
        "home-row-mash",
        "todo",
        "enter-reason",
        "placeholder-reason",
        "to-be-completed",
    ],
)
def test_no_reason_says_why(given, why):
    assert why in not_a_reason(given)


@pytest.mark.parametrize(
    "word",
    [
        "asdf",
        "lkjh",
        "qwerty",
        "ytrewq",
        "azerty",
        "hjkl",
        "gfdsxcvb",
        "ababab",
        "zzz",
        "hahaha",
        "asdfasdf",
        "jfkdlsa",
        "fjdkslajf",
        "poiuytrwq",
    ],
)
def test_keys_typed_at_random_are_not_words(word):
    assert not_a_word(word) and not_a_word(word.capitalize())


@pytest.mark.parametrize(
    "word",
    [
        *("HTML", "HTTP", "KPI", "HR", "DSA", "WER", "PDFs", "SDKs", "were", "type", "power"),
        *("rhythm", "smrt", "zz", "理由", "papa", "tartar", "bonbon", "abab"),
        *("tre", "poi", "wer", "rez", "Tre"),  # Italian, German, French
    ],
)
def test_words_and_abbreviations_are_words(word):
    assert not not_a_word(word)


WORDS = st.sampled_from(
    [w for reason in REASONS[:7] for w in reason.replace(";", " ").split() if len(w) > 3]
)


@given(st.lists(WORDS, min_size=MIN_WORDS, max_size=30, unique=True))
def test_any_sentence_of_real_words_is_a_reason(words):
    text = " ".join(words).ljust(30, ".")
    assert not_a_reason(text) is None


KEYS = st.sampled_from(["asdf", "qwer", "zxcv", "hjkl", "uiop", "lkjh", "poiu", "xcvb", "dfgh"])


@given(st.lists(KEYS, min_size=8, max_size=30), st.sampled_from([" ", "  ", ", ", "\n"]))
def test_any_run_of_keys_is_no_reason(keys, separator):
    assert "keys typed at random" in not_a_reason(separator.join(keys).ljust(30, "."))


REASON = "The comparison rests on too few people; reviewed with the works council."


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("\u202e" + REASON, "U+202E RIGHT-TO-LEFT OVERRIDE, at character 1"),
        (REASON[:4] + "\u200b" + REASON[4:], "U+200B ZERO WIDTH SPACE, at character 5"),
        (REASON + "\u2066", "U+2066 LEFT-TO-RIGHT ISOLATE, at character 73"),
        ("  \ufeff" + REASON, "U+FEFF ZERO WIDTH NO-BREAK SPACE, at character 1"),
        ("The com\u200dparison" + REASON[14:], "U+200D ZERO WIDTH JOINER, at character 8"),
    ],
)
def test_a_character_nobody_sees_is_refused_by_name_and_place(typed, named):
    said = f"it holds an invisible character, {named}; remove it and try again"
    assert hidden_character(typed) == said
    assert not_a_reason(typed) == said and not_a_reason(typed, called="a reason") == said


def test_line_breaks_spaces_and_a_joiner_that_spells_a_word_are_kept():
    persian = "این مدل برای تیم ما بهتر است؛ کمیته آن را بررسی کرد و می‌دانیم چرا."
    for written in (f"{REASON}\n\nSecond\tparagraph.", REASON.replace(" ", "\u00a0"), persian):
        assert hidden_character(written) is None and not_a_reason(written) is None


@pytest.mark.parametrize(
    "emoji",
    [
        "\U0001f469\u200d\U0001f4bb",  # a woman technologist
        "\U0001f469\U0001f3fd\u200d\U0001f4bb",  # with a skin tone
        "\U0001f3f3\ufe0f\u200d\U0001f308",  # the rainbow flag, with a variation selector
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England
    ],
)
def test_a_joiner_that_draws_two_emoji_as_one_is_kept_and_one_between_letters_is_not(emoji):
    assert hidden_character(f"{REASON} {emoji}") is None
    # the same joiner between letters, or at either end of an emoji, draws nothing
    for hiding in ("team\u200dlead", "\U0001f469\u200d", "\u200d\U0001f4bb"):
        assert "U+200D ZERO WIDTH JOINER" in hidden_character(f"{REASON} {hiding}")
    # tags spell a flag only after the black flag: elsewhere they hide text
    assert "U+E0067 TAG LATIN SMALL LETTER G" in hidden_character(f"{REASON} a\U000e0067")


# format characters but the joiners, and control characters but tab and line breaks (those
# Python takes for white space would be trimmed at either end: not hidden there)
FORMAT = st.characters(categories=["Cf", "Cc"], exclude_characters="\u200c\u200d\t\n\r").filter(
    lambda character: not character.isspace()
)
NOT_FORMAT = st.text(
    st.characters(exclude_categories=["Cf", "Cs", "Cc"], include_characters="\t\n\r"),
    max_size=200,
)


@given(NOT_FORMAT, st.integers(min_value=0), FORMAT)
def test_any_text_holding_a_format_character_is_refused_naming_it(text, at, hidden):
    """Any format character (Unicode category Cf) but a joiner, and any control character but
    a tab or a line break (an escape, a backspace), wherever it is, is refused, named with its
    place. (A joiner is allowed where it spells a word: the test above.)"""
    text = text.strip()
    at = at % (len(text) + 1)
    said = not_a_reason(text[:at] + hidden + text[at:])
    assert said.startswith(f"it holds an invisible character, U+{ord(hidden):04X} ")
    assert said.endswith(f", at character {at + 1}; remove it and try again")


@given(NOT_FORMAT)
def test_text_without_a_format_character_is_judged_as_before(text):
    """Without a format or control character, the verdict is the one given with the check
    switched off."""
    assert hidden_character(text) is None
    said = not_a_reason(text)
    with mock.patch.object(justification, "hidden_character", return_value=None):
        assert not_a_reason(text) == said


def test_a_group_flagged_on_both_outcomes_is_one_group_to_justify():
    flags = [
        {"attribute": "age_band", "outcome": outcome, "group": "50+", "impact_ratio": 0.5}
        for outcome in ("manager_recommended", "target_above_current")
    ]
    flags.append({"attribute": "gender", "outcome": "manager_recommended", "group": "x"})
    manifest = {"fairness": {"flagged": flags}}
    assert justification_reasons(manifest) == ["the fairness report flags 2 groups"]
    assert flagged_groups(manifest["fairness"]) == 2
    assert flagged_groups_said(manifest["fairness"]) == (
        "2 flagged groups (3 flags: a group may be flagged on each outcome)"
    )
    assert flagged_groups_said({"flagged": flags[:1]}) == "1 flagged group"
    assert flagged_groups(None) == 0


def test_the_flags_that_could_be_chance_are_said_beside_the_count():
    """A ratio under four fifths whose adjusted p is not small may be chance among few people:
    the headline, the models list and the justification say so, not only the tables' rows."""
    flags = [
        {"attribute": "gender", "outcome": "manager_recommended", "group": g, "p_adjusted": p}
        for g, p in (("a", 0.001), ("b", 0.13), ("c", 0.29))
    ]
    assert flagged_groups_said({"flagged": flags}) == "3 flagged groups"
    assert flags_maybe_chance({"flagged": flags}) == (
        "2 of the 3 flags could be chance among these people (adjusted p 0.05 or more)"
    )
    assert flags_maybe_chance({"flagged": flags[1:]}).startswith("both flags could be chance")
    assert flags_maybe_chance({"flagged": flags[2:]}).startswith("the flag could be chance")
    assert flags_maybe_chance({"flagged": flags[:1]}) == ""
    (reason,) = justification_reasons({"fairness": {"flagged": flags}})
    assert reason.startswith("the fairness report flags 3 groups (2 of the 3 flags could be")
