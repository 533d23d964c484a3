"""Shared model helpers: the declarative base of every table and the clock of every timestamp."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every table."""


def utcnow() -> datetime:
    """Now, in UTC without a time zone (as the timestamp columns store it)."""
    return datetime.now(UTC).replace(tzinfo=None)
