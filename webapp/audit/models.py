"""Audit events. Rows are only ever inserted: the ORM refuses updates and deletes, and the
migration adds database triggers that refuse them too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, String, event
from sqlalchemy.orm import Mapped, mapped_column

from webapp.database import utcnow
from webapp.extensions import db

# What is recorded, and how it reads in the log.
ACTIONS = {
    "registered": "registered an account on the site",
    "registration_refused": "was refused an account: the address has one",
    "login": "logged in",
    "login_failed": "failed to log in",
    "logout": "logged out",
    "password_changed": "changed their password",
    "password_change_failed": "failed to change their password (wrong current password)",
    "share": "shared an assessment with their manager",
    "revoke": "stopped sharing an assessment",
    "open_assessment": "opened a report's shared assessment",
    "print_assessment": "printed a report's 1:1 summary",
    "manager_rating": "rated a report's competencies",
    "manager_notes": "saved 1:1 notes",
    "decision": "recorded the agreed track and level",
    "decision_agreed": "agreed with the recorded decision",
    "org_import": "imported the org chart",
    "org_edit": "changed a person's details",
    "org_import_person": "gave or changed a person's details by the org chart",
    "discipline_changed": "moved a person to another discipline",
    "outcomes_upload": "uploaded outcome data",
    "outcomes_refused": "had an outcome file refused",
    "outcomes_confirmed": "confirmed training on an outcome file's usable rows",
    "outcome_records_viewed": "looked up what the outcome uploads hold about one person",
    "outcome_records_removed": "removed one person's records from the outcome uploads",
    "training_started": "started training a candidate model",
    "training_finished": "finished training a candidate model",
    "training_failed": "training a candidate model failed",
    "promote": "promoted a model version",
    "promotion_refused": "had a model promotion refused",
    "rollback": "rolled back the active model",
    "rollback_refused": "had a model rollback refused",
    "pack_upload": "uploaded a questionnaire pack version",
    "export": "exported data",
    "delete_assessment": "deleted an assessment",
    "delete_all": "deleted all their assessments",
    "delete_account": "deleted their account",
    "account_delete_failed": "failed to delete their account (wrong password)",
    "audit_export": "exported the audit log",
    "verdict_people_export": "downloaded the people behind a model version's verdict",
    "account_added": "added an account (command line)",
    "role_changed": "changed a person's role (command line)",
    "token_created": "created an API token (command line)",
    "token_revoked": "revoked an API token (command line)",
}


class AuditEvent(db.Model):
    """One thing that happened. The actor is kept by id and email, without a foreign key, so
    the record outlives the account."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None]
    actor_email: Mapped[str | None] = mapped_column(String(254), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    address: Mapped[str | None] = mapped_column(String(64))

    @property
    def description(self) -> str:
        """The action, as a person reads it."""
        return ACTIONS.get(self.action, self.action)


def record(action: str, subject: str = "", *, actor=None, **detail: Any) -> AuditEvent:
    """Add an event to the session (the caller commits it with the action it records)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        action=action,
        subject=subject[:200],
        detail=detail,
        address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(_mapper, _connection, target: AuditEvent) -> None:
    raise PermissionError(f"audit event {target.id} cannot be changed or deleted")
