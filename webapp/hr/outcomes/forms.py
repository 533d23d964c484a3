"""The outcome upload form."""

from wtforms import BooleanField, StringField
from wtforms.validators import Optional, ValidationError

from webapp.column_text import FitsColumn, column_length
from webapp.hr.outcomes.models import SensitiveValue
from webapp.hr.people.forms import CsvUploadForm

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
