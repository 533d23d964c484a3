"""The framework pages: both ladders, and one level with what changes to another."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import render_template, request
from flask_login import current_user, login_required

from webapp import answering
from webapp.framework import bp, charts, ladders, standing
from webapp.framework.forms import CompareForm

if TYPE_CHECKING:
    from recommender.pack.framework import Level

# Longer than any level id a pack uses; a longer one is not looked up, nor echoed back in full.
LONGEST_LEVEL_ID = 40


@bp.route("/")
@login_required
def index():
    """Both ladders side by side, equal grades on one row; every level links to its page."""
    pack = answering.current_pack()
    latest = standing.latest(current_user.id)
    return render_template(
        "framework/index.html",
        pack=pack,
        tracks=pack.framework.tracks,
        rungs=ladders.rungs(pack),
        latest=latest,
    )


@bp.route("/<level_id>")
@login_required
def level(level_id: str):
    """One level: what it expects in words, what changes to another level, and the person's
    own latest ratings against it."""
    pack = answering.current_pack()
    shown = ladders.level_named(pack, level_id) if len(level_id) <= LONGEST_LEVEL_ID else None
    if shown is None:
        return render_template(
            "framework/unknown_level.html",
            level_id=level_id[:LONGEST_LEVEL_ID],
            near=ladders.near_misses(pack, level_id[:LONGEST_LEVEL_ID]),
            rungs=ladders.rungs(pack),
            tracks=pack.framework.tracks,
        ), 404
    form, other = _comparison_form(pack, shown)
    latest = standing.latest(current_user.id)
    mine = latest.against(pack, shown) if latest else None
    return render_template(
        "framework/level.html",
        pack=pack,
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
