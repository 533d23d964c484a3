"""How a spreadsheet saved a text file trackfit reads (a ladder, outcomes, an org chart): UTF-8,
which is read, or UTF-16 (Excel's "Unicode Text"), which is named as such, never read as UTF-8
(every other byte a NUL: each column name would be refused, and the cause never said)."""

from __future__ import annotations

import codecs

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
