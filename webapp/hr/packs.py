"""HR's pack pages: the installed versions with their framework, questionnaire and rules, and
uploading a new version (validated as `trackfit validate` does)."""

from __future__ import annotations

import re

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired

from webapp import answering, audit, pack_versions
from webapp.answering import ModelRefused, Recommender, load_pack
from webapp.extensions import db
from webapp.hr import bp
from webapp.hr.governance.registry_text import in_registry

MAX_FILENAME = 200
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


class PackUploadForm(FlaskForm):
    """A pack version as a zip of its folder."""

    file = FileField(
        "Pack (.zip of the pack folder)",
        validators=[FileRequired("Choose a file."), FileAllowed(["zip"], "Upload a .zip file.")],
    )


def _versions():
    setting = current_app.config["TRACKFIT_PACK"]
    return {version: load_pack(path) for version, path in pack_versions.installed(setting).items()}


def _newest(versions):
    """The version new assessments use, read from the same look at the installed versions as
    the rest of the page: the answering door keeps the pack it loaded for a second, so right
    after an upload it may still name the version before."""
    return versions[max(versions)]


@bp.route("/packs")
def packs(form: PackUploadForm | None = None, problems: list[str] | None = None):
    """Every installed version of the pack; the newest is used for new assessments."""
    status = 422 if problems or (form and form.errors) else 200
    versions = _versions()
    return render_template(
        "hr/packs.html",
        versions=versions,
        current=_newest(versions),
        form=form or PackUploadForm(),
        problems=problems or [],
    ), status


@bp.route("/packs/<int:version>")
def pack(version: int):
    """One version: tracks and levels, competencies, questionnaire items, rules."""
    versions = _versions()
    if version not in versions:
        abort(404)
    shown = versions[version]
    rules_text = (shown.path / "rules.yaml").read_text(encoding="utf-8")
    return render_template(
        "hr/pack.html", pack=shown, rules_text=rules_text, current=_newest(versions)
    )


@bp.route("/packs/upload", methods=["POST"])
def upload_pack():
    """Store a new version, after the same checks as `trackfit validate` and a check that the
    active model can read it. Old assessments keep the version they were taken in."""
    form = PackUploadForm()
    if not form.validate_on_submit():
        return packs(form)
    try:
        stored = pack_versions.store_upload(
            form.file.data.read(), current_app.config["TRACKFIT_PACK"], _active_model_reads
        )
    except pack_versions.PackUploadRefused as refused:
        return packs(form, refused.problems)
    audit.record("pack_upload", stored.ref, filename=_shown_name(form.file.data.filename))
    db.session.commit()
    flash(f"Pack {stored.ref} is installed; new assessments use it from now on.")
    return redirect(url_for(".pack", version=stored.version))


def _shown_name(filename: str | None) -> str:
    """The uploaded file's name as the audit log keeps it: one line, printable, not too long."""
    return CONTROL_CHARACTERS.sub(" ", filename or "")[:MAX_FILENAME]


def _active_model_reads(pack) -> None:
    try:
        Recommender.open(pack, current_app.config["TRACKFIT_MODELS"])
    except ModelRefused as refused:
        reason = in_registry(str(refused.problems[0]), answering.model_registry().root)
        raise pack_versions.PackUploadRefused(
            [f"the active model cannot use this pack ({reason}); retrain first"]
        ) from None
