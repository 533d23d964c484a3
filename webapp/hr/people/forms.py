"""The people pages' forms: an org chart file, one person's place in the chart, and their
discipline."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, StopValidation

from webapp.accounts.models import ROLE_LABELS, User
from webapp.answering import EmployeeIdRefused, read_employee_id
from webapp.column_text import FitsColumn, column_length
from webapp.hr.outcomes.models import OutcomeUpload
from webapp.paging import ListFilters, search_field


class PeopleFilterForm(ListFilters):
    """Filters of the people list."""

    FIELDS = ("text", "role", "discipline", "account")

    text = search_field("Name, email or employee id")
    role = SelectField(
        "Role",
        choices=[SelectChoice("", "Any role")]
        + [SelectChoice(role, label) for role, label in ROLE_LABELS.items()],
        validators=[Optional()],
        invalid_choice_message="Choose one of the roles listed.",
    )
    discipline = SelectField(
        "Discipline",
        validators=[Optional()],
        invalid_choice_message="Choose one of the disciplines listed.",
    )
    account = SelectField(
        "Account",
        choices=[
            SelectChoice("", "Any account"),
            SelectChoice("active", "Active"),
            SelectChoice("invited", "Not activated yet"),
        ],
        validators=[Optional()],
        invalid_choice_message="Choose one of the account states listed.",
    )


class CsvUploadForm(FlaskForm):
    """One CSV file."""

    file = FileField(
        "CSV file",
        validators=[
            FileRequired("Choose a file."),
            FileAllowed(
                ["csv"],
                "Upload a .csv file (from Excel: Save As, 'CSV UTF-8 (Comma delimited)').",
            ),
            FitsColumn(OutcomeUpload.filename),
        ],
    )


class StandardEmployeeId:
    """A WTForms validator: the id typed, trimmed and in its standard form (`é004` one way
    however it was typed, full-width letters as plain ones), at most `longest` characters so;
    one with a character nobody can see is refused, named after the field."""

    def __init__(self, longest: int):
        self.longest = longest

    def __call__(self, form, field) -> None:
        if not isinstance(field.data, str):
            return
        try:
            field.data = read_employee_id(field.data, self.longest)
        except EmployeeIdRefused as refused:
            raise StopValidation(f"{field.label.text}: {refused}.") from None


standard_employee_id = StandardEmployeeId(column_length(User.employee_id))


class PersonForm(FlaskForm):
    """A person's manager, role and HR id."""

    manager_email = StringField(
        "Manager's email",
        description="Empty for no manager. Anyone in trackfit but the person and the people "
        "who report to them, as in the org chart's manager_email column.",
        validators=[FitsColumn(User.email), Optional()],
    )
    role = SelectField(
        "Role",
        choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()],
        invalid_choice_message="Choose one of the roles listed.",
    )
    employee_id = StringField(
        "Employee id",
        validators=[FitsColumn(User.employee_id), standard_employee_id, Optional()],
        description="The id your HR systems use, as in outcome files.",
    )


class DisciplineForm(FlaskForm):
    """The discipline to move a person to, and whether HR has read what the move means."""

    discipline = SelectField(
        "Discipline",
        description="Their next assessment uses this discipline's questionnaire and ladders.",
        validate_choice=False,  # checked by the page, to name the disciplines there are
    )
    confirmed = HiddenField()
