"""The framework for everyone: both ladders, each level's expectations, what changes between
levels, and (for a person with a finished assessment) their own ratings against a level."""

from flask import Blueprint

bp = Blueprint("framework", __name__, url_prefix="/framework")

from webapp.framework import routes  # noqa: E402, F401
