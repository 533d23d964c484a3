"""Finding rows by part of a name, email or id, whatever its case, the same on SQLite as on
PostgreSQL: SQLite's own `lower()` changes only A to Z, so "élodie" would not find "Élodie".

Both sides of the comparison are lowered by the database, one character at a time as
PostgreSQL does (a Python `str.lower()` of the typed text would disagree with it: "İ" becomes
two characters there, a final "Σ" becomes "ς"), and both are in Unicode's composed form (NFC),
so "José" typed with a combining accent finds the "José" stored without one. On PostgreSQL
`lower()` follows the database's character type: it must be a UTF-8 locale (`initdb
--locale=C.UTF-8`, or en_US.UTF-8), or only A to Z change case.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import ColumnElement, String, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from webapp.extensions import db

# Not SQLite's `lower`: an index on lower(employee_id) was built with the built-in one.
SQLITE_FUNCTION = "trackfit_lower"
ESCAPE = "\\"


class lowered(FunctionElement):  # noqa: N801 (a SQL function, named as SQL names them)
    """Text in lower case, every alphabet's letters included, in composed form (NFC)."""

    type = String()
    inherit_cache = True
    name = "lowered"


@compiles(lowered)
def _lower(element, compiler, **kw) -> str:
    return f"normalize(lower({compiler.process(element.clauses, **kw)}), NFC)"


@compiles(lowered, "sqlite")
def _lower_on_sqlite(element, compiler, **kw) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


def lower_as_postgresql(text: str | None) -> str | None:
    """`text` as `lowered` gives it on PostgreSQL: each character lowered on its own (to one
    character: "İ" to "i"), then composed."""
    if text is None:
        return None
    return unicodedata.normalize(
        "NFC", "".join(character.lower()[:1] or character for character in str(text))
    )


# Letters Unicode does not write as a plain letter and an accent, as a plain keyboard types
# them (Łukasz as lukasz, Øystein as oystein, Đặng as dang, a dotless i as i), and the other
# apostrophes as the plain one (a curly one in O'Brien).
PLAIN_LETTERS = str.maketrans(
    {
        "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d",
        "ı": "i", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Þ": "TH", "þ": "th",
        "Ħ": "H", "ħ": "h", "Ŧ": "T", "ŧ": "t", "ƒ": "f",
        "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'",
    }
)  # fmt: skip


def folded(text: str) -> str:
    """Text as a search for people compares it: without accents (é as e, ñ as n, Ø as o, Ł as
    l), case folded (ß as ss, every sigma alike), full-width letters and digits as plain ones,
    any apostrophe as the plain one."""
    decomposed = unicodedata.normalize("NFKD", text.translate(PLAIN_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def found_in(typed: str, key, *searched, among=None) -> list:
    """`key` of every row (`among` them, a condition, when given) whose `searched` columns hold
    the text typed, `folded` alike: compared in Python, one way on every database, where SQL has
    no accent folding common to SQLite and PostgreSQL (a company's people are thousands of short
    rows, read in a few milliseconds)."""
    wanted = folded(typed.strip())
    rows = select(key, *searched)
    if among is not None:
        rows = rows.where(among)
    return [
        found
        for found, *texts in db.session.execute(rows)
        if any(text and wanted in folded(text) for text in texts)
    ]


def teach_sqlite(connection) -> None:
    """Give a new SQLite connection the function `lowered` compiles to there."""
    connection.create_function(SQLITE_FUNCTION, 1, lower_as_postgresql, deterministic=True)


def containing(column, typed: str) -> ColumnElement[bool]:
    """The rows whose `column` holds the text typed (trimmed), whatever the case or the
    composition of either; `%`, `_` and `\\` typed are themselves, not LIKE wildcards."""
    text = unicodedata.normalize("NFC", typed.strip())
    for special in (ESCAPE, "%", "_"):
        text = text.replace(special, ESCAPE + special)
    return lowered(column).like(
        literal("%") + lowered(literal(text, String())) + literal("%"), escape=ESCAPE
    )
