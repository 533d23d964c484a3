"""A page as a person reads it: its words, without the markup around them."""

from __future__ import annotations

import re


def words_of(response) -> str:
    """A page's text, tags out (a line break read as a space) and spaces joined, as a person
    reads it."""
    text = re.sub(r"<br\s*/?>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text))
