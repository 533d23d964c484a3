"""Text typed into a form, checked before it reaches the database: against the column it is
stored in (no NUL character, which PostgreSQL refuses, and no longer than the column), and,
for text people write in sentences to be read by others, against characters nobody sees."""

from __future__ import annotations

import unicodedata

from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.datastructures import FileStorage
from wtforms import TextAreaField
from wtforms.validators import StopValidation

from webapp import answering

NUL = "\x00"


def column_length(column: InstrumentedAttribute) -> int | None:
    """The length of a model's text column (`User.email`), or None for a `Text` column."""
    return column.property.columns[0].type.length


def text_problem(text: str, length: int) -> str | None:
    """Why `text` cannot be stored in a column of `length` characters, or None."""
    if NUL in text:
        return "remove the NUL character (\\x00); it cannot be stored"
    if len(text) > length:
        return f"at most {length:,} characters (this is {len(text):,})"
    return None


class FitsColumn:
    """A WTForms validator: the field's text has no NUL character and fits `column`'s length
    (a model attribute such as `User.email`), or `length` characters when the text is not stored
    as typed (a password) or the column has no length of its own (a `Text` note). It stops the
    chain, so a later check never sends the text to the database. On a file field it checks the
    file's name."""

    def __init__(self, column: InstrumentedAttribute | None = None, *, length: int | None = None):
        self.length = length if length is not None else column_length(column)
        if self.length is None:
            raise ValueError(f"{column} has no length: give one")
        self.field_flags = {"maxlength": self.length}

    def __call__(self, form, field) -> None:
        text, what = field.data, field.label.text
        if isinstance(text, FileStorage):
            text, what = text.filename, f"{what}: its name"
        if not isinstance(text, str):
            return
        problem = text_problem(text, self.length)
        if problem:
            raise StopValidation(f"{what}: {problem}.")


def nothing_hidden(form, field) -> None:
    """A WTForms validator for text written in sentences and read by others (a promotion's
    justification, a decision's reason, a manager's notes): it holds no character nobody sees
    (`hidden_character`, the one check every such text shares), needed or not, since what is
    shown must be what was written and checked: a direction override turns the text after it
    backwards. It stops the chain."""
    hidden = answering.hidden_character(field.data) if isinstance(field.data, str) else None
    if hidden:
        raise StopValidation(f"{field.label.text}: {hidden}.")


# letters and symbols that draw nothing: Hangul fillers, the blank braille pattern
BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def has_visible_text(text: str | None) -> bool:
    """Whether `text` has anything to read: a letter, digit, punctuation mark or symbol that
    draws something (not spaces, line breaks, zero-width characters, direction marks, a
    variation selector or an accent with nothing under it, a Hangul filler, blank braille)."""
    return any(
        unicodedata.category(character)[0] in "LNPS" and character not in BLANK_LOOKING
        for character in text or ""
    )


class TextAreaAsTyped(TextAreaField):
    """A text area whose line breaks are one character each, as the browser counted them
    against `maxlength`: a browser sends each as CR LF, which would make the server's count
    longer than the one the person saw."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = self.data.replace("\r\n", "\n").replace("\r", "\n")
