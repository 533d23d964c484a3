"""The promotion and rollback forms."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Length

from webapp.column_text import FitsColumn, TextAreaAsTyped, nothing_hidden
from webapp.learning import MAX_JUSTIFICATION as JUSTIFICATION_LENGTH
from webapp.learning import MIN_JUSTIFICATION, MIN_WORDS


class PromoteForm(FlaskForm):
    """Promoting a version; a flagged fairness report needs a written justification."""

    justification = TextAreaAsTyped(
        "Justification", validators=[FitsColumn(length=JUSTIFICATION_LENGTH), nothing_hidden]
    )


class RollbackForm(FlaskForm):
    """A confirmed rollback: the step the confirmation page offered, the version to go back to
    and the one it replaces. Both must be given (the route refuses a missing or empty one with
    a message): the rollback is refused if the pointer has moved since the page was shown."""

    to = HiddenField(validators=[FitsColumn(length=20)])
    replacing = HiddenField(validators=[FitsColumn(length=20)])
    # the discipline's pointer moves the page was shown after: the rollback is refused when
    # there have been others since, even back to the same versions
    moves = HiddenField(validators=[FitsColumn(length=12)])
    # a rollback changes the advice everyone gets next: why is kept with the move in the
    # history and in the audit log (checked as a promotion's justification is)
    justification = TextAreaAsTyped(
        "Why roll back?",
        validators=[FitsColumn(length=JUSTIFICATION_LENGTH), nothing_hidden],
        description=f"Required: at least {MIN_JUSTIFICATION} characters and {MIN_WORDS} "
        f"different words, at most {JUSTIFICATION_LENGTH:,} characters (a longer text is cut "
        "there as you type or paste), kept with the rollback in the pointer history and the "
        "audit log.",
    )


class ConfirmPromotionForm(PromoteForm):
    """The confirmation of a promotion: the justification shown and the page's signed token,
    which names the version it replaces (see `promotion_confirmation`)."""

    confirmation = HiddenField(validators=[Length(max=1000)])
