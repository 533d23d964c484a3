"""The outcome upload form, and the forms that find and remove one person's records."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from webapp.accounts.models import User
from webapp.column_text import FitsColumn, column_length
from webapp.hr.outcomes.models import OutcomeRecord, SensitiveValue
from webapp.hr.people.forms import CsvUploadForm, StandardEmployeeId

ATTRIBUTE_LENGTH = column_length(SensitiveValue.attribute)


def _names_fit(form, field) -> None:
    """Each sensitive column name is stored with every value: it must fit its column."""
    long = [name.strip() for name in field.data.split(",") if len(name.strip()) > ATTRIBUTE_LENGTH]
    if long:
        raise ValidationError(
            f"A sensitive column name has at most {ATTRIBUTE_LENGTH} characters: "
            f"'{long[0][:ATTRIBUTE_LENGTH]}…' is {len(long[0]):,}."
        )


class OutcomesUploadForm(CsvUploadForm):
    """An outcome file and the names of its sensitive columns."""

    sensitive = StringField(
        "Sensitive columns",
        validators=[FitsColumn(length=300), Optional(), _names_fit],
        description="Comma-separated, e.g. gender, age_band. Used only for the fairness "
        "report, never as model features.",
    )
    from_active = BooleanField(
        "Start from the active version where that pays",
        default=True,
        description="With a few hundred people, the candidate may lean on what the active "
        "version learnt: cross-validation on your people decides, track by track, and the "
        "model page says whether it did. Untick to learn from this file's people alone.",
    )


class ConfirmTrainingForm(FlaskForm):
    """Confirming training on an upload: the digest of the rows its page showed, so that a
    confirmation given before they changed (one person's records removed in another tab)
    trains on nothing it did not show."""

    rows_digest = HiddenField(validators=[DataRequired(), Length(max=64)])


# the longer of the two names a person goes by in outcome files: an email
ID_LENGTH = max(column_length(OutcomeRecord.employee_id), column_length(User.email))


class PersonLookupForm(FlaskForm):
    """The id to look up (a GET form: looking changes nothing)."""

    class Meta:
        csrf = False

    employee_id = StringField(
        "Employee id or email",
        validators=[
            DataRequired(message="Enter the employee id or email to look up."),
            FitsColumn(length=ID_LENGTH),
            StandardEmployeeId(ID_LENGTH),
        ],
        description="As the outcome files name the person, whatever its case. Where the "
        "person has an account, their other id (employee id or email) is searched too.",
    )


class RemoveRecordsForm(FlaskForm):
    """Removing everything the uploads hold about one person: the id, and that HR read what
    removing does not undo."""

    employee_id = HiddenField(
        "Employee id or email",
        validators=[DataRequired(), FitsColumn(length=ID_LENGTH), StandardEmployeeId(ID_LENGTH)],
    )
    understood = BooleanField(
        "I understand that removing cannot be undone, and does not change the model versions "
        "already trained",
        validators=[
            DataRequired(message="Tick the box to say you read what removing does not undo.")
        ],
    )
