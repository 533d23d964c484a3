"""The employee's confirmation of a decision: the button, and which decision it confirms."""

from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import HiddenInput

from webapp.confirmation import ConfirmForm
from webapp.row_ids import LARGEST


class AgreeForm(ConfirmForm):
    """ "I agree with this", and the id of the decision the page showed: a page opened before
    the manager recorded another confirms the one it showed or nothing, never a newer one
    the person has not read."""

    decision = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=LARGEST)]
    )
