"""The framework pages' choices: which discipline's ladders, and which level to compare with
(GET forms: they change nothing, so no token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional


class DisciplineChoiceForm(FlaskForm):
    """Whose ladders to show: any discipline's, the person's own by default."""

    class Meta:
        csrf = False

    discipline = SelectField("Ladders of", validate_choice=False)  # the page 404s unknown ones


class CompareForm(FlaskForm):
    """Which level to set beside the one on the page."""

    class Meta:
        csrf = False

    compare = SelectField(
        "Compare with",
        description=(
            "The level to set beside this one: what changes is listed, what stays the same "
            "is folded away."
        ),
        validators=[Optional()],
        validate_choice=False,  # checked by the page, to say what went wrong in its own words
    )
