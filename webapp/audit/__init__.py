"""The audit log: who did what, when, appended and never changed.

`record(action, subject, **detail)` adds an event for the signed-in person (or the actor
given); it joins the caller's transaction, so an action and its record commit together.
"""

from webapp.audit.models import ACTIONS, AuditEvent, record

__all__ = ["ACTIONS", "AuditEvent", "record"]
