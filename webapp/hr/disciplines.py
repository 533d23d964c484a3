"""Which discipline an HR page is about: `?discipline=<pack id>`, the default one when absent."""

from __future__ import annotations

from flask import abort, make_response, request

from webapp import answering, pack_versions
from webapp.answering import Pack
from webapp.errors.handlers import error_response

ARGUMENT = "discipline"


def chosen_discipline() -> Pack:
    """The newest pack of the discipline the URL names (the configured default when it names
    none); 404 with a message for a discipline this site does not have."""
    return discipline_named(request.args.get(ARGUMENT) or None)


def discipline_named(pack_id: str | None) -> Pack:
    """The newest pack of a discipline by its pack id (the default for None); 404 naming the
    disciplines there are when it is unknown."""
    try:
        # (a discipline uploaded a moment ago is found: the list is read again before refusing)
        return answering.current_pack(pack_id)
    except answering.UnknownDiscipline:
        pass
    titles = ", ".join(f"{pack.title} ({pack.id})" for pack in answering.disciplines())
    shown = pack_id if len(pack_id) <= 40 else pack_id[:40] + "…"
    abort(
        make_response(
            error_response(
                404, f"There is no discipline '{shown}' on this site. The disciplines are {titles}."
            )
        )
    )


def pack_version(ref: str) -> Pack | None:
    """The installed pack version a stored ref names (`product-design@1`), or None when it is
    not installed here (any more)."""
    pack_id = ref.partition("@")[0]
    if pack_id not in {pack.id for pack in answering.disciplines()}:
        return None
    return pack_versions.version_of(pack_id, ref)


def discipline_title(ref: str) -> str:
    """The title of the discipline a ref (`product-design@1`) or pack id belongs to; the id
    itself when the discipline is not installed here."""
    pack_id = ref.partition("@")[0]
    for pack in answering.disciplines():
        if pack.id == pack_id:
            return pack.title
    return pack_id


def of_discipline(column, pack: Pack):
    """A SQL condition: a stored pack ref column belongs to the pack's discipline."""
    return column.startswith(f"{pack.id}@", autoescape=True)
