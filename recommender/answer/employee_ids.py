"""Employee ids, as HR's systems write them and as trackfit compares them.

An id that looks the same is the same id: `é004` typed on one keyboard (one code point) and
pasted from another system (`e` and a combining accent), or written with a full-width `e`
(U+FF45), is one person. Every id read (org chart, HR's person form, outcome files) goes
through `read_employee_id`: trimmed and brought to Unicode NFKC, the form that writes each of
these one way. Characters that cannot be seen (control and format characters such as a
zero-width space, spaces other than the plain one, line breaks) are refused by name rather than
kept: two ids differing only by one would look identical on every page and report.
"""

from __future__ import annotations

import unicodedata

# Unicode categories refused in an id: control, format (zero-width and direction marks),
# surrogate, private use, unassigned; line and paragraph separators.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
FORMAT = "Cf"  # zero-width characters and direction marks: what free text may not hold
PROSE_CONTROLS = "\t\n\r"  # the control characters free text may hold (an escape or a
# backspace would hide text from someone reading the history in a terminal)
FORM = "NFKC"
# Control characters have no Unicode name of their own: the ones people meet, as they know them
CONTROL_NAMES = {
    "\n": "LINE FEED (a line break)",
    "\r": "CARRIAGE RETURN (a line break)",
    "\t": "CHARACTER TABULATION (a tab)",
    "\x0b": "LINE TABULATION",
    "\x0c": "FORM FEED (a page break)",
}


class EmployeeIdRefused(ValueError):
    """An id with a character nobody can see; the message names it and where it is."""


def _invisible(character: str, prose: bool = False) -> bool:
    category = unicodedata.category(character)
    if prose:  # line breaks, tabs and spaces of every width are seen for what they are
        return category == FORMAT or (category == "Cc" and character not in PROSE_CONTROLS)
    return category in INVISIBLE_CATEGORIES or (category == "Zs" and character != " ")


JOINERS = "\u200c\u200d"  # zero-width non-joiner and joiner: part of how some scripts spell
ZERO_WIDTH_NON_JOINER = "\u200c"
JOINING_SCRIPT = "AL"  # the bidirectional class of Arabic-script letters, which join
VIRAMA = 9  # the canonical combining class of a virama (Devanagari ्, Malayalam ്, ...)


def _joins_a_word(text: str, index: int) -> bool:
    """Whether the joiner at `index` is part of a word's spelling, as Unicode's identifier rules
    (UAX #31, A1, A2 and B) allow it: either joiner after a virama (Hindi "क्‍ष", Malayalam's
    chillu "ന്‍" at the end of a word), never before a digit; a zero-width non-joiner also
    between two letters of a script whose letters join (Persian "می‌دهم"). A joiner between
    Latin letters is invisible and changes nothing: refused."""
    before = index - 1
    while before >= 0 and unicodedata.category(text[before])[0] == "M":
        before -= 1
    if before < 0 or not text[before].isalpha():
        return False
    following = text[index + 1] if index + 1 < len(text) else ""
    if unicodedata.combining(text[index - 1]) == VIRAMA:
        return not (following and unicodedata.category(following) == "Nd")
    return (
        text[index] == ZERO_WIDTH_NON_JOINER
        and unicodedata.bidirectional(text[before]) == JOINING_SCRIPT
        and bool(following)
        and unicodedata.category(following)[0] in "LM"
    )


def _joins_an_emoji(text: str, index: int) -> bool:
    """Whether the zero-width joiner at `index` draws two pictures as one (Unicode's emoji ZWJ
    sequences: 👩, the joiner and 💻 draw a woman technologist), a symbol (So) on either side;
    before the joiner, a variation selector (U+FE0F) or a skin tone (U+1F3FB to U+1F3FF) may
    follow the symbol."""
    if text[index] != "\u200d" or index + 1 >= len(text):
        return False
    before = index - 1
    while before >= 0 and (
        text[before] == "\ufe0f" or "\U0001f3fb" <= text[before] <= "\U0001f3ff"
    ):
        before -= 1
    return before >= 0 and _pictured(text[before]) and _pictured(text[index + 1])


def _pictured(character: str) -> bool:
    """A symbol of the blocks emoji are drawn from: pictographs (U+1F000 on), the
    miscellaneous symbols and dingbats (U+2600 to U+27BF: the heart, the female sign, the
    skull of 🏴‍☠️) and the arrows and shapes of U+2B00 to U+2BFF (the square of 🐈‍⬛); not ©,
    nor box drawing, which no joiner draws as one picture."""
    code = ord(character)
    emoji_block = code >= 0x1F000 or 0x2600 <= code <= 0x27BF or 0x2B00 <= code <= 0x2BFF
    return emoji_block and unicodedata.category(character) == "So"


def _tags_a_flag(text: str, index: int) -> bool:
    """Whether the character at `index` is a tag (U+E0020 to U+E007F) of a subdivision flag:
    the black flag U+1F3F4, then tags spelling the region (England's is gbeng, then
    U+E007F, the cancel tag), drawn as one flag."""
    if not "\U000e0020" <= text[index] <= "\U000e007f":
        return False
    start = index
    while start > 0 and _spells_a_region(text[start - 1]):
        start -= 1
    end = index if text[index] == "\U000e007f" else index + 1
    while end < len(text) and _spells_a_region(text[end]):
        end += 1
    return (
        start > 0
        and text[start - 1] == "\U0001f3f4"
        and REGION_TAGS[0] <= end - start <= REGION_TAGS[1]
        and end < len(text)
        and text[end] == "\U000e007f"
        and (index < end or text[index] == "\U000e007f")
    )


# a subdivision's code in tags, as Unicode writes it ("gbeng", "gbsct", "usca"): 3 to 6
# lowercase letters and digits, which no other text hides in a name
REGION_TAGS = (3, 6)


def _spells_a_region(character: str) -> bool:
    """A tag letter a to z or digit 0 to 9 (U+E0061 to U+E007A, U+E0030 to U+E0039)."""
    return "\U000e0061" <= character <= "\U000e007a" or "\U000e0030" <= character <= "\U000e0039"


def invisible_character(
    text: str, *, spelling: bool = False, prose: bool = False, emoji: bool = False
) -> str | None:
    """The first character of a text nobody can see, named with its place ("an invisible
    character, U+202E RIGHT-TO-LEFT OVERRIDE, at character 1"), or None. Group labels are
    checked with it too: two that look alike would be two groups, and a direction mark shows
    a label backwards. With `spelling`, a joiner that is part of a word is allowed: Persian
    writes "می‌دهم" with a zero-width non-joiner, Hindi "क्‍ष" and Malayalam "ന്‍" with a
    zero-width joiner after a virama (never in an id: it would look like one without). With
    `prose` (a reason written in sentences), only format characters (Unicode category Cf:
    zero-width characters, direction marks and overrides) and control characters other than
    tab and line breaks are refused: line breaks, tabs and spaces of every width are seen for
    what they are; and a zero-width joiner between two emoji, which draws them as one, and
    the tags of a subdivision flag (England's, Scotland's) are kept. With `emoji` (a
    person's name), those joiners and tags of emoji are kept too, and nothing else prose
    allows."""
    for position, character in enumerate(text, start=1):
        if spelling and character in JOINERS and _joins_a_word(text, position - 1):
            continue
        if (prose or emoji) and (
            _joins_an_emoji(text, position - 1) or _tags_a_flag(text, position - 1)
        ):
            continue
        if _invisible(character, prose):
            name = unicodedata.name(character, "") or CONTROL_NAMES.get(
                character, "(a control character)"
            )
            return f"an invisible character, U+{ord(character):04X} {name}, at character {position}"
    return None


def employee_id_problem(raw: str) -> str | None:
    """Why an id (trimmed or not) is refused, or None when it is not."""
    text = raw.strip()
    found = invisible_character(text)
    if found:
        return f"{text!r} has {found}; remove it (ids that look the same are the same id)"
    return None


def read_employee_id(raw: str, longest: int | None = None) -> str:
    """An id as typed or read from a file: trimmed and in NFKC form; EmployeeIdRefused when
    it holds a character that cannot be seen, or when its NFKC form is longer than `longest`
    (a few characters, such as ligatures, are written with several)."""
    text = raw.strip()
    if text.isascii() and text.isprintable():  # most ids: already standard, nothing hidden
        employee_id = text
    else:
        problem = employee_id_problem(text)
        if problem:
            raise EmployeeIdRefused(problem)
        employee_id = unicodedata.normalize(FORM, text).strip()
    if longest is not None and len(employee_id) > longest:
        raise EmployeeIdRefused(
            f"is {len(employee_id):,} characters long once written in its standard form "
            f"(Unicode NFKC); at most {longest}"
        )
    return employee_id


def employee_id_key(employee_id: str) -> str:
    """What two ids are compared by: their NFKC form, whatever their case. Lenient (it never
    refuses), so that ids stored before ids were read this way still match the same id
    written another way."""
    text = employee_id.strip()
    return (text if text.isascii() else unicodedata.normalize(FORM, text).strip()).lower()


def repeated_employee_id(written: str, first_line: int, first_written: str) -> str:
    """The problem of an id seen before on `first_line`, each quoted as its cell writes it:
    where the first was written otherwise (in another case, or in another form of the same
    letters: full-width, or with a combining accent), that too, and why it is the same id."""
    if written == first_written:
        return f"'{written}' already appeared on line {first_line}"
    why = (
        "ids are the same whatever their case"
        if written.lower() == first_written.lower()
        else "ids that look the same are the same id"
    )
    return f"'{written}' already appeared on line {first_line} as '{first_written}' ({why})"
