"""The framework pages: both ladders, and one level with what changes to another."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort, make_response, render_template, request
from flask_login import current_user, login_required

from webapp import answering
from webapp.errors.handlers import error_response
from webapp.framework import bp, charts, ladders, standing
from webapp.framework.forms import CompareForm, DisciplineChoiceForm

if TYPE_CHECKING:
    from recommender.pack.framework import Level

# Longer than any level id a pack uses; a longer one is not looked up, nor echoed back in full.
LONGEST_LEVEL_ID = 40


@bp.route("/")
@login_required
def index():
    """Both ladders of a discipline side by side (the person's own unless they choose
    another), equal grades on one row; every level links to its page."""
    pack = _shown_pack()
    chooser = DisciplineChoiceForm(request.args)
    chooser.discipline.choices = [(other.id, other.title) for other in answering.disciplines()]
    chooser.discipline.data = pack.id
    own = answering.pack_for(current_user)
    return render_template(
        "framework/index.html",
        pack=pack,
        own=own,
        linked=_linked(pack, own),
        chooser=chooser,
        tracks=pack.framework.tracks,
        rungs=ladders.rungs(pack),
        latest=_latest_on(pack),
    )


def _shown_pack() -> answering.Pack:
    """The discipline the address asks for (`?discipline=`), or the person's own; an unknown
    one is a 404 that names the disciplines there are."""
    asked = request.args.get("discipline", "").strip()
    if not asked:
        return answering.pack_for(current_user)
    try:
        return answering.current_pack(asked[:80])
    except answering.UnknownDiscipline as unknown:
        abort(make_response(*error_response(404, str(unknown))))


def _linked(pack: answering.Pack, own: answering.Pack) -> str | None:
    """The `discipline` the page's links carry: none on the person's own ladders."""
    return None if pack.id == own.id else pack.id


def _latest_on(pack: answering.Pack) -> standing.Latest | None:
    """The person's latest finished assessment, when it was taken on these ladders."""
    latest = standing.latest(current_user.id)
    return latest if latest and latest.discipline == pack.id else None


@bp.route("/<level_id>")
@login_required
def level(level_id: str):
    """One level: what it expects in words, what changes to another level, and the person's
    own latest ratings against it."""
    pack = _shown_pack()
    shown = ladders.level_named(pack, level_id) if len(level_id) <= LONGEST_LEVEL_ID else None
    if shown is None:
        return render_template(
            "framework/unknown_level.html",
            level_id=level_id[:LONGEST_LEVEL_ID],
            pack=pack,
            linked=_linked(pack, answering.pack_for(current_user)),
            near=ladders.near_misses(pack, level_id[:LONGEST_LEVEL_ID]),
            rungs=ladders.rungs(pack),
            tracks=pack.framework.tracks,
        ), 404
    form, other = _comparison_form(pack, shown)
    latest = _latest_on(pack)
    mine = latest.against(pack, shown) if latest else None
    return render_template(
        "framework/level.html",
        pack=pack,
        linked=_linked(pack, answering.pack_for(current_user)),
        level=shown,
        tracks=[pack.framework.track(track) for track in shown.tracks],
        expectations=ladders.expectations(pack, shown),
        form=form,
        comparison=ladders.compare(pack, shown, other) if other else None,
        branches=ladders.branches(pack, shown),
        standing=mine,
        chart=charts.standing_chart(mine.ratings, shown.id, shown.title) if mine else None,
    ), (400 if form.errors else 200)


def _comparison_form(pack: answering.Pack, shown: Level) -> tuple[CompareForm, Level | None]:
    """The "compare with" form read from the address, and the level it names: the default
    when none is asked for, none when the one asked for is not a level to compare with."""
    form = CompareForm(request.args)
    form.compare.choices = dict(ladders.compare_choices(pack, shown))
    offered = {value for group in form.compare.choices.values() for value, _ in group}
    asked = form.compare.data
    usual = ladders.default_comparison(pack, shown)
    if not asked:
        form.compare.data = usual.id if usual else None
        return form, usual
    form.validate()
    if asked in offered:
        return form, pack.framework.level(asked)
    if asked == shown.id:
        form.compare.errors = [f"This page is {shown.id}; pick another level to compare with."]
    else:
        quoted = answering.quoted(asked)
        form.compare.errors = [
            f"There is no level {quoted} in this framework; pick one from the list."
        ]
    # Nothing is compared until the person picks again; the list offers the usual choice.
    form.compare.data = usual.id if usual else None
    return form, None
