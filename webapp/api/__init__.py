"""JSON API v1 for HR systems: recommendations for answers, authenticated by API tokens."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from webapp.api import routes  # noqa: E402, F401
