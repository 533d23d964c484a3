"""When things happened, on HR's pages: a compact UTC date and time that fits one line of a
table ("2026-11-23 06:24"), with the exact instant in the `<time>` element's datetime."""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup

from webapp.hr import bp


def moment(value: datetime | str | None) -> Markup | str:
    """`<time datetime="2026-11-23T06:24:45Z">2026-11-23 06:24</time>`; a value that is not a
    time (a hand-edited history line) is shown as written."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    exact = value.isoformat(timespec="seconds") + "Z"
    return Markup('<time datetime="{}">{:%Y-%m-%d %H:%M}</time>').format(exact, value)


bp.add_app_template_filter(moment)
