"""Your data: export everything trackfit keeps about you, and delete it."""

from flask import Blueprint

bp = Blueprint("your_data", __name__, url_prefix="/my-data")

from webapp.your_data import routes  # noqa: E402, F401
