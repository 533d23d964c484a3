"""Floors for the web benchmark: trackfit's own app, served the same way, with two routes that
do only what every signed-in page and every API call must do before any work of their own.

`/floor/signed-in` reads the session cookie, loads the signed-in user and checks their session
(as every page behind a log-in does) and answers "ok"; `/floor/api` reads the posted body and
checks the API token (as every API call does) and answers "ok". They live here, not in
`webapp/`, so the product never serves them.
"""

from flask import request
from flask_login import login_required

from webapp import create_app
from webapp.api.routes import require_token
from webapp.extensions import csrf

app = create_app()


@app.get("/floor/signed-in")
@login_required
def signed_in():
    """Nothing but the log-in check of every signed-in page."""
    return "ok"


@app.post("/floor/api")
@csrf.exempt
def api_token():
    """Nothing but reading the body and the token check of every API call."""
    request.get_data()
    return require_token() or "ok"
