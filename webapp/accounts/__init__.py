"""Accounts: register, log in and out, change password."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/account")

from webapp.accounts import routes  # noqa: E402, F401  (routes attach themselves to bp)
