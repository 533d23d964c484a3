"""The name of a file HR uploaded, as the pages and the audit log show it: the name the
browser sent, on one line, with each character nobody sees written as its code point. A
direction override in "\u202egnp.csv" would show it as "vsc.png", and a zero-width space makes
two names that look alike; HR reads what was sent, "[U+202E]gnp.csv"."""

from __future__ import annotations

import re
import unicodedata

MAX_FILE_NAME = 200
LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def shown_file_name(sent: str | None, default: str = "") -> str:
    """`sent` (or `default` when the browser sent none) as the pages and audit log keep it:
    control characters and line breaks as one space, format characters (category Cf: direction
    marks and overrides, zero-width characters) as "[U+XXXX]", at most MAX_FILE_NAME long."""
    one_line = LINE_BREAKS.sub(" ", sent or "").strip() or default
    shown, length = [], 0
    for character in one_line:
        part = f"[U+{ord(character):04X}]" if unicodedata.category(character) == "Cf" else character
        if length + len(part) > MAX_FILE_NAME:  # never half a code point's name
            break
        shown.append(part)
        length += len(part)
    return "".join(shown)
