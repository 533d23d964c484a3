"""Forms built from the pack: one form class per questionnaire section, made once per pack."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, StopValidation

from webapp.answering import ANCHORED, CHOICE, NUMBER, Item, Pack, Section
from webapp.assessment import about_you
from webapp.assessment.about_you import REPORTS_ROLE, Contradiction

CHOOSE_ONE = "Choose an answer."
NOT_A_CHOICE = "Choose one of the answers listed."


@dataclass(frozen=True)
class Page:
    """One section of the questionnaire as a page: its items and its form class."""

    number: int
    section: Section
    items: tuple[Item, ...]
    form_class: type[FlaskForm]

    @property
    def asks_about_reports(self) -> bool:
        """Whether the page has the follow-up about reports on the individual contributor
        track (the About-you step)."""
        return hasattr(self.form_class, REPORTS_ROLE)

    def stored_values(self, answers: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
        """The values saved for this page, by field name, to fill the form again."""
        values = about_you.follow_up_answer(context) if self.asks_about_reports else {}
        for item in self.items:
            value = context.get(item.context) if item.context else answers.get(item.id)
            if value is not None:
                values[item.id] = str(value) if item.kind == CHOICE else value
        return values


def pages(pack: Pack) -> tuple[Page, ...]:
    """The pack's questionnaire as pages, in order (cached per loaded pack)."""
    return _pages(pack)


@cache
def _pages(pack: Pack) -> tuple[Page, ...]:
    by_id = pack.questionnaire.item_by_id
    result = []
    for number, section in enumerate(pack.questionnaire.sections, start=1):
        items = tuple(by_id[item_id] for item_id in section.item_ids)
        fields = {item.id: _field(pack, item) for item in items}
        if {"direct_reports", "current_track"} <= {item.context for item in items}:
            fields[REPORTS_ROLE] = about_you.reports_role_field()
        form_class = type(f"{section.id.title().replace('_', '')}Form", (FlaskForm,), fields)
        result.append(Page(number, section, items, form_class))
    return tuple(result)


class WholeNumberRange:
    """A whole number from `low` to `high`. Unlike WTForms' NumberRange it compares the number
    as an integer, so one of hundreds of digits is refused with the range, not an overflow."""

    def __init__(self, low: float, high: float):
        self.low, self.high = low, high
        self.message = f"Enter a whole number from {low:g} to {high:g}."

    def __call__(self, form, field) -> None:
        if field.data is not None and not self.low <= field.data <= self.high:
            raise StopValidation(self.message)


def _field(pack: Pack, item: Item) -> Field:
    if item.kind == NUMBER:
        whole = WholeNumberRange(item.min, item.max)
        return IntegerField(
            item.text, validators=[Optional(), whole], invalid_value_message=whole.message
        )
    if item.kind == CHOICE and item.context == "current_level":
        levels = about_you.level_choices(pack)
        return SelectField(
            item.text, choices=levels, validators=[Optional()], invalid_choice_message=NOT_A_CHOICE
        )
    if item.kind == CHOICE:
        choices = [SelectChoice("", "Choose…")]
        choices += [SelectChoice(option.value, option.label) for option in item.options]
        return SelectField(
            item.text, choices=choices, validators=[Optional()], invalid_choice_message=NOT_A_CHOICE
        )
    return RadioField(
        item.text,
        choices=_scale_choices(pack, item),
        coerce=int,
        validators=[Optional()],
        invalid_value_message=NOT_A_CHOICE,
        invalid_choice_message=NOT_A_CHOICE,
    )


def _scale_choices(pack: Pack, item: Item) -> list[SelectChoice]:
    if item.kind == ANCHORED:
        return [SelectChoice(int(option.value), option.label) for option in item.anchors]
    scale = pack.questionnaire.scales[item.scale]
    return [
        SelectChoice(value, label)
        for value, label in zip(range(scale.min, scale.max + 1), scale.labels, strict=True)
    ]


def missing_answers(page: Page, form: FlaskForm) -> list[Field]:
    """Fields of the page left unanswered; each gets an inline message."""
    missing = []
    for item in page.items:
        field = form[item.id]
        if field.data in (None, "") and not field.errors:
            field.errors = [*field.errors, CHOOSE_ONE if item.kind != NUMBER else "Enter a number."]
            missing.append(field)
    return missing


def valid_values(page: Page, form: FlaskForm) -> tuple[dict[str, Any], dict[str, Any]]:
    """(answers, context) from the fields that passed their checks, a field left blank as None:
    a blank is an answer cleared, so saving it removes the one stored (a field that failed its
    checks is left out, and what was stored for it stands)."""
    answers, context = {}, {}
    for item in page.items:
        field = form[item.id]
        if field.errors:
            continue
        value = None if field.data in (None, "") else field.data
        if item.context:
            context[item.context] = value
        else:
            answers[item.id] = value
    return answers, context


def checked_values(
    page: Page, pack: Pack, form: FlaskForm, saved_context: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], list[Contradiction]]:
    """(answers, context) to save from the page (None for a cleared answer), and the
    contradictions between the page's answers and those saved before, each message put next to
    its field. A field cleared on the page is judged blank, not by what was stored for it. With
    a contradiction none of the page's context is saved: what is kept never contradicts
    itself."""
    answers, context = valid_values(page, form)
    if not context:
        return answers, context, []
    role = form[REPORTS_ROLE].data if page.asks_about_reports else None
    context = about_you.settled(context, role) if role else context
    found = about_you.contradictions(pack, {**saved_context, **context}, role)
    field_of = {item.context: item.id for item in page.items if item.context}
    for contradiction in found:
        field = form[field_of.get(contradiction.field, page.items[0].id)]
        field.errors = [*field.errors, contradiction.message]
    return answers, ({} if found else context), found
