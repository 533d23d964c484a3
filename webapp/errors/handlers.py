"""One handler for every HTTP error: a plain page or JSON, never a traceback."""

from __future__ import annotations

import logging

from flask import jsonify, make_response, render_template, request
from flask_login import logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import ObjectDeletedError
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.errors import bp
from webapp.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request could not be understood.",
    401: "Please log in first.",
    403: "You do not have access to this page.",
    404: "There is no page here. It may have been deleted, or the address is mistyped.",
    405: "This page cannot be used that way.",
    413: "That was too much data to send at once.",
    409: "Someone else changed this at the same moment. Reload the page and try again.",
    415: "Send JSON with Content-Type: application/json.",
    422: "Some of what was sent is not valid.",
    429: "Too many attempts. Please wait a few minutes and try again.",
    500: "Something went wrong on our side. Your saved answers are safe; please try again.",
}


# signed-in addresses read by scripts, not browsers (a download such as /my-data/export.json
# is a browser's: signed out, it is sent to log in)
FOR_SCRIPTS = {"hr.training_run_json"}


def wants_json() -> bool:
    """API calls, addresses only scripts read (a training run's status) and clients that
    prefer JSON get JSON errors."""
    if request.path.startswith("/api/") or request.endpoint in FOR_SCRIPTS:
        return True
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def error_response(status: int, message: str | None = None, back=None, **extra):
    """The error as JSON or as the friendly page; `back` is a (url, words) link the page
    offers before the start page's, to the page the request came from."""
    message = message or MESSAGES.get(status, "Something went wrong.")
    if wants_json():
        return jsonify(error=message, status=status, **extra), status
    page = render_template("errors/error.html", status=status, message=message, back=back)
    return page, status


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError):
    """A form without a valid token: usually an old tab or an expired session; or a body
    that is not a form at all (bytes that are not UTF-8 text, which no browser sends, leave
    it with no fields, its token among them)."""
    if _unreadable_form():
        return error_response(
            400,
            "What was sent could not be read as a form: it is not UTF-8 text, as a browser "
            "sends it. Nothing it held was saved; send it again from the page.",
        )
    return error_response(
        400,
        "This form has expired or did not come from this site, and nothing it held was "
        "saved. Go back, copy anything you typed that you want to keep, reload the page and "
        "send it again; what was saved before is kept.",
    )


def _unreadable_form() -> bool:
    """A form body that was sent and read as no fields at all."""
    sent = (request.content_length or 0) > 0
    return sent and request.mimetype == "application/x-www-form-urlencoded" and not request.form


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Every other HTTP error, with our wording."""
    if error.code and error.code >= 500:
        db.session.rollback()
    if error.code == 413:
        return error_response(413, too_large(), back=_upload_page())
    body, status = error_response(error.code or 500)
    response = make_response(body, status)
    for name, value in error.get_headers():  # a 405's Allow, a 401's WWW-Authenticate
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


# HR's uploads, by the path a form posts to: what the file is, and the page it was chosen on.
UPLOADS = {
    "/hr/outcomes": ("outcome file", "", "the outcome files"),
    "/hr/people/import": ("org chart", "/hr/people", "the people page"),
    "/hr/packs/upload": ("pack", "/hr/packs", "the packs page"),
    "/hr/packs/import": ("ladder spreadsheet", "", "the ladder import"),
}


def too_large() -> str:
    """The 413 message with the limit of the request that broke it (uploads to HR's pages
    have a larger one than the rest), naming the file when it was one of HR's uploads."""
    limit = request.max_content_length
    if not limit:
        return MESSAGES[413]
    size = f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit / 2**10:g} KB"
    upload = _hr_upload()
    if upload:
        return (
            f"The {upload[0]} chosen is larger than the {size} that can be sent here, so "
            "nothing was uploaded or changed. Choose a smaller file."
        )
    return f"That was too much data to send at once: at most {size} can be sent here."


def _hr_upload() -> tuple[str, str, str] | None:
    """The entry of UPLOADS the request posts to, if any."""
    return UPLOADS.get(request.path) if request.method == "POST" else None


def _upload_page() -> tuple[str, str] | None:
    """The page an HR upload too large to send was chosen on (its discipline kept), or None."""
    upload = _hr_upload()
    if upload is None:
        return None
    _, page, words = upload
    query = request.query_string.decode("utf-8", "replace")
    url = (page or request.path) + (f"?{query}" if query and not page else "")
    return url, f"Back to {words}"


@bp.app_errorhandler(InternalServerError)
def internal_error(error: InternalServerError):
    """Our bug: roll back, log it, show a calm page."""
    db.session.rollback()
    log.error(
        "Unhandled error on %s %s", request.method, request.path, exc_info=error.original_exception
    )
    try:
        return error_response(500)
    except ObjectDeletedError:
        # the account signed in was deleted while the request ran: the page is for no one
        logout_user()
        return error_response(500)
