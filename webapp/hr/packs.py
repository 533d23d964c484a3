"""HR's pack pages: every discipline's installed pack versions with their framework,
questionnaire and rules, and uploading a new version (validated as `trackfit validate` does);
a pack is installed for the discipline whose id it declares, and a new id is a new discipline."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired

from webapp import answering, audit, pack_versions
from webapp.answering import ModelRefused, Pack, PackInvalid, Recommender, load_pack
from webapp.extensions import db
from webapp.file_names import shown_file_name
from webapp.hr import bp
from webapp.hr.disciplines import chosen_discipline
from webapp.hr.governance.registry_text import in_registry
from webapp.pack_versions import PackUploadRefused


class PackUploadForm(FlaskForm):
    """A pack version as a zip of its folder."""

    file = FileField(
        "Pack (.zip of the pack folder)",
        validators=[FileRequired("Choose a file."), FileAllowed(["zip"], "Upload a .zip file.")],
    )


def _versions(discipline: Pack) -> dict[int, Pack]:
    """Every installed version of a discipline's pack, oldest first."""
    return {
        version: load_pack(path) for version, path in pack_versions.installed(discipline.id).items()
    }


def _newest(versions):
    """The version new assessments use, read from the same look at the installed versions as
    the rest of the page: the answering door keeps the pack it loaded for a second, so right
    after an upload it may still name the version before."""
    return versions[max(versions)]


@bp.route("/packs")
def packs(
    form: PackUploadForm | None = None,
    problems: list[str] | None = None,
    notes: tuple[str, ...] = (),
):
    """Every discipline with its installed pack versions; the newest of each is used for its
    new assessments."""
    status = 422 if problems or (form and form.errors) else 200
    shown = []
    for discipline in answering.disciplines():
        versions = _versions(discipline)
        shown.append((discipline, versions, _newest(versions)))
    return render_template(
        "hr/packs.html",
        disciplines=shown,
        form=form or PackUploadForm(),
        problems=problems or [],
        not_checked=notes,
    ), status


@bp.route("/packs/<int:version>")
def pack(version: int):
    """One version of a discipline's pack (`?discipline=`): tracks and levels, competencies,
    questionnaire items, rules."""
    discipline = chosen_discipline()
    versions = _versions(discipline)
    if version not in versions:
        abort(404)
    shown = versions[version]
    rules_text = (shown.path / "rules.yaml").read_text(encoding="utf-8")
    return render_template(
        "hr/pack.html",
        pack=shown,
        rules_text=rules_text,
        current=_newest(versions),
    )


@bp.route("/packs/upload", methods=["POST"])
def upload_pack():
    """Store a new version for the discipline the pack declares, after the same checks as
    `trackfit validate` and a check that the discipline's active model can read it; a pack
    with a new id starts a new discipline (it has no model yet). Old assessments keep the
    version they were taken in."""
    form = PackUploadForm()
    if not form.validate_on_submit():
        return packs(form)
    data = form.file.data.read()
    declared = _declared_discipline(data)
    known = [discipline.id for discipline in answering.disciplines()]
    new_discipline = declared is not None and declared not in known
    setting = declared or current_app.config["TRACKFIT_PACK"]
    # A discipline without an active model has nothing to read the pack: it is installed, and
    # the page says a model is still needed.
    no_model = new_discipline or answering.model_registry().active_or_none(setting) is None
    try:
        stored = pack_versions.store_upload(
            data,
            None if new_discipline else setting,  # None: the id it declares, a new discipline
            _checked_with(_no_model_yet if no_model else _active_model_reads),
        )
    except PackUploadRefused as refused:
        return packs(form, refused.problems, refused.notes)
    except PackInvalid:
        # The pack store versions a discipline against its installed pack: until it can start
        # one from an upload, a new id is refused, saying how to add it.
        return packs(form, [_not_installable(declared, known)])
    details = {"filename": shown_file_name(form.file.data.filename)}
    if new_discipline:
        details["new_discipline"] = stored.title
    audit.record("pack_upload", stored.ref, **details)
    db.session.commit()
    if new_discipline:
        flash(
            f"Pack {stored.ref} is installed as a new discipline, {stored.title}. It has no "
            "model yet: upload outcomes for it and train and promote one before its people's "
            "assessments can be answered."
        )
    elif no_model:
        flash(
            f"Pack {stored.ref} is installed; new assessments use it from now on. "
            f"{stored.title} has no active model yet: upload outcomes for it and train and "
            "promote one before its people's assessments can be answered."
        )
    else:
        flash(f"Pack {stored.ref} is installed; new assessments use it from now on.")
    return redirect(url_for(".pack", version=stored.version, discipline=stored.id))


def _declared_discipline(data: bytes) -> str | None:
    """The pack id the uploaded zip's pack.yaml declares, or None when it cannot be read (the
    upload's own checks then name every problem)."""
    try:
        # the store's own zip reading, until it names the id a pack declares itself
        files = pack_versions._pack_files(data)
        header = pack_versions.PackSource.parse_bytes(
            "pack.yaml", files["pack.yaml"], pack_versions.ProblemLog()
        ).data
    except (PackUploadRefused, PackInvalid):
        return None
    pack_id = header.get("id") if isinstance(header, dict) else None
    if isinstance(pack_id, str) and pack_versions.SAFE_ID.fullmatch(pack_id):
        return pack_id
    return None


def _not_installable(declared: str | None, known: list[str]) -> str:
    return (
        f"pack.yaml: id: '{declared}' is not a discipline of this site (its disciplines: "
        f"{', '.join(known)}), and a new discipline cannot be started from an upload here "
        "yet: add its pack folder to questionnaires/ on the server, or upload a version of an "
        "existing discipline"
    )


def _checked_with(check_model):
    """The checks a valid pack meets before it is installed, each problem named in one pass:
    its title is no other discipline's, and `check_model`."""

    def check(pack) -> None:
        problems = _title_taken(pack)
        try:
            check_model(pack)
        except PackUploadRefused as refused:
            problems += refused.problems
        if problems:
            raise PackUploadRefused(problems)

    return check


def _title_taken(pack) -> list[str]:
    """A title another discipline already has, compared as the org chart reads a discipline
    column (case aside): two disciplines titled alike would read as one to the people choosing
    theirs, and an org chart's "Software engineering" would name one of them."""
    wanted = pack.title.casefold()
    return [
        f"pack.yaml: title: '{pack.title}' is the title of the discipline '{other.id}' "
        "already; give this discipline a title of its own"
        for other in answering.disciplines()
        if other.id != pack.id and other.title.casefold() == wanted
    ]


def _active_model_reads(pack) -> None:
    try:
        Recommender.open(pack, current_app.config["TRACKFIT_MODELS"])
    except ModelRefused as refused:
        reason = in_registry(str(refused.problems[0]), answering.model_registry().root)
        raise PackUploadRefused(
            [f"the active model cannot use this pack ({reason}); retrain first"]
        ) from None


def _no_model_yet(pack) -> None:
    """A new discipline has no model to read its pack: nothing to check."""
