"""HR's forms: file uploads, a person's place in the org chart, confirmations."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from webapp.accounts.models import ROLE_LABELS


class CsvUploadForm(FlaskForm):
    """One CSV file."""

    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a file."), FileAllowed(["csv"], "Upload a .csv file.")],
    )


class OutcomesUploadForm(CsvUploadForm):
    """An outcome file and the names of its sensitive columns."""

    sensitive = StringField(
        "Sensitive columns",
        validators=[Optional(), Length(max=300)],
        description="Comma-separated, e.g. gender, age_band. Used only for the fairness "
        "report, never as model features.",
    )


class PersonForm(FlaskForm):
    """A person's manager, role and HR id."""

    manager_id = SelectField("Manager", coerce=int)
    role = SelectField("Role", choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()])
    employee_id = StringField(
        "Employee id",
        validators=[Optional(), Length(max=64)],
        description="The id your HR systems use, as in outcome files.",
    )


class PromoteForm(FlaskForm):
    """Promoting a version; a flagged fairness report needs a written justification."""

    justification = TextAreaField("Justification", validators=[Length(max=4000)])


class PackUploadForm(FlaskForm):
    """A pack version as a zip of its folder."""

    file = FileField(
        "Pack (.zip of the pack folder)",
        validators=[FileRequired("Choose a file."), FileAllowed(["zip"], "Upload a .zip file.")],
    )


class AuditFilterForm(FlaskForm):
    """Filters of the audit log (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    action = SelectField("Action", validators=[Optional()])
    actor = StringField(
        "Person (email)",
        description="Who acted, or whose account it was about (a failed login has no actor).",
        validators=[Optional(), Length(max=254)],
    )
    since = StringField("From (YYYY-MM-DD)", validators=[Optional(), Length(max=10)])
    until = StringField("Until (YYYY-MM-DD)", validators=[Optional(), Length(max=10)])
