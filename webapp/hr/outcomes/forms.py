"""The outcome upload form."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional


class OutcomesUploadForm(FlaskForm):
    """An outcome file and the names of its sensitive columns."""

    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a file."), FileAllowed(["csv"], "Upload a .csv file.")],
    )
    sensitive = StringField(
        "Sensitive columns",
        validators=[Optional(), Length(max=300)],
        description="Comma-separated, e.g. gender, age_band. Used only for the fairness "
        "report, never as model features.",
    )
