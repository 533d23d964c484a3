"""The promotion form."""

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length


class PromoteForm(FlaskForm):
    """Promoting a version; a flagged fairness report needs a written justification."""

    justification = TextAreaField("Justification", validators=[Length(max=4000)])
