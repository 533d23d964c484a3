"""Cells trackfit writes into CSV files that people open in a spreadsheet (the audit log, a
person's own data, the people behind a verdict): text a spreadsheet would run as a formula
(CSV injection) is written with a leading quote."""

from __future__ import annotations

# A spreadsheet runs a cell starting with these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(cell: object) -> str:
    """The cell as text, with a leading quote when a spreadsheet would read it as a formula."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
