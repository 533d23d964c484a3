"""Confirmations before anything is deleted."""

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired

from webapp.confirmation import ConfirmForm

__all__ = ["ConfirmForm", "DeleteAccountForm"]


class DeleteAccountForm(FlaskForm):
    """Deleting the account asks for the password."""

    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])
