"""Sharing: an employee shares a finished assessment with their manager, revokes it, and sees
what came of the 1:1 (notes shared with them and the decision recorded)."""

from flask import Blueprint

bp = Blueprint("sharing", __name__, url_prefix="/results")

from webapp.sharing import routes  # noqa: E402, F401
