"""When promoting a version needs a written justification, for every door that promotes (HR's
pages and `trackfit models promote` alike): the comparison judged it worse than the active
version, its chances rank people no better than a coin flip, its fairness report flags a
group, or its chances run high or low for a group (calibration by group); and whether a
justification says why (it holds no character nobody sees: `hidden_character`, which every
written text is checked by). Plain Python, light enough for a web page to read."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from recommender.answer.written_text import (
    COUNTS_AS_TWO,
    UNSPACED,
    counted_length,
    hidden_character,
)
from recommender.learn.fairness_wording import (
    CALIBRATION_UNREADABLE,
    calibration_flagged,
    calibration_readable,
    calibration_report,
    flagged_groups,
    flags_maybe_chance,
)

MIN_JUSTIFICATION = 30  # characters: a reason, not "ok"
MAX_JUSTIFICATION = 4000  # characters: kept in the audit log and the registry's history
MIN_WORDS = 4  # different words: a reason, not thirty "a"s
# Rows of the keyboards people type on (QWERTY, QWERTZ, AZERTY): three or more neighbouring
# keys of one row, either way, are keys run along ("asdf", "lkj"), not a word of any language.
KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "yxcvbnm", "azertyuiop")
KEY_ROWS += ("qsdfghjklm", "wxcvbn")
KEY_RUN = 3
# what makes a syllable in Latin letters once accents are set aside: the vowels, and r and l
# as Czech, Slovak and Croatian write them ("smrt", "vlk", "prst")
VOWELS = frozenset("aeiouyrl")
NO_VOWEL_RUN = 4  # Latin letters: "gfdsxcvb" (shorter ones may be abbreviations: "HR")
# One hand or two mashing along one row ("jfkdlsa", "fjdkslajf"): a word of one keyboard
# row's letters with this many consonants in a row (no word of one row has: "flask", "Alaska",
# "typewriter", "property")
ONE_ROW_CONSONANTS = 4
# text people leave to be filled in: phrases (in lower case, accents set aside, whole words)
# and markers written in capitals ("TODO"; in lower case "todo" is Spanish for "all")
PLACEHOLDERS = (
    "lorem ipsum",
    "placeholder reason",
    "placeholder text",
    "enter reason",
    "enter a reason",
    "reason here",
    "to be completed",
    "to be written",
    "fill in later",
)
PLACEHOLDER_MARKERS = re.compile(r"\b(TODO|TBD|FIXME)\b")
MASH_SHOWN, MASH_LENGTH = 3, 12  # keys typed at random quoted in the refusal, and how much


def justification_reasons(manifest: dict[str, Any]) -> list[str]:
    """Why promoting the version of this manifest needs a written justification, one reason
    each; empty when it needs none."""
    reasons = []
    judged = (manifest.get("comparison") or {}).get("verdict")
    if judged and judged.get("worse"):
        reasons.append(f"the comparison judged it worse (“{judged['summary']}”)")
    if judged and judged.get("at_chance"):
        reasons.append(
            "its chances on a track rank people no better than a coin flip"
            + ("" if judged.get("worse") else f" (“{judged['summary']}”)")
        )
    flagged = flagged_groups(manifest.get("fairness"))
    if flagged:
        chance = flags_maybe_chance(manifest.get("fairness"))
        reasons.append(
            f"the fairness report flags {flagged} group{'' if flagged == 1 else 's'}"
            + (f" ({chance}; a flag is to be explained, not waved away)" if chance else "")
        )
    calibration = calibration_report(manifest)
    if calibration is not None and not calibration_readable(calibration):
        reasons.append(f"its calibration by group {CALIBRATION_UNREADABLE}")
    elif off := calibration_flagged(calibration):
        reasons.append(
            f"its chances run high or low for {off} group{'' if off == 1 else 's'} "
            "(calibration by group)"
        )
    return reasons


def not_a_reason(justification: str | None, called: str = "a justification") -> str | None:
    """Why a justification is no written reason (a character nobody sees, `hidden_character`;
    under MIN_JUSTIFICATION characters once trimmed, over MAX_JUSTIFICATION, or fewer than
    MIN_WORDS different words), or None when it is one; `called` names the text in the
    message ("a reason" for a rollback's)."""
    hidden = hidden_character(justification)
    if hidden:
        return hidden
    text = (justification or "").strip()
    typed, unspaced = _words(text)
    mash = [word for word in dict.fromkeys(typed) if not_a_word(word)]
    # a letter of a script written without spaces says about as much as a short word: half a
    # word each, and twice a letter's length (a Japanese reason of 24 letters is one)
    letters = 0 if _repeated_run(unspaced) else len(set(unspaced))
    words = len({word.casefold() for word in typed if word not in mash}) + letters // 2
    if counted_length(text) < MIN_JUSTIFICATION:
        counted = COUNTS_AS_TWO if unspaced else ""
        return (
            f"it is {len(text)} character{'' if len(text) == 1 else 's'}; {called} is "
            f"at least {MIN_JUSTIFICATION}{counted}"
        )
    if len(text) > MAX_JUSTIFICATION:
        return (
            f"it is {len(text):,} characters; {called} is at most {MAX_JUSTIFICATION:,} "
            "(it is kept with the move in the history)"
        )
    folded = f" {_folded(' '.join(typed))} "
    marker = PLACEHOLDER_MARKERS.search(text)
    placeholder = marker.group(1) if marker else None
    placeholder = placeholder or next((p for p in PLACEHOLDERS if f" {p} " in folded), None)
    if placeholder:
        return f"it is placeholder text ('{placeholder}'), not a reason"
    if words < MIN_WORDS or len(mash) > words:
        shown = ", ".join(
            f"'{word[:MASH_LENGTH]}…'" if len(word) > MASH_LENGTH else f"'{word}'"
            for word in mash[:MASH_SHOWN]
        )
        more = f" and {len(mash) - MASH_SHOWN} more" if len(mash) > MASH_SHOWN else ""
        keys = (
            f"{shown}{more} {'reads' if len(mash) == 1 else 'read'} as keys typed at random, "
            "not words; "
            if mash
            else ""
        )
        return (
            f"{keys}it has {words} different word{'' if words == 1 else 's'}"
            + (" and more keys typed at random than words" if words >= MIN_WORDS else "")
            + f"; {called} is {'a reason in' if called == 'a justification' else 'written in'} "
            f"at least {MIN_WORDS} different words"
        )
    return None


def not_a_word(word: str) -> bool:
    """Whether a run of letters is keys typed at random rather than a word: one letter or a
    few letters over and over ("aaaa", "asdfasdf"), neighbouring keys of a keyboard row
    ("asdf", "lkj"), four Latin letters or more without a syllable ("xcvb"), or letters of one
    row with four consonants in a row ("jfkdlsa"), unless written in capitals, as an
    abbreviation is ("HTML"). Words of other scripts are words."""
    folded = word.casefold()
    if len(set(folded)) == 1 and len(folded) > 2:
        return True
    for unit in range(2, len(folded) // 2 + 1):
        times, rest = divmod(len(folded), unit)
        # "hahaha", "asdfasdf"; not "papa", "tartar", "bonbon" (a syllable said twice)
        if not rest and folded == folded[:unit] * times and (times > 2 or _key_run(folded[:unit])):
            return True
    # abbreviations are written in capitals, their plurals with an s: "DSA", "HTML", "PDFs"
    if word.isupper() or (word[:-1].isupper() and word[-1] == "s"):
        return False
    if _key_run(folded):
        return True
    latin = _folded(folded)
    if latin.isascii() and len(latin) >= NO_VOWEL_RUN and not VOWELS & set(latin):
        return True
    return _one_row_mash(latin)


def _one_row_mash(letters: str) -> bool:
    """Letters all of one keyboard row with ONE_ROW_CONSONANTS consonants in a row."""
    if not any(set(letters) <= set(row) for row in KEY_ROWS):
        return False
    return re.search(f"[^aeiouy]{{{ONE_ROW_CONSONANTS},}}", letters) is not None


def _key_run(letters: str) -> bool:
    """Three or more neighbouring keys of one keyboard row, either way."""
    return len(letters) >= KEY_RUN and any(
        letters in row or letters in row[::-1] for row in KEY_ROWS
    )


def _folded(text: str) -> str:
    """Text in lower case without its accents: "Lorém" reads "lorem"."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    )


def _words(text: str) -> tuple[list[str], str]:
    """The words of a text (runs of two letters or more, a letter's marks included, as Hindi
    writes its vowels), and the letters of scripts written without spaces, apart."""
    words, unspaced, word = [], [], []
    for character in text + " ":
        if UNSPACED.match(character):  # a letter alone, which ends a word beside it ("HRチーム")
            unspaced.append(character)
        elif unicodedata.category(character)[0] in "LM" and character.isprintable():
            word.append(character)
            continue
        if len(word) >= 2 and unicodedata.category(word[0])[0] == "L":
            words.append("".join(word))
        word = []
    return words, "".join(unspaced)


def _repeated_run(letters: str) -> bool:
    """Whether letters of an unspaced script are a few over and over ("哈哈哈哈嘿嘿嘿嘿")."""
    return len(letters) >= 8 and len(set(letters)) * 4 <= len(letters)


def needs_justification(reasons: list[str], justification: str | None) -> str:
    """The refusal's words both doors share: "needs a written justification, because A, B and
    C", then why the justification given, if any, is none (`not_a_reason`)."""
    because = reasons[0] if len(reasons) == 1 else f"{', '.join(reasons[:-1])} and {reasons[-1]}"
    why_not = not_a_reason(justification) if (justification or "").strip() else None
    given = f"; the one given is no reason: {why_not}" if why_not else ""
    return f"needs a written justification, because {because}{given}"


def unjustified(manifest: dict[str, Any], justification: str | None) -> list[str]:
    """The reasons promoting this version needs a written justification when `justification`
    is not one (`not_a_reason`); empty when none is needed, or the one given will do."""
    if not_a_reason(justification) is None:
        return []
    return justification_reasons(manifest)
