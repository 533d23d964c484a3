"""How a spreadsheet saved a text file trackfit reads (a ladder, outcomes, an org chart): UTF-8,
which is read, or UTF-16 (Excel's "Unicode Text"), which is named as such, never read as UTF-8
(every other byte a NUL: each column name would be refused, and the cause never said); and its
records, each cell read whole, however long, for the reader to name a long one by its column."""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
from typing import Any

from recommender.errors import Problem, quoted

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


# How to save a spreadsheet so that its file reads, said after a file that does not.
SAVE_AS = "(in Excel: Save As, 'CSV UTF-8 (Comma delimited)') and upload it again"
LINE_ENDS = re.compile(r"\r\n|\r|\n")


UNDECODED = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, as Python keeps it


def undecodable_records(name: str, raw_bytes: bytes) -> tuple[str, list[Problem]]:
    """A file that is not all UTF-8: its text, each byte that is not shown as U+FFFD (so that
    the rest of the file is still checked), and a problem for every record holding one, named
    by the line it begins on, its column and what comes before the byte in the cell. Records
    are read as the table is (any line end, quoted cells over several lines)."""
    bom = len(codecs.BOM_UTF8) if raw_bytes.startswith(codecs.BOM_UTF8) else 0
    text = raw_bytes[bom:].decode("utf-8", errors="surrogateescape")
    reader = csv_records(text, strict=True)
    header: list[str] | None = None
    problems: list[Problem] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            continue  # not CSV: the table's own reading names the record
        if header is None and any(cell.strip() for cell in row):
            header = row
        found = next(((k, c) for k, c in enumerate(row) if UNDECODED.search(c)), None)
        if found is None:
            continue
        position, cell = found
        named = header[position].strip() if row is not header and position < len(header) else ""
        column = (
            ""
            if len(row) < 2
            else f": {named}"
            if named and not UNDECODED.search(named)
            else f": column {position + 1}"
        )
        byte = UNDECODED.search(cell)
        before = cell[: byte.start()].strip()[-20:]
        where = f"after {quoted(before)}" if before else "at the start of the cell"
        problems.append(_not_utf8(f"{name}:{start}{column}", byte.group(), where, problems))
    if not problems:  # every byte that is not UTF-8 lies in a record that is not CSV either
        byte = UNDECODED.search(text)
        line = len(LINE_ENDS.findall(text[: byte.start()])) + 1
        problems.append(_not_utf8(f"{name}:{line}", byte.group(), "", problems))
    return UNDECODED.sub("\ufffd", text), problems


def _not_utf8(where: str, byte: str, said: str, before: list[Problem]) -> Problem:
    """A byte that is not UTF-8 as a problem of the file (listed before its rows', so with no
    line to order by); the first says how to save the file."""
    return Problem(
        where,
        f"is not UTF-8 text (byte 0x{ord(byte) - 0xDC00:02X}{' ' + said if said else ''})"
        + ("" if before else f": save the file as UTF-8 {SAVE_AS}"),
    )
