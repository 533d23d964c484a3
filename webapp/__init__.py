"""trackfit's web app: accounts, the self-assessment, results, your data and the JSON API.

The app is built in `webapp.app`; `create_app` here loads it only when it is called, so that
`trackfit`'s recommender commands (`webapp.cli`) start without Flask and the database layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment; `config` (tests, commands) overrides it."""
    from webapp.app import create_app as build  # noqa: PLC0415 - Flask loads only here

    return build(config)
