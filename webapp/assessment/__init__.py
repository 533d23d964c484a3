"""The self-assessment: one section of the pack per page, saved as you go."""

from flask import Blueprint

bp = Blueprint("assessment", __name__, url_prefix="/assessment")

from webapp.assessment import routes  # noqa: E402, F401
