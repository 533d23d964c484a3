"""HR's import of a ladder spreadsheet: a pack to review, given back as a zip, never installed."""

from __future__ import annotations

import io
import re

from flask import render_template, send_file
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from recommender.pack.framework_sheet import MAX_FILE_BYTES, FrameworkSheetInvalid
from recommender.pack.loading import PACKS_DIR
from recommender.pack.skeleton import import_framework, zipped_pack
from webapp.hr import bp

PACK_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
MAX_ID = 64
MAX_TITLE = 120
TEMPLATES = PACKS_DIR / "templates"
TEMPLATE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
NAME_SHOWN = re.compile(r"[^\w .()-]+")  # the uploaded file's name as problems name it


class FrameworkImportForm(FlaskForm):
    """A ladder spreadsheet and the id and title of the pack it becomes."""

    file = FileField(
        "Ladder spreadsheet (.xlsx or .csv)",
        description="Laid out as the template is; at most 5 MB.",
        validators=[
            FileRequired("Choose a spreadsheet."),
            FileAllowed(["xlsx", "csv"], "Upload an Excel workbook (.xlsx) or a CSV file."),
        ],
    )
    pack_id = StringField(
        "Pack id",
        description="Lower-case letters, digits, '-' and '_', starting with a letter, e.g. "
        "data-science. It names the "
        "pack's folder and cannot change later.",
        validators=[
            InputRequired("Give the pack an id."),
            Length(max=MAX_ID, message=f"An id has at most {MAX_ID} characters."),
            Regexp(
                PACK_ID,
                message="Use lower-case letters, digits, '-' and '_', starting with a letter "
                "(e.g. data-science).",
            ),
        ],
    )
    title = StringField(
        "Title (optional)",
        description="Shown to people, e.g. Data science. Left empty, it is made from the id.",
        validators=[
            Optional(),
            Length(max=MAX_TITLE, message=f"A title has at most {MAX_TITLE} characters."),
        ],
    )


@bp.route("/packs/import", methods=["GET", "POST"])
def import_ladder():
    """Read a ladder spreadsheet into a pack; every problem listed by its cell, or the pack
    downloaded as a zip for HR to review and then upload on the packs page."""
    form = FrameworkImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        name = _shown_name(upload.filename)
        data = upload.read(MAX_FILE_BYTES + 1)  # more is refused by the reader, by its size
        try:
            files = import_framework(data, name, form.pack_id.data, form.title.data or None)
        except FrameworkSheetInvalid as refused:
            problems = [str(problem) for problem in refused.problems]
            if refused.more:
                problems.append(f"… and {refused.more:,} more problems")
            count = len(refused.problems) + refused.more
            form.file.errors = [
                f"This spreadsheet has {count:,} {'problem' if count == 1 else 'problems'}, "
                "listed above: fix the spreadsheet, then choose it again."
            ]
        else:
            return send_file(
                io.BytesIO(zipped_pack(files, form.pack_id.data)),
                mimetype="application/zip",
                as_attachment=True,
                download_name=f"{form.pack_id.data}.zip",
            )
    status = 422 if problems or form.errors else 200
    return render_template("hr/framework_import.html", form=form, problems=problems), status


def _shown_name(filename: str | None) -> str:
    """The file's name as problems name it: its last part, printable, short, its kind kept."""
    name = NAME_SHOWN.sub("_", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    return name[-80:] or "upload"


@bp.route("/packs/import/template.<any(xlsx, csv):kind>")
def ladder_template(kind: str):
    """The template: a small complete ladder, with instructions in the workbook."""
    # read whole (8 KB), so that no file stays open with a response nobody finished reading
    return send_file(
        io.BytesIO((TEMPLATES / f"framework-template.{kind}").read_bytes()),
        mimetype=TEMPLATE_TYPES[kind],
        as_attachment=True,
        download_name=f"ladder-template.{kind}",
    )
