"""The password asked before an account and everything in it are deleted."""

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired


class DeleteAccountForm(FlaskForm):
    """Deleting the account asks for the password."""

    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])
