"""The password asked before an account and everything in it are deleted."""

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired

from webapp.accounts.forms import MAX_PASSWORD
from webapp.column_text import FitsColumn


class DeleteAccountForm(FlaskForm):
    """Deleting the account asks for the password."""

    password = PasswordField(
        "Your password",
        validators=[FitsColumn(length=MAX_PASSWORD), DataRequired("Enter your password.")],
    )
