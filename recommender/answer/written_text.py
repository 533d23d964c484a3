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
