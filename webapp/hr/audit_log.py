"""The audit log for HR: filtered and paged on screen, exported whole as CSV safe to open in a
spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta

from flask import Response, render_template, request
from sqlalchemy import Select, and_, or_, select
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from webapp import audit
from webapp.accounts.models import User
from webapp.answering import spreadsheet_text
from webapp.audit import ACTIONS, AuditEvent
from webapp.audit.details import readable, reason
from webapp.column_text import FitsColumn
from webapp.extensions import db
from webapp.hr import bp
from webapp.paging import ListFilters, Paging, page_of
from webapp.text_search import containing, found_in

PER_PAGE = 50  # a screenful or two; the CSV has every matching event
MAX_NAMED = 2000  # people a name filter may stand for, each a value in the query
# Details longer than this fold into a summary line that opens on a click: one line per event.
SHORT_DETAILS = 48


class AuditFilterForm(ListFilters):
    """Filters of the audit log."""

    FIELDS = ("action", "actor", "since", "until")

    action = SelectField(
        "Action",
        validators=[Optional()],
        invalid_choice_message="Choose one of the actions listed.",
    )
    actor = StringField(
        "Person (name or email)",
        description="Who acted, or whose account it was about: part of their name, whatever "
        "its case and accents, or of their email (a failed login has no actor).",
        validators=[FitsColumn(length=254), Optional()],
    )
    since = StringField("From (YYYY-MM-DD)", validators=[FitsColumn(length=10), Optional()])
    until = StringField("Until (YYYY-MM-DD)", validators=[FitsColumn(length=10), Optional()])


def _filtered(form: AuditFilterForm) -> Select:
    """The events the filters select; a filter with an error (named on the form) is left out."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    since, until = _day(form, form.since), _day(form, form.until)
    if since and until and since > until:  # no event could match: said, not an empty page
        form.until.errors = [
            *form.until.errors,
            f"The end date is before the start date ({form.since.data.strip()}): give a day on "
            "or after it.",
        ]
        until = None
    applied = form.applied()
    if "action" in applied:
        query = query.where(AuditEvent.action == applied["action"])
    if "actor" in applied:
        # Who acted, or whose account an event was about: a failed login has no actor, only
        # the account's email as its subject.
        named = _emails_of_people_named(applied["actor"])
        query = query.where(
            or_(
                containing(AuditEvent.actor_email, applied["actor"]),
                containing(AuditEvent.subject, applied["actor"]),
                AuditEvent.actor_email.in_(named),
                AuditEvent.subject.in_(named),
            )
        )
    if since:
        query = query.where(AuditEvent.at >= since)
    if until and until.date() < date.max:  # the last day there is has no day after it
        query = query.where(AuditEvent.at < until + timedelta(days=1))
    return query


def _emails_of_people_named(typed: str) -> list[str]:
    """The emails of everyone whose name holds the text typed, compared as the people list
    compares it (`folded`: "μαρια" finds Μαρία); none when that is more than MAX_NAMED people,
    a text too short to pick anyone out (the email part of the filter still applies)."""
    emails = found_in(typed, User.email, User.name)
    return emails if len(emails) <= MAX_NAMED else []


def _day(form: AuditFilterForm, field) -> datetime | None:
    if not (field.data or "").strip() or field.errors:
        return None
    try:
        return datetime.strptime(field.data.strip(), "%Y-%m-%d")
    except ValueError:
        field.errors = [*field.errors, "Enter a date like 2026-11-23."]
        return None


def _form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", "Any action")] + sorted(ACTIONS.items(), key=lambda item: item[1])
    form.validate()
    return form


@bp.route("/audit")
def audit_log():
    """The newest events first, filtered by action, person and dates, PER_PAGE to a page."""
    form = _form()
    query = _filtered(form)
    paging, events = page_of(query, PER_PAGE)
    status = 400 if form.errors else 200
    return _page(form, events, paging), status


def _same_account():
    """An audit event's actor still is the account it names: the account with the id
    recorded still has the email recorded (one deleted since, re-emailed, or whose id a new
    account took, names nobody: the email recorded stands alone)."""
    return and_(User.id == AuditEvent.actor_id, User.email == AuditEvent.actor_email)


def _actor_names(events) -> dict[int, str]:
    """The name of each event's actor, by event id, where `_same_account`."""
    ids = [event.id for event in events if event.actor_id is not None]
    if not ids:
        return {}
    named = (
        select(AuditEvent.id, User.name).join(User, _same_account()).where(AuditEvent.id.in_(ids))
    )
    return {event_id: name for event_id, name in db.session.execute(named)}


def _page(form: AuditFilterForm, events, paging: Paging) -> str:
    return render_template(
        "hr/audit.html",
        form=form,
        events=events,
        actor_names=_actor_names(events),
        paging=paging,
        filters=form.applied(),
        details=readable,
        reason=reason,
        short_details=SHORT_DETAILS,
    )


@bp.route("/audit.csv")
def audit_csv():
    """The filtered log as CSV (every matching event)."""
    form = _form()
    query = _filtered(form)  # parses the dates, so a bad one is an error here too
    if form.errors:  # the page, as /audit shows it with that filter left out
        paging, events = page_of(query, PER_PAGE)
        return _page(form, events, paging), 400
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["at", "actor_email", "action", "description", "subject", "detail", "address", "actor_name"]
    )
    named = query.add_columns(User.name).outerjoin(User, _same_account())  # as the page names
    for event, name in db.session.execute(named):
        writer.writerow(
            spreadsheet_text(cell)
            for cell in (
                event.at.isoformat(timespec="seconds") + "Z",  # UTC, as the page says
                event.actor_email,
                event.action,
                event.description,
                event.subject,
                _detail(event.detail),
                event.address,
                name,
            )
        )
    audit.record("audit_export", "audit log", filters=form.applied())
    db.session.commit()
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="trackfit-audit-log.csv"'
    return response


def _detail(detail: dict) -> str:
    """The details as JSON: exact, and read the same by a person and a program."""
    return json.dumps(detail or {}, ensure_ascii=False, sort_keys=True) if detail else ""
