"""Finding rows by part of a name, email or id, whatever its case, the same on SQLite as on
PostgreSQL: SQLite's own `lower()` changes only A to Z, so "élodie" would not find "Élodie"."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

# Not SQLite's `lower`: an index on lower(employee_id) was built with the built-in one.
SQLITE_FUNCTION = "trackfit_lower"


class lowered(FunctionElement):  # noqa: N801 (a SQL function, named as SQL names them)
    """A text column in lower case, every alphabet's letters included."""

    type = String()
    inherit_cache = True
    name = "lowered"


@compiles(lowered)
def _lower(element, compiler, **kw) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(lowered, "sqlite")
def _lower_on_sqlite(element, compiler, **kw) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


def teach_sqlite(connection) -> None:
    """Give a new SQLite connection the function `lowered` compiles to there."""
    connection.create_function(
        SQLITE_FUNCTION,
        1,
        lambda text: None if text is None else str(text).lower(),
        deterministic=True,
    )


def containing(column, typed: str) -> ColumnElement[bool]:
    """The rows whose `column` holds the text typed, whatever the case of either (`%`, `_` and
    `\\` typed are themselves, not LIKE wildcards)."""
    return lowered(column).contains(typed.strip().lower(), autoescape=True)
