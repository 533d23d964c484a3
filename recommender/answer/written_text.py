"""Text people write in sentences for others to read (a justification, a reason, a note):
whether it holds a character nobody sees, and which letters belong to scripts written without
spaces between words; and text that would pass for other text, mixing alphabets whose letters
look alike (an email, a group's label). Every door that takes such text asks here, the web's
1:1 forms through the answering door as HR's pages and the command line do."""

from __future__ import annotations

import re
import unicodedata

from recommender.answer.employee_ids import invisible_character

# alphabets whose letters pass for one another (Cyrillic a, U+0430, for Latin a; Greek omicron)
LOOKALIKE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")

# Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Burmese):
# there each letter counts as a word, so that a reason in them is not taken for one long word.
UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
)
# what a length's message adds when such letters counted twice
COUNTS_AS_TWO = " (a letter of Chinese, Japanese or Thai counts as two)"
MIN_WORDS = 4  # different words: a reason, not thirty "a"s (`not_written`)
# Rows of the keyboards people type on (QWERTY, QWERTZ, AZERTY): four or more neighbouring
# keys of one row, either way, are keys run along ("asdf", "lkjh"), not a word of any
# language; three are words in some ("tre" and "poi" in Italian, "wer" in German, "rez" in
# French)
KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "yxcvbnm", "azertyuiop")
KEY_ROWS += ("qsdfghjklm", "wxcvbn")
KEY_RUN = 4
# A Hangul syllable is written as one character, and Korean puts spaces between its words:
# one syllable alone is a word (잘, 좀, 더)
HANGUL_SYLLABLES = re.compile("[\uac00-\ud7a3]")
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


def hidden_character(written: str | None) -> str | None:
    """Why written text cannot be kept as written, or None: it holds a character nobody sees
    (a direction override, a zero-width space: any format character, or a control character
    but a tab or a line break), named with its place in the trimmed text. The pages, the
    audit log, the CSV and the history would show readers other text than the one checked
    (an override turns what follows it backwards). A joiner that is part of a word's spelling
    (Persian, Hindi) or draws two emoji as one is kept, as in a person's name. Every door that
    moves a pointer with a written reason asks this, whether or not the move needs one, and so
    do a decision's reason and a manager's notes."""
    found = invisible_character((written or "").strip(), spelling=True, prose=True)
    return f"it holds {found}; remove it and try again" if found else None


def lookalike_scripts(text: str) -> list[str]:
    """The alphabets of LOOKALIKE_SCRIPTS whose letters `text` mixes, in that order and as
    read ("Latin", "Cyrillic"); empty when it keeps to one of them."""
    if text.isascii():
        return []
    scripts = {unicodedata.name(c, "").split(" ")[0] for c in text if c.isalpha()}
    mixed = [script.title() for script in LOOKALIKE_SCRIPTS if script in scripts]
    return mixed if len(mixed) > 1 else []


def counted_length(text: str) -> int:
    """A text's length as a minimum is judged: a letter of a script written without spaces
    says about as much as a short word, so it counts as two (a Japanese reason of 15 letters
    is as long as an English one of 30)."""
    return len(text) + len(UNSPACED.findall(text))


def not_written(text: str, called: str = "a justification", fewest: int = MIN_WORDS) -> str | None:
    """Why a text long enough to be a reason is still none: placeholder text ('TODO', 'lorem
    ipsum'), fewer than `fewest` different words, or more keys typed at random than words;
    or None. A letter of a script written without spaces says about as much as a short word:
    half a word each."""
    typed, unspaced = words_of(text)
    mash = [word for word in dict.fromkeys(typed) if not_a_word(word)]
    letters = 0 if _repeated_run(unspaced) else len(set(unspaced))
    words = len({word.casefold() for word in typed if word not in mash}) + letters // 2
    folded = f" {_folded(' '.join(typed))} "
    marker = PLACEHOLDER_MARKERS.search(text)
    placeholder = marker.group(1) if marker else None
    placeholder = placeholder or next((p for p in PLACEHOLDERS if f" {p} " in folded), None)
    if placeholder:
        return f"it is placeholder text ('{placeholder}'), not a reason"
    if words < fewest or len(mash) > words:
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
            + (" and more keys typed at random than words" if words >= fewest else "")
            + f"; {called} is {'a reason in' if called == 'a justification' else 'written in'} "
            f"at least {fewest} different words"
        )
    return None


def not_a_word(word: str) -> bool:
    """Whether a run of letters is keys typed at random rather than a word: one letter or a
    few letters over and over ("aaaa", "asdfasdf"), neighbouring keys of a keyboard row
    ("asdf", "lkjh"), four Latin letters or more without a syllable ("xcvb"), or letters of one
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
    """KEY_RUN (four) or more neighbouring keys of one keyboard row, either way."""
    return len(letters) >= KEY_RUN and any(
        letters in row or letters in row[::-1] for row in KEY_ROWS
    )


def _folded(text: str) -> str:
    """Text in lower case without its accents: "Lorém" reads "lorem"."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    )


def words_of(text: str) -> tuple[list[str], str]:
    """The words of a text (runs of two letters or more, a letter's marks included, as Hindi
    writes its vowels, or a Hangul syllable alone), and the letters of scripts written
    without spaces, apart."""
    words, unspaced, word = [], [], []
    for character in text + " ":
        if UNSPACED.match(character):  # a letter alone, which ends a word beside it ("HRチーム")
            unspaced.append(character)
        elif unicodedata.category(character)[0] in "LM" and character.isprintable():
            word.append(character)
            continue
        whole = len(word) >= 2 or (word and HANGUL_SYLLABLES.match(word[0]))
        if whole and unicodedata.category(word[0])[0] == "L":
            words.append("".join(word))
        word = []
    return words, "".join(unspaced)


def _repeated_run(letters: str) -> bool:
    """Whether letters of an unspaced script are a few over and over ("哈哈哈哈嘿嘿嘿嘿")."""
    return len(letters) >= 8 and len(set(letters)) * 4 <= len(letters)
