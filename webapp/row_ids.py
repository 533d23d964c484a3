"""Numbers in addresses: `<int:…>` in a route names a row (or a pack version), so it matches
only what a database integer column can hold. A longer or larger number matches no route and
is a 404, instead of an overflow in the database driver (PostgreSQL's `integer out of range`,
SQLite's `Python int too large`) or in `int()` itself (more than 4,300 digits)."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, ValidationError

LARGEST = 2**31 - 1  # PostgreSQL's INTEGER, the type of every id column
MOST_DIGITS = len(str(LARGEST))


class RowIdConverter(IntegerConverter):
    """`int` in routes, bounded to 0 … 2**31 - 1 and to ASCII digits."""

    regex = rf"[0-9]{{1,{MOST_DIGITS}}}"

    def __init__(self, url_map, fixed_digits: int = 0, min: int = 0, max: int = LARGEST):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max)

    def to_python(self, value: str) -> int:
        if len(value) > MOST_DIGITS:
            raise ValidationError
        return super().to_python(value)


def init_app(app) -> None:
    """Use the bounded converter for every `<int:…>`; call before any blueprint is registered."""
    app.url_map.converters["int"] = RowIdConverter
