"""HR's people pages: the org chart, imported from CSV or edited one person at a time, and
which discipline each person belongs to."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from webapp import answering, audit
from webapp.accounts.invitation import invitation_link
from webapp.accounts.models import NO_PASSWORD, User
from webapp.answering import employee_id_key
from webapp.assessment.models import Assessment
from webapp.confirmation import ConfirmForm
from webapp.counting import counted
from webapp.extensions import db
from webapp.file_names import shown_file_name
from webapp.hr import bp
from webapp.hr.people.forms import (
    CsvUploadForm,
    DisciplineForm,
    PeopleFilterForm,
    PersonForm,
)
from webapp.hr.people.org_chart import apply_chart, lock_org_chart, read_chart, template_csv
from webapp.paging import page_of
from webapp.sharing.models import end_shares_with_former_manager
from webapp.text_search import found_in

PER_PAGE = 100  # people to a page: a large team at a glance, a company in a few pages
SEARCHED = (User.name, User.email, User.employee_id)  # what "Name, email or employee id" finds


@bp.route("/people")
def people():
    """Everyone, their role and manager, found by filters and PER_PAGE to a page; and the org
    chart import."""
    return _people_page(CsvUploadForm())


def _people_page(form: CsvUploadForm, status: int = 200):
    packs = answering.disciplines()
    filters = _filter_form(packs)
    paging, shown = page_of(_filtered(filters), PER_PAGE)
    manager_ids = {user.manager_id for user in shown if user.manager_id}
    managers = db.session.scalars(select(User).where(User.id.in_(manager_ids))).all()
    if filters.errors and status == 200:
        status = 400
    return render_template(
        "hr/people.html",
        shown=shown,
        paging=paging,
        filter_form=filters,
        filters=filters.applied(),
        # a person's page goes back to this list as it is: the same filters and page
        where_from=filters.applied() | ({"page": paging.number} if paging.number > 1 else {}),
        everyone=db.session.scalar(select(func.count()).select_from(User)),
        managers={manager.id: manager for manager in managers},
        form=form,
        confirm=ConfirmForm(),
        titles={pack.id: pack.title for pack in packs},
        default=packs[0],
        discipline_of=answering.disciplines_of(shown),
    ), status


def _filter_form(packs) -> PeopleFilterForm:
    form = PeopleFilterForm(request.args)
    form.discipline.choices = [SelectChoice("", "Any discipline")] + [
        SelectChoice(pack.id, pack.title) for pack in packs
    ]
    form.validate()
    return form


def _filtered(form: PeopleFilterForm) -> Select:
    """The people the filters select, by name; a filter with an error (named on the form) is
    left out."""
    query = select(User).order_by(User.name_key, User.id)
    applied = form.applied()
    if "text" in applied:
        # whatever its case and accents: "elodie" finds Élodie, as HR types on a plain keyboard
        query = query.where(User.id.in_(found_in(applied["text"], User.id, *SEARCHED)))
    if "role" in applied:
        query = query.where(User.role == applied["role"])
    if "discipline" in applied:
        query = query.where(answering.of_discipline(User.discipline, applied["discipline"]))
    if "account" in applied:
        activated = User.password_hash != NO_PASSWORD
        query = query.where(activated if applied["account"] == "active" else ~activated)
    return query


@bp.route("/people/org-chart-template.csv")
def chart_template():
    """A CSV to start an org chart from: every column, with example rows."""
    response = Response(template_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="org-chart-template.csv"'
    return response


@bp.route("/people/import", methods=["POST"])
def import_chart():
    """Check the uploaded chart; apply all of it, or nothing with every problem listed."""
    form = CsvUploadForm()
    if not form.validate_on_submit():
        return _people_page(form, 422)
    upload = form.file.data
    filename = shown_file_name(upload.filename, "org-chart.csv")
    lock_org_chart()  # an edit or import at the same moment waits; then ours reads theirs
    report = read_chart(filename, upload.read(), current_user.email)
    if report.problems:
        return render_template("hr/chart_report.html", report=report), 422
    managers_before = dict(db.session.execute(select(User.id, User.manager_id)).all())
    try:
        changes = apply_chart(report)
        db.session.flush()
    except IntegrityError:
        return _not_applied(form)
    for email, before, after in changes:  # whose place it gave or changed, each findable
        audit.record(
            "org_import_person",
            email,
            file=filename,
            before=before,
            after=after,
            **({"reclaimed": True} if email in report.reclaimed else {}),
        )
    for person_id, manager_id in db.session.execute(select(User.id, User.manager_id)):
        if person_id in managers_before and managers_before[person_id] != manager_id:
            end_shares_with_former_manager(person_id, managers_before[person_id])
    audit.record(
        "org_import",
        filename,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        **({"moved": report.moved} if report.moved else {}),
        **({"reclaimed": report.reclaimed} if report.reclaimed else {}),
    )
    try:
        db.session.commit()
    except IntegrityError:
        return _not_applied(form)
    moved = (
        f" {counted(report.moved, 'person', 'people')} moved to another discipline: their "
        "next assessment uses it; unfinished assessments and results keep theirs."
        if report.moved
        else ""
    )
    reclaimed = (
        f" {counted(len(report.reclaimed), 'account', 'accounts')} the chart names had been "
        "registered on the site, where nothing proves the address is the person's: "
        f"{answering.first_named(report.reclaimed)} can sign in again only through an "
        "invitation link, which you hand to the person (the list below has it); they keep "
        "their assessments."
        if report.reclaimed
        else ""
    )
    flash(
        f"Org chart imported: {counted(report.created, 'person', 'people')} added, "
        f"{report.updated:,} updated, {report.unchanged:,} unchanged.{moved}{reclaimed}"
    )
    return redirect(url_for(".people"))


def _not_applied(form: CsvUploadForm):
    """The database refused the chart although `read_chart` found no problem under the org
    chart's lock: a writer outside it (an account made at the same moment) took an email or
    employee id. Nothing of the chart is kept; importing it again names what clashes."""
    db.session.rollback()
    form.file.errors.append(
        "The org chart was not imported, and nothing was changed: someone else changed the "
        "same people at the same moment. Import it again."
    )
    return _people_page(form, 409)


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
def person(user_id: int):
    """One person's manager, role and HR id."""
    if request.method == "POST":
        lock_org_chart()  # before reading anyone's manager (the chain below checks loops)
    user = db.get_or_404(User, user_id)
    form = PersonForm(obj=user)
    if not form.is_submitted():
        return _person_page(user, _as_saved(user))
    form.validate()
    manager = _manager_chosen(form, user)
    # every problem in one pass: the id's holder is looked up whatever else is wrong
    taken = (
        _holder_of(form.employee_id.data, user)
        if form.employee_id.data and not form.employee_id.errors
        else None
    )
    if taken:
        form.employee_id.errors.append(f"Already the id of {taken.email}.")
    if user.id == current_user.id and form.role.data != "hr" and not form.role.errors:
        form.role.errors.append("You cannot take away your own HR role.")
    if form.errors:
        return _person_page(user, form, status=422)
    before = _place_in_chart(user)
    former_manager = user.manager_id
    try:
        user.manager_id = manager.id if manager else None
        user.role = form.role.data
        user.employee_id = form.employee_id.data or None
        after = _place_in_chart(user, manager)
        if after == before:
            flash(f"Nothing changed: {user.name}'s details were already these.")
            return redirect(_back_to_list())
        if user.manager_id != former_manager:
            end_shares_with_former_manager(user.id, former_manager)
        # a role or a team that sees others' results goes to an address proven to be theirs
        seeing = [user] if user.role in PEOPLE_SEEING_ROLES else []
        reclaimed = [u for u in [*seeing, manager] if u is not None and u.require_invitation()]
        audit.record(
            "org_edit",
            user.email,
            before=before,
            after=after,
            **({"reclaimed": [u.email for u in reclaimed]} if reclaimed else {}),
        )
        db.session.commit()
    except IntegrityError:
        # Another change took the id at the same moment (unique whatever the case).
        db.session.rollback()
        form.employee_id.errors.append(
            "Another person was given this id at the same moment; choose another."
        )
        return _person_page(user, form, status=409)
    changed = ", ".join(
        f"{CHART_FIELDS[key]} {after[key] or 'none'}" for key in after if after[key] != before[key]
    )
    flash(
        f"{user.name}'s details are saved: {changed}."
        + (
            f" The account was registered on the site, where nothing proves {user.email} is "
            f"{user.name}'s: it can be used again only through an invitation link, which you "
            "hand to them (in the list below); they keep their assessments."
            if user in reclaimed
            else ""
        )
        + (
            f" {manager.name}'s account, now given a team, was registered on the site, where "
            f"nothing proves {manager.email} is theirs: it can be used again only through an "
            "invitation link, which you hand to them (in the list below)."
            if manager in reclaimed
            else ""
        )
    )
    return redirect(_back_to_list())


# Roles that see other people's results: given only to an account whose address is confirmed.
PEOPLE_SEEING_ROLES = ("manager", "hr")

# A person's place in the chart as the audit log and the saved message name it.
CHART_FIELDS = {"manager": "manager", "role": "role", "employee_id": "employee id"}


def _place_in_chart(user: User, manager: User | None = None) -> dict[str, str | None]:
    """The person's manager (by email), role and employee id, as they stand (`manager`: the
    one just chosen, not yet flushed)."""
    if manager is None and user.manager_id:
        manager = db.session.get(User, user.manager_id)
    return {
        "manager": manager.email if manager else None,
        "role": user.role,
        "employee_id": user.employee_id,
    }


def _back_to_list() -> str:
    """The people list as HR left it: the filters and page the person's page was opened from
    (only those: the query string may hold anything)."""
    packs = answering.disciplines()
    filters = _filter_form(packs).applied()
    page = request.args.get("page", type=int)
    return url_for(".people", **filters, **({"page": page} if page and page > 1 else {}))


def _as_saved(user: User) -> PersonForm:
    """The form of a person's place in the chart as it is saved."""
    form = PersonForm(obj=user, formdata=None)
    current = db.session.get(User, user.manager_id) if user.manager_id else None
    form.manager_email.data = current.email if current else ""
    return form


def _manager_chosen(form: PersonForm, user: User) -> User | None:
    """The manager whose email the form holds (None for none), or an error on the field: no
    one has it, it is the person's own, or they report to the person (reporting lines may
    not loop; read under the org chart's lock)."""
    typed = (form.manager_email.data or "").strip()
    if not typed or form.manager_email.errors:
        return None
    manager = User.by_email(typed)
    if manager is None and "@" not in typed:
        problem = (
            f"Type the manager's email address (like name@example.com), not their name: "
            f"{typed} is not an email."
        )
    elif manager is None:
        problem = (
            f"No one in trackfit has the email {typed}. Check it, or add them first (Import the "
            "org chart)."
        )
    elif manager.id == user.id:
        problem = "A person cannot be their own manager. Leave it empty for no manager."
    elif manager.id in _reporting_chain_below(user):
        problem = (
            f"{manager.name} reports to {user.name}, directly or through others: reporting "
            "lines may not loop. Choose someone else."
        )
    else:
        return manager
    form.manager_email.errors.append(problem)
    return None


def _person_page(user: User, form: PersonForm, moving: DisciplineForm | None = None, status=200):
    """A person's page: their place in the chart, and their discipline."""
    reports = db.session.scalars(
        select(User).where(User.manager_id == user.id).order_by(User.name_key, User.id)
    ).all()
    return render_template(
        "hr/person.html",
        user=user,
        form=form,
        manager=db.session.get(User, user.manager_id) if user.manager_id else None,
        reports=reports,
        back=_back_to_list(),
        moving=moving or _discipline_form(user, formdata=None),
        discipline=answering.pack_for(user),
    ), status


def _discipline_form(user: User, **read) -> DisciplineForm:
    """The move form (read from the request unless `formdata` is given), at the person's
    discipline when not read."""
    form = DisciplineForm(**read)
    form.discipline.choices = [
        SelectChoice(pack.id, f"{pack.title} ({pack.id})") for pack in answering.disciplines()
    ]
    if "formdata" in read or not form.is_submitted():
        form.discipline.data = answering.discipline_of(user)
    return form


@bp.route("/people/<int:user_id>/discipline", methods=["POST"])
def move_discipline(user_id: int):
    """Move a person to another discipline: first what the move means, then, confirmed, the
    move (audited). What they already started or finished keeps the pack it was made with."""
    user = db.get_or_404(User, user_id)
    moving = _discipline_form(user)
    valid = moving.validate_on_submit()
    known = answering.discipline_ids()
    if moving.is_submitted() and moving.discipline.data not in known:
        valid = False
        moving.discipline.errors = [
            f"{answering.quoted(str(moving.discipline.data or ''))} is not a discipline here; "
            f"choose one of {', '.join(known)}."
        ]
    if not valid:
        if "csrf_token" in moving.errors:
            abort(400)
        form = _as_saved(user)
        return _person_page(user, form, moving, 422)
    before, after = answering.pack_for(user), answering.current_pack(moving.discipline.data)
    if before.id == after.id:
        flash(f"{user.name} is already in {after.title}; nothing changed.")
        return redirect(url_for(".person", user_id=user.id))
    unfinished = Assessment.in_progress(user.id)
    if moving.confirmed.data != "yes":
        return render_template(
            "hr/discipline_confirm.html",
            user=user,
            form=moving,
            before=before,
            after=after,
            unfinished=unfinished,
            finished=len(Assessment.completed(user.id)),
        )
    user.discipline = after.id
    audit.record(
        "discipline_changed",
        user.email,
        before={"discipline": before.id},
        after={"discipline": after.id},
        unfinished=unfinished.pack if unfinished else None,
    )
    db.session.commit()
    flash(
        f"{user.name} is now in {after.title}. Their next assessment uses its questionnaire "
        "and ladders; what they started or finished before keeps its own."
    )
    return redirect(url_for(".people"))


def _holder_of(employee_id: str, user: User) -> User | None:
    """Someone else whose id is this one, whatever its case and however it is written (ids
    stored before ids were read in standard form are compared in it too)."""
    key = employee_id_key(employee_id)
    others = select(User).where(User.employee_id.is_not(None), User.id != user.id)
    for other in db.session.scalars(others):
        if employee_id_key(other.employee_id) == key:
            return other
    return None


def _reporting_chain_below(user: User) -> set[int]:
    """Everyone who reports to the person, directly or not (they cannot be their manager)."""
    children: dict[int, list[int]] = {}
    for person_id, manager_id in db.session.execute(select(User.id, User.manager_id)):
        if manager_id is not None:
            children.setdefault(manager_id, []).append(person_id)
    below, stack = set(), [user.id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in below:
                below.add(child)
                stack.append(child)
    return below


@bp.route("/people/<int:user_id>/invitation", methods=["POST"])
def invitation(user_id: int):
    """A one-time link for a person added by the org chart to choose their password."""
    form = ConfirmForm()
    user = db.get_or_404(User, user_id)
    if not form.validate_on_submit() or user.has_password:
        flash(f"{user.name} has already chosen a password.")
        return redirect(url_for(".people"))
    return render_template("hr/invitation.html", user=user, link=invitation_link(user))
