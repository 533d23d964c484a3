"""Long lists shown a page at a time: the filters that pick their rows, which page is shown, out
of how many, and the rows on it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_wtf import FlaskForm
from sqlalchemy import Select, func, select
from wtforms import StringField
from wtforms.validators import Optional

from webapp.column_text import FitsColumn
from webapp.extensions import db


def search_field(label: str) -> StringField:
    """A list's filter by part of some text, as `text_search.found_in` finds it."""
    return StringField(
        label,
        description="Any part of it, in any case, with or without accents.",
        validators=[FitsColumn(length=254), Optional()],
    )


class ListFilters(FlaskForm):
    """The filters of a long list: a GET form (so no CSRF token) whose fields named in FIELDS
    pick the rows. A filter applies when it holds more than spaces and has no error (the
    error is named on the form); only those are kept in the page links and counted as
    "matching the filters"."""

    class Meta:
        csrf = False

    FIELDS: tuple[str, ...] = ()

    def applied(self) -> dict[str, str]:
        """Each filter that applies, trimmed (nothing else of the query string: it may hold
        anything)."""
        return {
            name: self[name].data.strip()
            for name in self.FIELDS
            if isinstance(self[name].data, str)
            and self[name].data.strip()
            and not self[name].errors
        }

    def described(self) -> list[str]:
        """Each filter that applies as a person reads it, for a printed list ('Role: Manager'),
        a choice by its label rather than its value."""
        described = []
        for name, value in self.applied().items():
            field = self[name]
            shown = value
            for choice in getattr(field, "choices", None) or ():
                choice_value, label = (
                    (choice.value, choice.label) if hasattr(choice, "label") else choice[:2]
                )
                if str(choice_value) == value:
                    shown = label
            described.append(f"{field.label.text}: {shown}")
        return described


@dataclass(frozen=True)
class Paging:
    """Which page of a list is shown: its number, the last page's, the total, per page."""

    number: int
    last: int
    total: int
    per_page: int

    @property
    def first_shown(self) -> int:
        return 0 if self.total == 0 else (self.number - 1) * self.per_page + 1

    @property
    def last_shown(self) -> int:
        return min(self.number * self.per_page, self.total)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page


def page_of(query: Select, per_page: int) -> tuple[Paging, list]:
    """The page the request asks for (`?page=`), within the pages there are, and its rows (a
    page past the end shows the last; anything that is not a page number shows the first)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    last = max(1, -(-total // per_page))
    asked = request.args.get("page", 1, type=int)
    paging = Paging(number=min(max(asked, 1), last), last=last, total=total, per_page=per_page)
    rows = db.session.scalars(query.offset(paging.offset).limit(per_page)).all()
    return paging, list(rows)
