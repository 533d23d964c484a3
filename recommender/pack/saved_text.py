"""How a spreadsheet saved a text file trackfit reads (a ladder, outcomes, an org chart): UTF-8,
which is read, or UTF-16 (Excel's "Unicode Text"), which is named as such, never read as UTF-8
(every other byte a NUL: each column name would be refused, and the cause never said); and its
records, each cell read whole, however long, for the reader to name a long one by its column."""

from __future__ import annotations

import codecs
import csv
import io
import threading
from typing import Any

UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
HEAD_BYTES = 64  # of the file's start: enough letters of a header's column names to tell


def saved_as_utf16(data: bytes) -> bool:
    """Saved as UTF-16: its byte order mark, or, written without one, a header of column
    names in the Latin alphabet, whose every other byte is a NUL (and only those)."""
    if data.startswith(UTF16_MARKS):
        return True
    head = data[: min(len(data), HEAD_BYTES) // 2 * 2]
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return (not odd.strip(b"\x00") and b"\x00" not in even) or (
        not even.strip(b"\x00") and b"\x00" not in odd
    )


_LIMIT = threading.Lock()


def csv_records(text: str, **dialect) -> Any:
    """The CSV records of a whole text, a cell as long as the text allows: the csv module's
    own limit (131,072 characters, for the whole process) stopped a record at a long cell
    without saying in which column, where each reader's own length check names it. The limit
    is only ever raised, to the longest text read so far (under a lock, so that two readers
    at once never lower it below what either needs); a file is in memory whole already. A
    csv reader: its records, and `line_num`."""
    with _LIMIT:
        if csv.field_size_limit() < len(text):
            csv.field_size_limit(len(text))
    return csv.reader(io.StringIO(text, newline=""), **dialect)


def named_width(header: list[str]) -> int:
    """How many of a header's cells there are up to its last name: the rest are the empty
    cells a spreadsheet leaves at the end of a line (a trailing comma)."""
    return next((len(header) - end for end, name in enumerate(reversed(header)) if name.strip()), 0)
