"""The baseline for the web benchmark: a bare Flask route, served by the same gunicorn."""

from flask import Flask

app = Flask(__name__)


@app.route("/", methods=["GET", "POST"])
def hello():
    """A few bytes of text, no template, no database (and a posted body left unread)."""
    return "ok"
