"""A confirmation form: a button and its CSRF token, for actions that need no other input
(share, revoke, agree, delete, roll back)."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A bare confirmation: the button, and the CSRF token."""
