"""The people behind a version's verdict, as a CSV HR downloads from the version's page to
recompute the verdict (`webapp.hr.outcomes.verdict_rows` keeps them)."""

from __future__ import annotations

from flask import Response, abort, make_response, render_template

from webapp import audit, learning
from webapp.answering import ModelRefused
from webapp.extensions import db
from webapp.hr import bp
from webapp.hr.outcomes.verdict_rows import evidence_csv, evidence_run


@bp.route("/models/<version>/verdict-people.csv")
def verdict_people(version: str):
    """Every person kept behind the version's verdict, a row each in the order of the upload's
    rows; a page saying why when the version's training kept none (trained from the command
    line, before they were kept, or keeping them failed; or another version of the same name
    trained them). Each download is in the audit log."""
    registry = learning.registry_writer()
    if version not in registry.versions():
        abort(404)
    try:
        manifest = registry.manifest(version)
    except ModelRefused:  # its page names what is wrong
        manifest = {}
    run = evidence_run(version, manifest)
    if run is None:
        return make_response(render_template("hr/verdict_people_none.html", version=version), 404)
    text, rows = evidence_csv(run)
    audit.record("verdict_people_export", version, run=run.id, rows=rows)
    db.session.commit()
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="trackfit-{version}-verdict-people.csv"'
    )
    return response
