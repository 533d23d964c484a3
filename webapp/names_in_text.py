"""People's names inside sentences, isolated from the text around them (`<bdi>`): a name in a
right-to-left script (Arabic, Hebrew) would otherwise take the punctuation and numbers beside
it into its own direction, so "(أحمد, سارة)" would read with the names swapped, and "أحمد: 3"
with the number moved. Text people wrote (a decision's reason, a manager's notes) is isolated
the same way: a direction override stored in it, from before such characters were refused,
turns that text around and not trackfit's own words after it ("Recorded 5 December 2026.").
For text the page shows, not for a page title or an attribute."""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup, escape


def isolated(name: object) -> Markup:
    """The name (or written text), escaped, in its own bidirectional run."""
    return Markup(f"<bdi>{escape(name)}</bdi>")


def register(app: Flask) -> None:
    """Make `isolated` a template filter: `{{ user.name|isolated }}`."""
    app.add_template_filter(isolated)
