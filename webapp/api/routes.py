"""The API's routes: one recommendation per call, and the OpenAPI document, each for one
discipline (`?pack=<id>`; by default the token owner's, or for the document the default)."""

from __future__ import annotations

from flask import abort, current_app, g, jsonify, make_response, request

from webapp import answering
from webapp.answering import (
    AnswersInvalid,
    JsonRefused,
    ModelRefused,
    Pack,
    UnknownDiscipline,
    read_json_document,
)
from webapp.api import bp
from webapp.api.openapi import openapi_document
from webapp.api.tokens import TokenNotLive, token_owner, verify_token
from webapp.errors.handlers import error_response


@bp.before_request
def require_token():
    """Every route but the description needs `Authorization: Bearer <token>`."""
    if request.endpoint == "api.openapi":
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    message = (
        "Send a valid API token: Authorization: Bearer <token> (HR creates tokens "
        "with `trackfit tokens create`)."
    )
    try:
        g.api_token = (
            verify_token(secret.strip()) if scheme.lower() == "bearer" and secret else None
        )
    except TokenNotLive as error:
        g.api_token, message = None, str(error)
    if g.api_token is None:
        response, status = error_response(401, message)
        response.headers["WWW-Authenticate"] = 'Bearer realm="trackfit"'
        return response, status
    return None


# Charset labels of a body read as UTF-8 (ASCII is a part of it), as the WHATWG Encoding
# Standard spells UTF-8's own.
UTF8_LABELS = ("utf-8", "utf8", "unicode-1-1-utf-8", "us-ascii", "ascii")


@bp.route("/recommendations", methods=["POST"])
def recommendations():
    """Answers JSON in, the recommendation JSON (as `trackfit recommend` prints it) out, in
    the discipline `?pack=` names, else in the token owner's discipline."""
    if not request.is_json:
        return error_response(415)
    charset = request.mimetype_params.get("charset", "utf-8").strip().lower()
    if charset not in UTF8_LABELS:  # JSON is UTF-8 (RFC 8259), read as nothing else
        return error_response(
            415, f"The body must be JSON in UTF-8; it says charset={charset[:40]!r}."
        )
    pack = _asked_pack() or answering.pack_for(token_owner(g.api_token))
    body = _body_within_limit()
    try:
        # bounded before the recommender sees it: depth, number size, NaN, lone surrogates
        data = read_json_document(body)
    except JsonRefused as error:
        return error_response(400, f"The body is not valid JSON: {error}.")
    try:
        return jsonify(answering.recommend(data, pack))
    except AnswersInvalid as error:
        # the first problems listed (answers.PROBLEMS_LISTED), the rest counted
        problems = [{"field": p.where, "message": p.message} for p in error.problems]
        return error_response(
            400, str(error.problems[0]), problems=problems, more_problems=error.more
        )
    except ModelRefused as error:
        # the reason names server files: it goes to the log, the client gets the gist
        current_app.logger.error("API answered 503: %s", error.report())
        return error_response(
            503,
            "No model can be used right now; HR can see why on the models page or with "
            "`trackfit models check`.",
        )


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API, with the item ids of the discipline `?pack=`
    names (the default one when it names none)."""
    pack = _asked_pack() or answering.current_pack()
    return jsonify(openapi_document(pack, answering.disciplines()))


def _asked_pack() -> Pack | None:
    """The newest pack of the discipline `?pack=` names, None when it is not given; an unknown
    one is a 404 naming the disciplines there are, an empty one a 400."""
    if "pack" not in request.args:
        return None
    asked = request.args["pack"].strip()
    if not asked:  # a client's blank is no choice: the owner's discipline may not be theirs
        known = ", ".join(answering.discipline_ids())
        abort(
            make_response(
                *error_response(400, f"pack is empty: leave it out, or name one of {known}.")
            )
        )
    try:
        return answering.current_pack(asked[:80])
    except UnknownDiscipline as unknown:
        abort(make_response(*error_response(404, str(unknown))))


def _body_within_limit() -> bytes:
    """The request's body, or a 413 when it is larger than the limit. A chunked body comes
    without its length and is read only up to the limit, so it is read one byte further: a
    body of exactly the limit is answered, one byte more is refused whole, never read in part."""
    limit = request.max_content_length
    if request.content_length is not None or limit is None:
        return request.get_data()
    request.max_content_length = limit + 1
    try:
        body = request.get_data()
    finally:
        request.max_content_length = limit  # the 413 page names the limit itself
    if len(body) > limit:
        abort(413)
    return body
