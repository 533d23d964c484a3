"""Results: the recommendation, why, the levels and gaps, and the history of assessments."""

from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/results")

from webapp.results import history, routes  # noqa: E402, F401
