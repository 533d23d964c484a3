"""The API's routes: one recommendation per call, and the OpenAPI document."""

from __future__ import annotations

import json

from flask import jsonify, request

from webapp import answering
from webapp.answering import AnswersInvalid, ModelRefused
from webapp.api import bp
from webapp.api.openapi import openapi_document
from webapp.api.tokens import verify_token
from webapp.errors.handlers import error_response


@bp.before_request
def require_token():
    """Every route but the description needs `Authorization: Bearer <token>`."""
    if request.endpoint == "api.openapi":
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret or verify_token(secret.strip()) is None:
        response, status = error_response(
            401,
            "Send a valid API token: Authorization: Bearer <token> (HR creates tokens "
            "with `trackfit tokens create`).",
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="trackfit"'
        return response, status
    return None


@bp.route("/recommendations", methods=["POST"])
def recommendations():
    """Answers JSON in, the recommendation JSON (as `trackfit recommend` prints it) out."""
    if not request.is_json:
        return error_response(415)
    try:
        data = json.loads(request.get_data(as_text=True))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        where = (
            f" at line {error.lineno}, column {error.colno}"
            if isinstance(error, json.JSONDecodeError)
            else ""
        )
        return error_response(400, f"The body is not valid JSON{where}.")
    try:
        return jsonify(answering.recommend(data))
    except AnswersInvalid as error:
        problems = [{"field": p.where, "message": p.message} for p in error.problems]
        return error_response(400, str(error.problems[0]), problems=problems)
    except ModelRefused as error:
        return error_response(503, f"No model can be used right now: {error.problems[0].message}")


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API, with the current pack's item ids."""
    return jsonify(openapi_document(answering.current_pack()))
