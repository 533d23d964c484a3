"""The account forms: what a person types to join, sign in or change a password."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, ValidationError

from webapp.accounts.models import (
    MIN_PASSWORD,
    User,
    email_problem,
    name_problem,
    stable_password,
)
from webapp.column_text import FitsColumn

# Hashed, so not stored as typed; long enough for any passphrase, short enough to hash cheaply.
MAX_PASSWORD = 200
EMAIL_TAKEN = "There is already an account with this email; log in instead."


def _looks_like_email(form, field) -> None:
    problem = email_problem(field.data)
    if problem:
        raise ValidationError(problem)


def _password(label: str, message: str) -> PasswordField:
    """A password as typed to sign in or confirm (checked against the hash, not the policy)."""
    return PasswordField(label, validators=[FitsColumn(length=MAX_PASSWORD), DataRequired(message)])


def _long_enough(form, field) -> None:
    """At least MIN_PASSWORD characters in the form the password is hashed in: e and a
    combining accent typed five times is five characters there, not ten."""
    if len(stable_password(field.data or "")) < MIN_PASSWORD:
        raise ValidationError(f"Use at least {MIN_PASSWORD} characters.")


def _same_as(other: str, message: str):
    """A password typed again: the same as `other`'s once both are in the form passwords are
    hashed in (one typed with a combining accent and one without are the same)."""

    def check(form, field) -> None:
        if stable_password(field.data or "") != stable_password(form[other].data or ""):
            raise ValidationError(message)

    return check


def _new_password(label: str, noun: str) -> tuple[PasswordField, PasswordField]:
    """A new password under the password policy, and the same typed again."""
    password = PasswordField(
        label,
        validators=[
            FitsColumn(length=MAX_PASSWORD),
            DataRequired(f"Choose a {noun}."),
            _long_enough,
        ],
        description=f"At least {MIN_PASSWORD} characters.",
    )
    confirm = PasswordField(
        f"{label} again",
        validators=[
            FitsColumn(length=MAX_PASSWORD),
            DataRequired(f"Type the {noun} again."),
            _same_as("password", "The passwords differ."),
        ],
    )
    return password, confirm


class RegisterForm(FlaskForm):
    """A new account (always an employee; roles are given by HR)."""

    name = StringField(
        "Your name", validators=[FitsColumn(User.name), DataRequired("Enter your name.")]
    )
    email = EmailField(
        "Work email",
        validators=[FitsColumn(User.email), DataRequired("Enter your email."), _looks_like_email],
    )
    password, confirm = _new_password("Password", "password")

    def validate_name(self, field) -> None:
        """A name people can read, with nothing hidden in it."""
        problem = name_problem(field.data or "")
        if problem:
            raise ValidationError(problem)

    def validate_email(self, field) -> None:
        """One account per address."""
        if User.by_email(field.data) is not None:
            raise ValidationError(EMAIL_TAKEN)


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(
        "Email", validators=[FitsColumn(User.email), DataRequired("Enter your email.")]
    )
    password = _password("Password", "Enter your password.")


class ChangePasswordForm(FlaskForm):
    """The current password, and a new one twice."""

    current = _password("Current password", "Enter your current password.")
    password, confirm = _new_password("New password", "new password")

    def validate_password(self, field) -> None:
        """A new password, not the one typed as the current one."""
        if self.current.data and stable_password(field.data or "") == stable_password(
            self.current.data
        ):
            raise ValidationError(
                "The new password is the one you typed as your current password; choose another."
            )


class ActivateForm(FlaskForm):
    """An invited person chooses their first password."""

    password, confirm = _new_password("Password", "password")
