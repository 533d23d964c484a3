"""Model governance: every version with its metrics, the candidate beside the active version,
fairness, the model card; promote and roll back, each after a confirmation."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from markdown_it import MarkdownIt
from markupsafe import Markup

from recommender import ModelRefused, Registry
from recommender.fairness import OUTCOMES
from webapp import audit
from webapp.confirmation import ConfirmForm
from webapp.extensions import db
from webapp.hr import bp
from webapp.hr.forms import PromoteForm
from webapp.hr.model_charts import calibration_chart, roc_chart

TRACK_TITLES = {"ic": "individual contributor", "manager": "people manager"}
MIN_JUSTIFICATION = 30
# Raw HTML in a card is shown as text, never run.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def _registry() -> Registry:
    return Registry(current_app.config["TRACKFIT_MODELS"])


def _manifest(registry: Registry, version: str) -> dict:
    try:
        return registry.manifest(version)
    except ModelRefused:
        abort(404)


def flagged_cells(manifest: dict) -> list[dict]:
    """The fairness report's flagged groups (impact ratio under 0.8)."""
    return list((manifest.get("fairness") or {}).get("flagged", []))


@bp.route("/models")
def models():
    """Every version, newest first, with the active one marked."""
    registry = _registry()
    rows = []
    for name in reversed(registry.versions()):
        manifest = _manifest(registry, name)
        rows.append((name, manifest, len(flagged_cells(manifest))))
    return render_template(
        "hr/models.html",
        rows=rows,
        active=registry.active(),
        history=list(reversed(registry.history()))[:20],
        confirm=ConfirmForm(),
    )


@bp.route("/models/<version>")
def model(version: str):
    """One version beside the active one: held-out metrics, calibration, ROC, fairness."""
    return _model_page(version, PromoteForm())


def _model_page(version: str, form: PromoteForm) -> str:
    registry = _registry()
    manifest = _manifest(registry, version)
    holdout = manifest.get("holdout") or {}
    against = holdout.get("active") or {}
    names = {"candidate": version}
    if "tracks" in against:
        names["active"] = against["version"]
    charts = {}
    for track, title in TRACK_TITLES.items():
        mine = (holdout.get("candidate") or {}).get("tracks", {}).get(track, {})
        theirs = against.get("tracks", {}).get(track, {})
        if "calibration" in mine:
            charts[track] = (
                calibration_chart(
                    title,
                    {"candidate": mine["calibration"], "active": theirs.get("calibration")},
                    names,
                ),
                roc_chart(
                    title,
                    {"candidate": mine["roc"], "active": theirs.get("roc")},
                    {"candidate": mine.get("auc"), "active": theirs.get("auc")},
                    names,
                ),
            )
    return render_template(
        "hr/model.html",
        version=version,
        manifest=manifest,
        holdout=holdout,
        against=against,
        charts=charts,
        active=registry.active(),
        flagged=flagged_cells(manifest),
        outcomes=OUTCOMES,
        track_titles=TRACK_TITLES,
        form=form,
        min_justification=MIN_JUSTIFICATION,
    )


@bp.route("/models/<version>/card")
def model_card(version: str):
    """The version's model card."""
    registry = _registry()
    _manifest(registry, version)
    path = registry.root / version / "card.md"
    if not path.is_file():
        abort(404)
    html = Markup(_markdown.render(path.read_text(encoding="utf-8")))
    return render_template("hr/model_card.html", version=version, card=html)


@bp.route("/models/<version>/promote", methods=["POST"])
def promote(version: str):
    """Make a version active; with flagged fairness cells only with a written justification."""
    registry = _registry()
    manifest = _manifest(registry, version)
    form = PromoteForm()
    if not form.validate_on_submit():
        abort(400)
    flagged = flagged_cells(manifest)
    justification = (form.justification.data or "").strip()
    if flagged and len(justification) < MIN_JUSTIFICATION:
        form.justification.errors.append(
            f"The fairness report flags {len(flagged)} groups. Write why promoting is right "
            f"anyway (at least {MIN_JUSTIFICATION} characters); it goes into the audit log."
        )
        return _model_page(version, form), 422
    try:
        previous = registry.promote(version)
    except ModelRefused as refused:
        flash(f"{version} was not promoted: {refused.problems[0]}")
        return redirect(url_for(".model", version=version))
    audit.record(
        "promote",
        version,
        previous=previous,
        flagged_groups=len(flagged),
        justification=justification or None,
    )
    db.session.commit()
    flash(f"{version} is now the active model (it was {previous or 'none'}).")
    return redirect(url_for(".models"))


@bp.route("/models/rollback", methods=["POST"])
def rollback():
    """Go back to the version active before the current one."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    registry = _registry()
    current = registry.active()
    try:
        target = registry.rollback()
    except ModelRefused as refused:
        flash(f"Nothing was rolled back: {refused.problems[0]}")
        return redirect(url_for(".models"))
    audit.record("rollback", target, previous=current)
    db.session.commit()
    flash(f"Rolled back: {target} is the active model again (it was {current}).")
    return redirect(url_for(".models"))
