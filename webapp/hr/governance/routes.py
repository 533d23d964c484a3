"""Model governance, one discipline at a time: every version with its metrics, the candidate
beside its discipline's active version, fairness, the model card; promote and roll back, each
after a confirmation.

Each discipline (pack) has its own active pointer. A version is trained for one pack; promoting
it moves that pack's pointer only, and rolling back goes back through one pack's history.
Promoting takes two posts: the first checks the justification and shows what will happen,
only the second (the confirmation, carrying that page's signed token) moves the pointer, and
only if the pointer has not moved since the page was shown. Rolling back is offered only when the
discipline's pointer history has an earlier version to go back to; its confirmation page names
both versions, and the post is refused if the pointer moved since that page was shown."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from jinja2 import UndefinedError
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from webapp import answering, audit, learning
from webapp.answering import ModelRefused, Pack
from webapp.extensions import db
from webapp.hr import bp
from webapp.hr.disciplines import chosen_discipline, pack_version
from webapp.hr.governance.charts import calibration_chart, roc_chart
from webapp.hr.governance.fold_choices import fold_choices
from webapp.hr.governance.forms import ConfirmPromotionForm, PromoteForm, RollbackForm
from webapp.hr.governance.promotion_confirmation import confirmation_token, confirmed_step
from webapp.hr.governance.registry_text import in_registry, problem_texts
from webapp.hr.outcomes.verdict_rows import evidence_run, kept_counts

# A manifest is a file that anyone with the models folder may have edited. The registry checks
# the fields answering relies on; these pages read many more (metrics, curves, comparisons),
# so a page that cannot be drawn from its manifest names the file instead of failing.
UNEXPECTED_SHAPE = (
    AttributeError,
    TypeError,
    KeyError,
    IndexError,
    ValueError,
    ArithmeticError,  # a number too big to round, say
    UndefinedError,
)
# characters of who made a move that a page repeats from the history: a name (120) and an
# email (254) as trackfit writes them fit whole; a longer hand-written line is cut
MAX_MOVER = 400
# kept out of who made a move when a page repeats it: control characters, and the marks that
# would turn the rest of a sentence right to left
UNSHOWN = re.compile(
    r"[\x00-\x1f\x7f-\x9f\xad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]+"
)
# Raw HTML in a card is shown as text, never run. A card has no links or images (text from
# data is escaped when the card is written), so those rules are off: they were the costliest on
# a card made of brackets (13 s for 256 KB of "![", 4 s without them).
_markdown = (
    MarkdownIt("commonmark", {"html": False}).enable("table").disable(["link", "image", "autolink"])
)


def _table_open(renderer, tokens, index, options, env) -> str:
    """A card's table opens inside a region that scrolls sideways on a narrow screen (its words
    stay whole), named by the heading above it for a screen reader, and reachable by keyboard."""
    heading = next(
        (
            tokens[before - 1].content
            for before in range(index - 1, 0, -1)
            if tokens[before].type == "heading_close"
        ),
        "Table",
    )
    region = f'<div class="table-scroll" role="region" aria-label="{escape(heading)}" tabindex="0">'
    # on a phone each row stacks as a block whose cells name their columns (as the model
    # page's tables do): a card's widest tables held the flag and the adjusted p off screen
    tokens[index].attrSet("class", "stacks")
    env["columns"] = []
    for token in tokens[index + 1 :]:
        if token.type == "thead_close":
            break
        if token.type == "inline":
            env["columns"].append(token.content)
    return region + renderer.renderToken(tokens, index, options, env)


def _table_cell(renderer, tokens, index, options, env) -> str:
    """A cell names its column, which a phone shows before it (`table.stacks`)."""
    column = 0
    for before in range(index - 1, 0, -1):
        if tokens[before].type == "tr_open":
            break
        column += tokens[before].type == "td_open"
    columns = env.get("columns", [])
    if column < len(columns):
        tokens[index].attrSet("data-label", columns[column])
    return renderer.renderToken(tokens, index, options, env)


def _table_close(renderer, tokens, index, options, env) -> str:
    return renderer.renderToken(tokens, index, options, env) + "</div>\n"


_markdown.add_render_rule("table_open", _table_open)
_markdown.add_render_rule("td_open", _table_cell)
_markdown.add_render_rule("table_close", _table_close)


def _manifest(registry: learning.RegistryWriter, version: str) -> dict:
    """A version's manifest; 404 for no such version, 422 naming what is wrong with its
    manifest (never a 500)."""
    if version not in registry.versions():
        abort(404)
    try:
        return registry.manifest(version)
    except ModelRefused as refused:
        problems = problem_texts(refused, registry.root)
        abort(_problem_page(f"{version} cannot be shown", problems, 422))


def _unexpected_shape(registry: learning.RegistryWriter, version: str, error: Exception) -> str:
    detail = in_registry(f"{type(error).__name__}: {error}", registry.root)
    return f"{version}/manifest.json: a field does not have the shape trackfit writes ({detail})"


def _problem_page(title: str, problems, status: int):
    return make_response(
        render_template("hr/model_problem.html", title=title, problems=problems), status
    )


def _registry_problems(registry: learning.RegistryWriter, pack_id: str):
    """A discipline's active version (None when unreadable), its pointer history and every
    problem found reading the registry's files, so the models page shows them instead of
    failing."""
    problems = []
    try:
        active = registry.active(pack_id)
    except ModelRefused as refused:
        active, problems = None, problem_texts(refused, registry.root)
    try:
        history = registry.history(pack_id)
    except ModelRefused as refused:
        history, problems = [], problems + problem_texts(refused, registry.root)
    return active, history, problems


def _active(registry: learning.RegistryWriter, pack_id: str) -> str | None:
    """A discipline's active version, or None when it has none or its pointer cannot be read
    (the models page names the problem; a promotion mends it)."""
    if not pack_id:
        return None
    try:
        return registry.active(pack_id)
    except ModelRefused:
        return None


def _pack_id(registry: learning.RegistryWriter, version: str) -> str:
    """The id of the pack a version was trained for, or "" when its manifest names none that
    reads as one (the version then belongs to no discipline here)."""
    try:
        return registry.pack_of(version)
    except ModelRefused:
        return ""


def discipline_of_version(registry: learning.RegistryWriter, version: str, manifest: dict):
    """The discipline a version was trained for, as its newest pack (None when that discipline
    is not installed here), and the pack version it was trained with (None likewise)."""
    current = _installed_discipline(_pack_id(registry, version))
    ref = manifest.get("pack")
    return current, (pack_version(ref) if current and isinstance(ref, str) else None)


def _installed_discipline(pack_id: str) -> Pack | None:
    """The installed discipline of a pack id, or None."""
    return next((p for p in answering.disciplines() if p.id == pack_id), None)


def flagged_cells(manifest: dict) -> list[dict]:
    """The fairness report's flagged groups (impact ratio under 0.8)."""
    return list((manifest.get("fairness") or {}).get("flagged", []))


NOT_CHECKED = "not checked: trained without sensitive columns"
NOTHING_COMPARED = (
    "no check possible (no sensitive attribute had two groups to compare): this is not a pass"
)


@bp.app_template_global()
def fairness_unchecked(manifest: dict) -> str | None:
    """Why a version's advice was never checked for fairness, as its promotion's confirmation
    and audit record say it (a version with no flag must not read as one that passed); None
    where its fairness report compared groups."""
    report = manifest.get("fairness")
    if not report:
        return NOT_CHECKED
    return None if learning.fairness_checked(report) else NOTHING_COMPARED


def verdict(manifest: dict) -> dict | None:
    """How the version was judged against the active one; None for versions never judged."""
    return (manifest.get("comparison") or {}).get("verdict")


@bp.app_template_global()
def stale_verdict(manifest: dict, version: str, active: str | None) -> str | None:
    """The version a candidate was judged against when that one is no longer active (its
    verdict says nothing about the one it would replace); None otherwise."""
    against = (manifest.get("comparison") or {}).get("active")
    if against and active and active not in (against, version):
        return against
    return None


def _refusal(manifest: dict, justification: str) -> str | None:
    """The message refusing a promotion that lacks a needed justification, or None."""
    reasons = learning.unjustified(manifest, justification)
    if not reasons:
        return None
    return (
        f"Promoting {learning.needs_justification(reasons, justification)}. Write why "
        f"promoting is right anyway (at least {learning.MIN_JUSTIFICATION} characters and "
        f"{learning.MIN_WORDS} different words); it goes into the audit log."
    )


@bp.route("/models")
def models():
    """A discipline's versions (`?discipline=`), newest first, with its active one marked; its
    rollback and pointer history."""
    return _models_page(chosen_discipline())


def _models_page(discipline: Pack):
    registry = learning.registry_writer()
    active, history, problems = _registry_problems(registry, discipline.id)
    shared = {
        "discipline": discipline,
        "active": active,
        "track_ids": answering.TRACK_IDS,
        "track_titles": _track_titles(discipline),
        "interval_level": answering.INTERVAL_LEVEL,
        "was_active": {move.get("to") for move in history},
    }
    rows = []
    # Every version's manifest is read to find the discipline's: one that cannot be read could
    # be any discipline's, so its problem is named on every discipline's page.
    for name in reversed(registry.versions()):
        try:
            manifest = registry.manifest(name)
        except ModelRefused as refused:
            problems += problem_texts(refused, registry.root)
            continue
        try:
            if registry.pack_of(name) != discipline.id:
                continue
        except ModelRefused as refused:
            problems += problem_texts(refused, registry.root)
            continue
        try:
            row = (name, manifest, flagged_cells(manifest), verdict(manifest))
            render_template("hr/models.html", rows=[row], **shared)
        except UNEXPECTED_SHAPE as error:
            problems.append(_unexpected_shape(registry, name, error))
            continue
        rows.append(row)
    return render_template(
        "hr/models.html",
        **shared,
        disciplines=answering.disciplines(),
        rows=rows,
        history=list(reversed(history))[:20],
        max_justification=learning.MAX_JUSTIFICATION,  # a longer one was not written here
        problems=problems,
        rollback=rollback_offer(registry, discipline.id)[0],
    )


@bp.route("/models/<version>")
def model(version: str):
    """One version beside the active one: held-out metrics, calibration, ROC, fairness."""
    return _model_page(version, PromoteForm())


def _model_page(version: str, form: PromoteForm, already_active: str | None = None) -> str:
    registry = learning.registry_writer()
    manifest = _manifest(registry, version)
    try:
        return _draw_model_page(registry, version, manifest, form, already_active)
    except UNEXPECTED_SHAPE as error:
        problem = _unexpected_shape(registry, version, error)
        abort(_problem_page(f"{version} cannot be shown", [problem], 422))


def _draw_model_page(
    registry, version: str, manifest: dict, form: PromoteForm, already_active: str | None
) -> str:
    holdout = manifest.get("holdout") or {}
    against = holdout.get("active") or {}
    names = {"candidate": version}
    discipline, trained_with = discipline_of_version(registry, version, manifest)
    pack_id = _pack_id(registry, version)
    active_now = _active(registry, pack_id)
    if "tracks" in against:
        # the version it was compared with is named as what it is now, not what it was then
        was = against["version"]
        names["active"] = f"{was} (active)" if was == active_now else f"{was} (active then)"
    charts = {}
    pack = trained_with or discipline
    titles = _track_titles(pack)
    for track, title in titles.items():
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
        discipline=discipline,
        discipline_title=discipline.title if discipline else (pack_id or "no known discipline"),
        disciplines=answering.disciplines(),
        holdout=holdout,
        against=against,
        charts=charts,
        active=active_now,
        flagged=flagged_cells(manifest),
        comparison_problem=_comparison_problem(registry, against),
        outcomes=learning.OUTCOMES,
        track_titles=titles,
        feature_labels=answering.feature_labels(pack) if pack else {},
        form=form,
        min_justification=learning.MIN_JUSTIFICATION,
        max_justification=learning.MAX_JUSTIFICATION,
        comparison=manifest.get("comparison"),
        bands=_own_intervals(manifest.get("comparison")),
        verdict=verdict(manifest),
        reasons=learning.justification_reasons(manifest),
        already_active=already_active,
        folds=fold_choices(manifest),
        verdict_people=_verdict_people(version, manifest),
    )


def _verdict_people(version: str, manifest: dict) -> tuple[int, int] | None:
    """How many people behind the version's verdict are kept (all, judged), or None when its
    training kept none (trained from the command line, before they were kept, or keeping them
    failed)."""
    run = evidence_run(version, manifest)
    return None if run is None else kept_counts(run)


def _own_intervals(comparison: dict | None) -> dict[str, dict[str, list[float]]]:
    """Each track's own figures' intervals as the comparison recorded them, for the table
    of cross-fitted figures: {track: {"candidate_auc": [low, high], "active_brier": ...}}.
    A first version has no comparison table, and this is where its ROC AUC gets its
    interval. A manifest edited out of shape fails here or in the template as any other field
    does (UNEXPECTED_SHAPE: the page names the file)."""
    bands = {}
    for track, figures in ((comparison or {}).get("tracks") or {}).items():
        found = {
            f"{who}_{measure}": figures[measure][f"{who}_interval"]
            for measure in ("auc", "brier")
            if measure in figures
            for who in ("candidate", "active")
            if f"{who}_interval" in figures[measure]
        }
        if found:
            bands[track] = found
    return bands


def _track_titles(pack: Pack | None) -> dict[str, str]:
    """Track id -> its title in lower case, from the pack (the ids themselves without one)."""
    if pack is None:
        return {track: track for track in answering.TRACK_IDS}
    return {t.id: t.title.lower() for t in pack.framework.tracks}


def _comparison_problem(registry, against: dict) -> str | None:
    """Why the then-active version could not be compared, as recorded when training."""
    error = against.get("error")
    return in_registry(str(error), registry.root) if error else None


@bp.route("/models/<version>/card")
def model_card(version: str):
    """The version's model card."""
    registry = learning.registry_writer()
    _manifest(registry, version)
    try:
        # bounded in size, never through a link; not UTF-8 is shown with replacement marks
        card = registry.card(version)
    except ModelRefused as refused:
        problems = problem_texts(refused, registry.root)
        abort(_problem_page(f"The model card of {version} cannot be shown", problems, 422))
    if card is None:
        abort(404)
    manifest = registry.manifest(version)
    redrawn = False
    try:
        if learning.exposes_small_groups(manifest.get("fairness")):
            # written before small groups' outcomes were withheld: never shown as stored
            card, redrawn = learning.render_model_card(manifest).replace("{version}", version), True
    except UNEXPECTED_SHAPE as error:
        problem = _unexpected_shape(registry, version, error)
        abort(_problem_page(f"The model card of {version} cannot be shown", [problem], 422))
    html = Markup(_markdown.render(card))
    discipline, _ = discipline_of_version(registry, version, manifest)
    return render_template(
        "hr/model_card.html",
        version=version,
        card=html,
        redrawn=redrawn,
        smallest_shown=learning.SMALLEST_SHOWN,
        discipline=discipline,
        pack_ref=manifest.get("pack"),
    )


@bp.route("/models/<version>/promote", methods=["POST"])
def promote(version: str):
    """Ask to confirm a promotion; nothing changes until the confirmation is posted.

    A version judged worse than the active one, or with flagged fairness cells, needs a
    written justification first."""
    registry, manifest, form = _promotion_request(version)
    justification = (form.justification.data or "").strip()
    discipline, _ = discipline_of_version(registry, version, manifest)
    refused = _refusal(manifest, justification)
    if discipline is None and not refused:
        refused = _not_installed(version, manifest)
    if refused:  # an attempt to get past the checks is on the record too, as at confirming
        pack = discipline.id if discipline else manifest.get("pack")
        _audit_refusal(version, refused, justification, pack)
        return _refused_page(version, form, refused)
    return _ask_to_confirm(registry, version, manifest, discipline, form)


def _ask_to_confirm(registry, version: str, manifest: dict, discipline: Pack, form, **notice):
    """The page that asks to confirm promoting `version` in place of the version active now,
    once the version has answered sample people (never ask to confirm what cannot be
    promoted); its form carries both versions and a signed token (`promotion_confirmation`).
    With `notice` (`notice=` text, `status=`), the page again, saying why nothing was promoted
    yet."""
    justification = (form.justification.data or "").strip()
    try:
        answering.try_version(registry, version, discipline)
    except ModelRefused as refused_model:
        return _refused_page(version, form, _not_promoted(registry, version, refused_model))
    active = _active(registry, discipline.id)
    try:
        moves = len(registry.history(discipline.id))
    except ModelRefused as refused:
        return _refused_page(version, form, _not_promoted(registry, version, refused))
    form = ConfirmPromotionForm(formdata=None)
    form.justification.data = justification
    form.confirmation.data = confirmation_token(version, active, moves, justification)
    people_problem = registry.learnt_from_warning(version)  # said, as the CLI says it
    return render_template(
        "hr/promote_confirm.html",
        version=version,
        discipline=discipline,
        others=[p for p in answering.disciplines() if p.id != discipline.id],
        active=active,
        verdict=verdict(manifest),
        manifest=manifest,
        flagged=flagged_cells(manifest),
        justification=justification,
        form=form,
        notice=notice.get("notice"),
        people_problem=people_problem and in_registry(people_problem, registry.root),
    ), notice.get("status", 200)


def _not_installed(version: str, manifest: dict) -> str:
    return (
        f"{version} cannot be promoted: it was trained for pack {manifest.get('pack')}, whose "
        "discipline is not installed here."
    )


@bp.route("/models/<version>/promote/confirm", methods=["POST"])
def confirm_promote(version: str):
    """Make a version active, as confirmed on its confirmation page (a post that did not come
    from that page, or whose justification or version to replace was changed, is shown the
    page instead); the justification is checked again and audited, and nothing moves when
    another version has become active since the page was shown."""
    registry, manifest, form = _promotion_request(version, ConfirmPromotionForm)
    justification = (form.justification.data or "").strip()
    discipline, _ = discipline_of_version(registry, version, manifest)
    pack = discipline.id if discipline else manifest.get("pack")
    refused = _refusal(manifest, justification)
    if discipline is None and not refused:
        refused = _not_installed(version, manifest)
    if refused:
        _audit_refusal(version, refused, justification, pack)
        return _refused_page(version, form, refused)
    step = confirmed_step(form.confirmation.data, version, justification)
    if step is None:
        notice = (
            "Nothing was promoted yet: a promotion is made from this page, which says what it "
            "will change. (The request did not come from it, or the page was more than an hour "
            "old.)"
        )
        _audit_refusal(version, notice, justification, pack)
        return _ask_to_confirm(
            registry, version, manifest, discipline, form, notice=notice, status=409
        )
    replacing, moves = step
    try:
        # moves the pointer of the version's own discipline only, if it has not moved since
        # the confirmation (which named the version it replaces)
        previous = registry.promote(
            version,
            discipline,
            replacing=replacing,
            moves=moves,
            justification=justification,
            by=_mover(),
        )
    except learning.AlreadyActive:  # promoted by someone else since the check
        _audit_refusal(version, "it was already active", justification, pack)
        return _already_active_page(registry, version, manifest, form)
    except learning.PromotionMoved as moved:
        now = (
            f"{moved.active} is active again, after other moves"
            if moved.active == replacing
            else f"{moved.active or 'no model'} is active now"
        )
        notice = (
            f"Nothing was promoted: {discipline.title}'s active model changed since you "
            f"confirmed replacing {replacing or 'no model'}"
            f"{_last_move_said(registry, discipline.id)}; {now}. Confirm again if {version} "
            "should replace it."
        )
        _audit_refusal(version, notice, justification, pack)
        return _ask_to_confirm(
            registry, version, manifest, discipline, form, notice=notice, status=409
        )
    except ModelRefused as refused_model:
        refused = _not_promoted(registry, version, refused_model)
        _audit_refusal(version, refused, justification, pack)
        return _refused_page(version, form, refused)
    judged = verdict(manifest)
    against = (manifest.get("comparison") or {}).get("active")
    audit.record(
        "promote",
        version,
        previous=previous,
        pack=discipline.id,
        flagged_groups=learning.flagged_groups(manifest.get("fairness")),
        fairness=fairness_unchecked(manifest),
        calibration=learning.calibration_in_brief(manifest),
        verdict=judged["summary"] if judged else None,
        # the version it was judged against, where that is not the one it replaced
        judged_against=against if judged and against and against != previous else None,
        justification=justification or None,
    )
    db.session.commit()
    flash(
        f"{version} is now the active model (it was {previous or 'none'}) for "
        f"{discipline.title}; other disciplines are not affected."
    )
    return redirect(url_for(".models", discipline=discipline.id))


def _audit_refusal(version: str, why: str, justification: str, pack: str | None) -> None:
    """A confirmed promotion that moved nothing goes into the audit log with why, and the
    justification as given: an attempt to promote is on the record, not only a promotion."""
    audit.record(  # why first: the log's row shows the first detail
        "promotion_refused",
        version,
        why=_why_refused(why),
        pack=pack,
        justification=justification[: learning.MAX_JUSTIFICATION] or None,
    )
    db.session.commit()


# how a refusal shown on the page opens; the audit log's "refused because" says it already
REFUSAL_OPENING = re.compile(r"Nothing was (?:promoted|rolled back)(?: yet| by this request)?: ")


def _why_refused(refusal: str) -> str:
    """A refusal as the audit log keeps it: without its opening, at most 2,000 characters
    (room for the move it names, who made it and the discipline's title)."""
    return _storable(REFUSAL_OPENING.sub("", refusal, count=1), 2000)


def _not_promoted(registry, version: str, refused: ModelRefused) -> str:
    return f"{version} cannot be promoted: " + "; ".join(problem_texts(refused, registry.root))


def _promotion_request(version: str, form_class=PromoteForm):
    """The registry, the version's manifest and the posted form of a promotion (400 when
    the form does not validate, 404 when there is no such version, 409 when it is its
    discipline's active version already)."""
    registry = learning.registry_writer()
    manifest = _manifest(registry, version)
    form = form_class()
    if not form.validate_on_submit():
        if not form.justification.errors:
            abort(400)  # no valid CSRF token
        # a NUL character or a justification too long: said next to it
        abort(make_response(_model_page(version, form), 422))
    try:
        learning.justification_reasons(manifest)
    except UNEXPECTED_SHAPE as error:
        problem = _unexpected_shape(registry, version, error)
        abort(_problem_page(f"{version} cannot be promoted", [problem], 422))
    pack_id = _pack_id(registry, version)
    if pack_id and _active(registry, pack_id) == version:
        # a move from a version to itself would only be a rollback step to nowhere
        abort(_already_active_page(registry, version, manifest, form))
    return registry, manifest, form


def _already_active_page(registry, version: str, manifest: dict, form: PromoteForm):
    """409: the version is its discipline's active one already (another tab or colleague may
    have promoted it since the page was shown); nothing was recorded. The model page, which
    offers no promotion of the active version, says so at its top."""
    discipline, _ = discipline_of_version(registry, version, manifest)
    title = discipline.title if discipline else _pack_id(registry, version)
    message = (
        f"{version} is already the active version for {title}; nothing was promoted by this "
        "request (a second click, or a colleague promoted it)."
    )
    return make_response(_model_page(version, form, already_active=message), 409)


def _refused_page(version: str, form: PromoteForm, message: str) -> tuple[str, int]:
    # The error summary above the form has autofocus: the browser opens this long page at the
    # message, not at its top. (The form posts to a URL without a #fragment on purpose: a
    # fragment would make the browser skip autofocus.)
    form.justification.errors = [message]
    return _model_page(version, form), 422


@bp.route("/models/rollback")
def rollback_confirmation():
    """Ask to confirm a discipline's rollback (`?discipline=`), naming the version it goes back
    to; 409 when there is no earlier version."""
    discipline = chosen_discipline()
    registry = learning.registry_writer()
    unreadable = _unreadable_history(registry, discipline)
    if unreadable:
        return _rollback_page(
            registry, discipline, (None, 0), RollbackForm(), refusal=unreadable, status=422
        )
    return _rollback_page(
        registry, discipline, rollback_offer(registry, discipline.id), RollbackForm()
    )


def _unreadable_history(registry, discipline: Pack) -> str | None:
    """Why the pointer history cannot say what a rollback would go back to, or None."""
    try:
        registry.history(discipline.id)
    except ModelRefused as refused:
        problems = "; ".join(problem_texts(refused, registry.root))
        return f"Nothing can be rolled back while the pointer history cannot be read: {problems}"
    return None


def rollback_offer(
    registry: learning.RegistryWriter, pack_id: str
) -> tuple[tuple[str, str] | None, int]:
    """The step a rollback of a discipline would take now and the number of its pointer moves
    that step follows (`Registry.rollback_offer`); (None, 0) when the history cannot be read
    (the pages name its problems)."""
    try:
        return registry.rollback_offer(pack_id)
    except ModelRefused:
        return None, 0


def _rollback_page(
    registry,
    discipline: Pack,
    offer: tuple[tuple[str, str] | None, int],
    form: RollbackForm,
    *,
    refusal: str | None = None,
    status=None,
):
    step, moves = offer
    if step is not None:
        form.to.data, form.replacing.data = step
        form.moves.data = str(moves)
    status = status or (200 if step else 409)
    return render_template(
        "hr/rollback_confirm.html",
        discipline=discipline,
        others=[p for p in answering.disciplines() if p.id != discipline.id],
        step=step,
        active=_active(registry, discipline.id),
        form=form,
        refusal=refusal,
        status=status,
    ), status


def _made_already(active: str) -> str:
    """What a rollback confirmed twice (a second click, or a colleague's) finds."""
    return (
        f"{active} is active now, as you asked: this rollback, or one like it, was made "
        "already (a second click, or a colleague)."
    )


def _rollback_moved(attempt: RollbackAttempt, offer: tuple[tuple[str, str] | None, int]):
    """The rollback page again, with the step the history asks for now, if any (409)."""
    registry, discipline, confirmed = attempt.registry, attempt.discipline, attempt.confirmed
    step = offer[0]
    active = _active(registry, discipline.id)
    if step == confirmed:
        now = (
            f"It has moved and come back to {confirmed[1]} since; a rollback now would again go "
            f"from {step[1]} to {step[0]}: confirm again if it is still what you want."
        )
    elif step:
        now = (
            f"A rollback now would go from {step[1]} to {step[0]}; confirm that instead if it "
            "is what you want."
        )
    else:
        now = "There is nothing to roll back to now."
    if active == confirmed[0]:
        now = f"{_made_already(active)} {now}"
    if step and step != confirmed and attempt.justification:
        # a reason for going from one version to another does not hold for another step
        attempt.form.justification.data = ""
        now += (
            f" Your reason was written for going back from {confirmed[1]} to {confirmed[0]}, "
            "so it is not carried over: write one for this step if you confirm it."
        )
    refusal = (
        f"Nothing was rolled back by this request: {discipline.title}'s active model changed "
        f"since you asked to go back from {confirmed[1]} to {confirmed[0]}"
        f"{_last_move_said(registry, discipline.id)}. {now}"
    )
    return attempt.refuse(offer, refusal, 409)


def _mover() -> str:
    """Who is moving a pointer, as the registry's history keeps it: the name and email of
    the HR account signed in (both as they are now; the audit log keeps the account's id)."""
    return f"{current_user.name} ({current_user.email})"


@bp.app_template_filter("mover_said")
def mover_said(by: object) -> str:
    """Who made a pointer move, as the history records it, fit to repeat in a sentence: text
    only, without control or direction marks, at most MAX_MOVER characters; '' when the
    history does not say."""
    if not isinstance(by, str):
        return ""
    shown = " ".join(UNSHOWN.sub(" ", by).split())
    return shown if len(shown) <= MAX_MOVER else shown[: MAX_MOVER - 1] + "…"


def _last_move_said(registry, pack_id: str) -> str:
    """ ", last by the promotion of v5 in place of v4 at 2026-12-03 17:42 UTC, made by Grace
    Hopper (grace@example.com)": the discipline's last pointer move and who made it (for a
    move recorded without that, say so), or nothing when the history cannot say."""
    try:
        moves = registry.history(pack_id)
    except ModelRefused:
        return ""
    if not moves:
        return ""
    last = moves[-1]
    what = (
        f"the promotion of {last['to']} in place of {last.get('from') or 'no model'}"
        if last["action"] == "promote"
        else f"the rollback from {last.get('from')} to {last['to']}"
    )
    at = last.get("at")
    when = f" at {at[:16].replace('T', ' ')} UTC" if isinstance(at, str) and at else ""
    by = mover_said(last.get("by"))
    if by:
        # isolated, so that a name written right to left cannot reorder the sentence around it
        return f", last by {what}{when}, made by \u2068{by}\u2069"
    return (
        f", last by {what}{when} (the history does not say who; the audit log has every move "
        "made on these pages)"
    )


@bp.route("/models/rollback", methods=["POST"])
def rollback():
    """Go back to the version the discipline (`?discipline=`) had active before its current
    one, as confirmed, with a written reason; no other discipline's pointer moves. A refused
    rollback moves nothing and is audited with why. Every problem with the confirmation is
    said before the reason's: a stale page is never offered afresh as if only its reason was
    wrong."""
    discipline = chosen_discipline()
    form = RollbackForm()
    if not form.validate_on_submit() and (form.csrf_token.errors or not form.errors):
        abort(400)  # no valid CSRF token
    registry = learning.registry_writer()
    confirmed = ((form.to.data or "").strip(), (form.replacing.data or "").strip())
    justification = (form.justification.data or "").strip()
    attempt = RollbackAttempt(registry, discipline, form, confirmed, justification)
    refuse = attempt.refuse
    reason_refused = _reason_refused(form, justification)
    unreadable = _unreadable_history(registry, discipline)
    if unreadable:
        return refuse((None, 0), unreadable, 422)
    offer = rollback_offer(registry, discipline.id)
    step, now = offer
    moves = (form.moves.data or "").strip()
    if step is None:
        refusal = "Nothing was rolled back: there is nothing to roll back to now."
        if confirmed[0] and _active(registry, discipline.id) == confirmed[0]:
            refusal = f"Nothing was rolled back by this request: {_made_already(confirmed[0])}"
        return refuse(offer, refusal, 409)
    offered_now = f"A rollback now would go from {step[1]} to {step[0]}; confirm that if it is "
    offered_now += "what you want."
    malformed = form.errors.keys() - {"justification"}
    if malformed or not all(confirmed) or not (moves.isascii() and moves.isdigit()):
        # never "whatever the step is now": that would skip the check that the pointer has
        # not moved since the confirmation page was shown
        refusal = (
            "Nothing was rolled back: the confirmation did not say which version to go back "
            f"from and to, or not in the form this page gives. {offered_now}"
        )
        return refuse(offer, refusal, 400)
    elsewhere = _not_a_version_of(registry, discipline, confirmed[0])
    if elsewhere:
        return refuse(offer, f"Nothing was rolled back: {elsewhere} {offered_now}", 400)
    never_offered = _never_offered(registry, discipline, offer, confirmed, int(moves))
    if never_offered:
        return refuse(offer, f"{never_offered} {offered_now}", 400)
    if confirmed != step or int(moves) != now:  # moved since the page; checked again below
        return _rollback_moved(attempt, offer)
    if reason_refused:
        return refuse(offer, reason_refused, 422)
    try:
        # the confirmed step and no other: the registry checks it, and again under its lock
        target, current = registry.roll_back(
            discipline,
            confirmed=confirmed,
            moves=int(moves),
            justification=justification,
            by=_mover(),
        )
    except learning.RollbackMoved:  # someone promoted or rolled back since the check above
        return _rollback_moved(attempt, rollback_offer(registry, discipline.id))
    except ModelRefused as refused:
        message = "Nothing was rolled back: " + "; ".join(problem_texts(refused, registry.root))
        return refuse(offer, message, 422)
    audit.record(
        "rollback", target, previous=current, pack=discipline.id, justification=justification
    )
    db.session.commit()
    flash(
        f"Rolled back: {target} is the active model again (it was {current}) for "
        f"{discipline.title}; other disciplines are not affected."
    )
    return redirect(url_for(".models", discipline=discipline.id))


def _reason_refused(form: RollbackForm, justification: str) -> str | None:
    """Why the reason given for a rollback will not do, as the page's summary says it (the
    field says it too), or None."""
    if form.justification.errors:  # a NUL, or too long to keep: said by the field already
        kept = form.justification.errors[0].removeprefix(f"{form.justification.label.text}: ")
        return f"Nothing was rolled back: the reason given cannot be kept: {kept}"
    why_not = learning.not_a_reason(justification, called="a reason")
    if why_not is None:
        return None
    form.justification.errors = [
        f"Say why going back is right, in words: {why_not}. It is kept with the rollback in "
        "the history and the audit log."
    ]
    if not justification:
        return "Nothing was rolled back: a rollback needs a written reason, and none was given."
    return f"Nothing was rolled back: the reason given will not do: {why_not}."


def _not_a_version_of(registry, discipline: Pack, version: str) -> str | None:
    """Why `version` is no version of the discipline's to go back to, or None: the registry
    never held it, or it was trained for another pack (no colleague's move explains either)."""
    if version not in registry.versions():
        return f"the registry holds no version {version}."
    pack = _pack_id(registry, version)
    if pack != discipline.id:
        return f"{version} is a model of {_discipline_title(pack)}, not of {discipline.title}."
    return None


def _discipline_title(pack_id: str) -> str:
    discipline = _installed_discipline(pack_id)
    if discipline is not None:
        return discipline.title
    return f"pack {pack_id}" if pack_id else "no known discipline"


def _never_offered(
    registry,
    discipline: Pack,
    offer: tuple[tuple[str, str] | None, int],
    confirmed: tuple[str, str],
    moves: int,
) -> str | None:
    """Why a confirmation cannot have come from the rollback page as it was shown (a step or
    a count of pointer moves the history never had together: it only grows), or None. A
    colleague's move since is not this: that is told apart from the count of moves, and
    from the step the page offered after that many moves."""
    step, now = offer
    if moves < now:
        try:
            then = registry.rollback_step_after(discipline.id, moves)
        except ModelRefused:
            then = confirmed  # unreadable now: the pages name it; judged as a move since
        if confirmed != then:
            offered = f"from {then[1]} to {then[0]}" if then else "nothing to roll back"
            return (
                f"Nothing was rolled back: the confirmation asks to go from {confirmed[1]} to "
                f"{confirmed[0]} after {moves:,} pointer moves of {discipline.title}, but the "
                f"rollback page offered {offered} then; this page did not make it."
            )
    if moves > now:
        return (
            f"Nothing was rolled back: the confirmation counts {moves:,} pointer moves for "
            f"{discipline.title}, but its history has {now:,}; this page did not make it."
        )
    if moves == now and confirmed != step:
        return (
            f"Nothing was rolled back: the confirmation asks to go from {confirmed[1]} to "
            f"{confirmed[0]}, a step this page did not offer; {discipline.title}'s pointer "
            "history has not moved since, and a rollback goes back to the version active "
            "before the current one."
        )
    return None


@dataclass(frozen=True)
class RollbackAttempt:
    """A posted rollback confirmation: the step it asks for and the reason given."""

    registry: learning.RegistryWriter
    discipline: Pack
    form: RollbackForm
    confirmed: tuple[str, str]
    justification: str

    def refuse(self, offer: tuple[tuple[str, str] | None, int], refusal: str, status: int):
        """The rollback page again, saying why nothing moved, offering the step of `offer`
        if any; the attempt goes into the audit log with why and the reason given, as a
        refused promotion does (what was posted kept as text any database stores; a reason
        holding a character nobody sees, never: the log would show other text than was
        posted)."""
        kept = _storable(self.justification, learning.MAX_JUSTIFICATION)
        if answering.hidden_character(self.justification):
            kept = ""
        audit.record(  # why first: the log's row shows the first detail
            "rollback_refused",
            _storable(self.confirmed[0], 20),
            why=_why_refused(refusal),
            pack=self.discipline.id,
            replacing=_storable(self.confirmed[1], 20) or None,
            justification=kept or None,
        )
        db.session.commit()
        return _rollback_page(
            self.registry, self.discipline, offer, self.form, refusal=refusal, status=status
        )


def _storable(posted: str, length: int) -> str:
    """Posted text as the audit log keeps it: at most `length` characters, a NUL (which
    PostgreSQL's text cannot hold) shown as the replacement character."""
    return posted.replace("\x00", "\N{REPLACEMENT CHARACTER}")[:length]
