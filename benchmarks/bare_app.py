"""The baseline for the web benchmark: a bare Flask route, served by the same gunicorn."""

from flask import Flask

app = Flask(__name__)
# As many bytes as the benchmark's results page, to tell the cost of sending them apart.
PAGE = "<!doctype html><p>" + "trackfit " * 4_450 + "</p>"


@app.route("/", methods=["GET", "POST"])
def hello():
    """A few bytes of text, no template, no database (and a posted body left unread)."""
    return "ok"


@app.route("/page")
def page():
    """A fixed page of about 40 KB, no template, no database."""
    return PAGE
