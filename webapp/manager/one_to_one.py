"""What a 1:1 works from, told to the manager about their report: self and manager ratings
side by side, the gaps to the target judged on both, the advice in the third person, and
discussion prompts drawn from the largest differences, the gaps and the rules that fired."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean
from typing import Any

from webapp.answering import ANCHORED, Pack, next_anchor
from webapp.results.reading import HIGH, LOW, Factor, Reading, level_name, statement
from webapp.results.wording import sureness

STEP = 1  # a difference of a whole step or more on the 1..5 scale is highlighted
PROMPTS_EACH = 3


@dataclass(frozen=True)
class RatingRow:
    """One competency: the employee's own rating and the manager's, on the same statements."""

    item_id: str
    competency: str
    label: str
    self_value: int | None
    self_text: str | None
    manager_value: int | None
    manager_text: str | None

    @property
    def difference(self) -> int | None:
        """Manager minus self, when both rated."""
        if self.self_value is None or self.manager_value is None:
            return None
        return self.manager_value - self.self_value

    @property
    def differs(self) -> bool:
        """Whether the two ratings are a step or more apart."""
        return self.difference is not None and abs(self.difference) >= STEP


def side_by_side(pack: Pack, answers: dict, ratings: dict) -> list[RatingRow]:
    """Every anchored competency item with both ratings, in the pack's order."""
    labels = {c.id: c.label for c in pack.framework.competencies}
    rows = []
    for item in pack.questionnaire.items:
        if item.kind != ANCHORED:
            continue
        anchors = {int(a.value): a.label for a in item.anchors}
        own, theirs = _whole(answers.get(item.id)), _whole(ratings.get(item.id))
        rows.append(
            RatingRow(
                item.id,
                item.competency,
                labels[item.competency],
                own,
                anchors.get(own),
                theirs,
                anchors.get(theirs),
            )
        )
    return rows


def _whole(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class TwoViewGap:
    """A competency below what the target level needs on the employee's rating, the
    manager's, or both."""

    competency: str
    label: str
    self_have: float | None
    manager_have: float | None
    need: int
    next_step: str
    step: int = 0  # the anchor the next step names: one whole step up

    @property
    def on_self(self) -> bool:
        """Short of the need on the employee's own rating (or not rated by them)."""
        return self.self_have is None or self.self_have < self.need

    @property
    def on_manager(self) -> bool:
        """Short of the need on the manager's rating (False while the manager has not rated)."""
        return self.manager_have is not None and self.manager_have < self.need

    @property
    def on_both(self) -> bool:
        """Both ratings fall short: the gap to work on first."""
        return self.on_self and self.on_manager

    def ratings(self, name: str, level: str) -> str:
        """'Ada rates 2, you rate 3, L4 needs 4'."""
        own = (
            f"{name} rates {self.self_have:g}"
            if self.self_have is not None
            else f"{name} did not rate it"
        )
        yours = (
            f"you rate {self.manager_have:g}"
            if self.manager_have is not None
            else "you have not rated it"
        )
        return f"{own}, {yours}, {level} needs {self.need}"

    def verdict(self, name: str) -> str:
        """Whose rating makes it a gap, in words."""
        if self.on_both:
            return "a gap on both views"
        if self.on_manager:
            return f"your rating shows a gap {name}'s does not"
        if self.manager_have is None:
            return f"a gap on {name}'s rating; yours would confirm or question it"
        return f"{name} sees a gap; your rating meets the need"


def gaps_on_both(
    pack: Pack, reading: Reading, rows: list[RatingRow], track: str
) -> list[TwoViewGap]:
    """Gaps to the level to work toward on `track` (the target, or the level held when the
    answers fall short of it), judged on both ratings: the employee's as the recommender
    computed them, and the manager's against the same expectations; gaps on both first, then
    the rest in the pack's order."""
    levels = reading.levels[track]
    expects = needs(pack, levels.goal)
    if not expects:
        return []
    computed = {gap.competency: gap for gap in levels.goal_gaps}
    by_competency: dict[str, list[RatingRow]] = {}
    for row in rows:
        by_competency.setdefault(row.competency, []).append(row)
    gaps = []
    for competency in pack.framework.competencies:
        need = expects.get(competency.id, 0)
        rated = by_competency.get(competency.id, [])
        own = [r.self_value for r in rated if r.self_value is not None]
        theirs = [r.manager_value for r in rated if r.manager_value is not None]
        found = computed.get(competency.id)
        manager_have = fmean(theirs) if theirs else None
        # the employee's own gap names its next anchor; a gap only the manager sees names the
        # anchor one step above the manager's rating
        step = found.step if found else next_anchor(manager_have, need)
        gap = TwoViewGap(
            competency.id,
            competency.label,
            found.have if found else (fmean(own) if own else None),
            manager_have,
            found.need if found else need,
            found.next_step if found else _statement(pack, competency.id, step),
            step,
        )
        if found or gap.on_manager:
            gaps.append(gap)
    return sorted(gaps, key=lambda gap: not gap.on_both)


def needs(pack: Pack, level_id: str | None) -> dict[str, int]:
    """What the level expects of each competency; nothing for a level the pack lacks (a
    result kept from an earlier pack version)."""
    if level_id is None:
        return {}
    try:
        return dict(pack.framework.level(level_id).expects)
    except KeyError:
        return {}


def _statement(pack: Pack, competency: str, value: int) -> str:
    """The anchored statement for `value` on the competency's rating item."""
    return statement(pack, competency, value) or f"Reach {value} of 5."


@dataclass(frozen=True)
class TrackStanding:
    """Where the report stands on one track, for the manager: the level held, the level the
    answers support, and the next step; `short_of_held` when the answers support less than the
    level held, so that the step before the target is to show what the held level expects."""

    title: str
    held: str | None
    supported: str | None
    target: str | None
    short_of_held: bool = False


def standings(pack: Pack, reading: Reading, context: dict) -> list[TrackStanding]:
    """Per track: held level (from the person's own context), supported and target levels."""
    found = []
    for track in pack.framework.tracks:
        levels = reading.levels.get(track.id)
        if levels is None:
            continue
        on_track = context.get("current_track") == track.id
        found.append(
            TrackStanding(
                track.title,
                level_name(pack, context.get("current_level")) if on_track else None,
                level_name(pack, levels.supported),
                level_name(pack, levels.target),
                levels.short_of_held,
            )
        )
    return found


# The notes on a person's answers as the one-page print names them: a phrase each, where the
# 1:1 page gives the whole message (three whole messages took the print past its page)
FLAGS_IN_SHORT = {
    "straight_lining": "almost every statement got the same answer",
    "failed_attention_check": "a statement asking for a particular answer got another",
    "contradictory_reverse_keyed": "statements saying opposite things got the same answer",
    "too_many_skipped": "many statements were skipped",
    "too_fast": "the pages were answered faster than they can be read",
}


def flag_in_short(flag: dict[str, Any]) -> str:
    """A note on the answers in a phrase (its whole message, unstopped, for one the print has
    no phrase for)."""
    return FLAGS_IN_SHORT.get(flag.get("id"), str(flag.get("message", "")).rstrip(". "))


def sureness_about(recommendation: dict[str, Any]) -> str:
    """How sure the advice is, in words for the manager (the result page's words address the
    employee, who is not the reader here)."""
    return sureness(recommendation).replace("for you", "for them")


def about(factor: Factor, name: str, rows: list[RatingRow], pack: Pack) -> str:
    """One factor behind the advice, told about the person rather than to them."""
    construct = next((c for c in pack.questionnaire.constructs if c.id == factor.feature), None)
    if construct is not None:
        if factor.value >= HIGH:
            meaning = construct.description[:1].lower() + construct.description[1:]
            return f"{name} scores high ({factor.value:.1f} of 5): {meaning}"
        if factor.value <= LOW:
            return f"{name} scores low ({factor.value:.1f} of 5)."
        return f"{name} is in the middle ({factor.value:.1f} of 5)."
    row = next((r for r in rows if r.competency == factor.feature), None)
    if row is not None:
        return f"{name} rates their own work {factor.value:g} of 5" + (
            f": “{row.self_text}”" if row.self_text else "."
        )
    value = factor.value
    return {
        "managing_now": f"{name} {'manages' if value else 'does not manage'} people today.",
        "current_grade": f"{name}'s current level is at grade {value:g}.",
        "years_experience": f"{name} has {value:g} years of experience.",
        "years_at_level": f"{name} has been {value:g} years at their current level.",
        "direct_reports": f"{value:g} people report to {name}.",
    }.get(factor.feature, f"{factor.label}: {value:g}.")


@dataclass(frozen=True)
class Prompt:
    """A question to talk about, and where it comes from."""

    source: str
    text: str


def discussion_prompts(
    name: str, rows: list[RatingRow], reading: Reading, gaps: list[TwoViewGap]
) -> list[Prompt]:
    """Up to three prompts each from the largest rating differences, the gaps to the goal on
    the recommended track (gaps on both views first), and the rules that fired."""
    prompts = []
    differing = sorted((r for r in rows if r.differs), key=lambda r: -abs(r.difference or 0))
    for number, row in enumerate(differing[:PROMPTS_EACH]):
        higher = "higher" if (row.difference or 0) > 0 else "lower"
        steps = abs(row.difference or 0)
        # said in full once; the next say it in short (on the one-page print, three full
        # sentences alike took the room of a paragraph of shared notes)
        ask = (
            "Ask for a recent example of their work here, and share the one you have in mind."
            if number == 0
            else "Here too, compare an example of theirs with one of yours."
        )
        prompts.append(
            Prompt(
                "difference",
                f"{row.label}: your rating is {steps} {'step' if steps == 1 else 'steps'} "
                f"{higher} than {name}'s own ({row.manager_value} against {row.self_value}). "
                + ask,
            )
        )
    levels = reading.levels[reading.track]
    for gap in gaps[:PROMPTS_EACH]:
        prompts.append(
            Prompt(
                "gap",
                f"{gap.label}, toward {levels.goal_title} on the "
                f"{reading.track_title.lower()} track: {gap.ratings(name, levels.goal)} "
                f"({gap.verdict(name)}). What work in the next months could build it? "
                f"The next step, {gap.step} of 5, reads: “{gap.next_step}”",
            )
        )
    for rule in reading.rules[:PROMPTS_EACH]:
        prompts.append(
            Prompt(
                "rule",
                f"The rules told {name}: “{rule['message'].strip()}” Does this match how "
                f"{name} sees it?",
            )
        )
    return prompts
