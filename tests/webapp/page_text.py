"""A page as a person reads it: its words, without the markup around them."""

from __future__ import annotations

import re


def words_of(response) -> str:
    """A page's text, tags out and spaces joined, as a person reads it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))
