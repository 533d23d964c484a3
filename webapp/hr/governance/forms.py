"""The promotion form."""

from flask_wtf import FlaskForm
from wtforms import TextAreaField

from webapp.column_text import FitsColumn

# Kept in the audit log and the registry's history, not in a column of its own.
JUSTIFICATION_LENGTH = 4000


class PromoteForm(FlaskForm):
    """Promoting a version; a flagged fairness report needs a written justification."""

    justification = TextAreaField(
        "Justification", validators=[FitsColumn(length=JUSTIFICATION_LENGTH)]
    )
