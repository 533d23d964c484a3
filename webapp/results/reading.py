"""A stored recommendation turned into what a person reads: reasons, ladder, gaps.

Everything here reads the recommendation JSON as the recommender produced it, so the page
shows exactly the factors, rules and gaps that were computed, never a re-computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from webapp.answering import (
    ANCHORED,
    CLOSE_CALL_FLAG,
    CONTEXT_LABELS,
    FLAG_IDS,
    Item,
    Pack,
    next_anchor,
)
from webapp.names_in_text import isolated

FACTORS_SHOWN, FACTORS_SHOWN_SAID = 4, "four"  # the most factors listed toward each track
HIGH, LOW = 3.5, 2.5  # construct means (1..5) that read as agreeing / disagreeing


@dataclass(frozen=True)
class OwnAnswer:
    """One of the person's answers behind a factor."""

    question: str
    answer: str
    reverse: bool


@dataclass(frozen=True)
class Factor:
    """One feature's push on the track model's score, in words."""

    feature: str
    label: str
    value: float
    effect: float
    toward: str
    reading: str
    answers: tuple[OwnAnswer, ...] = ()
    yours: str = ""  # where the person stands on it ("low, 1.7 of 5"), so a label is never
    # read as a claim about them: a low "Drawn by pay" pushes one way, a high one the other


@dataclass(frozen=True)
class Gap:
    """One competency below what the target level expects, with the next step in words: the
    anchor one whole step above the person's own rating."""

    competency: str
    label: str
    have: float | None
    need: int
    step: int
    next_step: str


@dataclass(frozen=True)
class TrackLevels:
    """Levels on one track as the page shows them: the level held, the level the evidence
    supports, and the next step (sideways when the person is not on this track)."""

    track: str
    title: str
    current: str | None
    current_title: str | None
    target: str | None
    target_title: str | None
    status: str
    reason: str | None
    gaps: tuple[Gap, ...]
    supported: str | None = None
    supported_title: str | None = None
    sideways: bool = False  # the target is a change of track at the grade held, not a promotion
    # a change of track to a grade below the one held (the answers support no higher level
    # on this track): how many grades below; never called sideways
    grades_down: int = 0
    shared_held: str | None = None  # a shared level held while on the other track
    # The answers fall short of the level held (they support a lower one, or none), while the
    # target is the level above it: "next step: L7" would read as a promotion to someone whose
    # answers support L2. The step that comes first is to show what the held level expects.
    short_of_held: bool = False
    held_gaps: tuple[Gap, ...] = ()

    @property
    def at_top(self) -> bool:
        """The level held is the top of this ladder: the target can only be that level."""
        return self.current is not None and self.target == self.current

    @property
    def holds_target(self) -> bool:
        """The target is a level this track shares with the other, which the person holds
        there already: no step to take, only the move of track."""
        return self.shared_held is not None and self.target == self.shared_held

    @property
    def goal(self) -> str | None:
        """The level to work toward now: the one held when the answers fall short of it,
        else the target."""
        return self.current if self.short_of_held else self.target

    @property
    def goal_title(self) -> str | None:
        """The title of `goal`."""
        return self.current_title if self.short_of_held else self.target_title

    @property
    def goal_gaps(self) -> tuple[Gap, ...]:
        """The gaps to `goal`."""
        return self.held_gaps if self.short_of_held else self.gaps


@dataclass(frozen=True)
class CompetencyBar:
    """A competency: the person's rating and what the level to work toward expects (the
    target, or the level held when the answers fall short of it)."""

    label: str
    have: float | None
    need: int


@dataclass(frozen=True)
class LadderRung:
    """One grade of the two-column ladder: the level on each track (one level when shared)."""

    grade: int
    ic: Any
    manager: Any

    @property
    def shared(self) -> bool:
        """A trunk or converged level, on both tracks."""
        return self.ic is not None and self.ic is self.manager


@dataclass
class Reading:
    """A recommendation, ready to render."""

    recommendation: dict[str, Any]
    track: str
    track_title: str
    other_title: str
    p_success: dict[str, float]
    track_titles: dict[str, str]
    toward: dict[str, list[Factor]]
    all_factors: list[Factor]
    rules: list[dict[str, str]]
    flags: list[dict[str, str]]
    levels: dict[str, TrackLevels]
    ladder: list[LadderRung]
    role_level: str | None
    competencies: dict[str, list[CompetencyBar]] = field(default_factory=dict)
    p_interval: dict[str, tuple[float, float]] | None = None
    interval_level: float | None = None

    def chance(self, track: str) -> str:
        """The chance on a track in words: 'about 62%, likely between 51% and 72%', or '62%'
        for a result stored before the model gave a range."""
        p = f"{round(100 * self.p_success[track])}%"
        if not self.p_interval or track not in self.p_interval:
            return p
        lo, hi = self.p_interval[track]
        return f"about {p}, likely between {round(100 * lo)}% and {round(100 * hi)}%"

    @property
    def factors_shown(self) -> str:
        """How many factors each track's list holds at most, in words ("four")."""
        return FACTORS_SHOWN_SAID

    @property
    def answer_flags(self) -> list[dict[str, str]]:
        """The notes on the answers themselves (response quality), without the flags rules
        added (those are among the rules that applied)."""
        return [flag for flag in self.flags if flag.get("id") in FLAG_IDS]

    def in_ten(self, track: str) -> str:
        """The chance on a track as a count of people: 'about 6 in 10 people who answer like
        you', with what a low or even count means."""
        p = self.p_success[track]
        count = people_in_ten(p)
        if count >= 10:
            people = "More than 9 in 10 people who answer like you succeed on this track"
        elif count <= 0:
            people = "Fewer than 1 in 10 people who answer like you succeed on this track"
        else:
            people = f"About {count} in 10 people who answer like you succeed on this track"
        # what the count means is read off the count shown, so one "4 in 10" never reads as
        # "about even" beside another as "most do not"
        if count <= 4:
            return (
                f"{people}: most do not. That is the model's reading of answers like yours, "
                "not a verdict on you; the gaps below say what would change it."
            )
        if count == 5:
            return f"{people}: about even."
        return f"{people}."

    def how_sure(self) -> str:
        """What the 'how sure' figure means and how it comes from the two chances."""
        track, other = self.track, next(t for t in self.p_success if t != self.track)
        confidence = float(self.recommendation["confidence"])
        mine, theirs = self.p_success[track], self.p_success[other]
        plain = 0.5 + (mine - theirs) / 2
        text = (
            f"The estimated chance that the {self.track_title.lower()} track works out better "
            f"for you than the {self.other_title.lower()} track, a tie counted as half; 50% "
            f"would be a coin flip. It is 50% plus half the difference between your two "
            f"chances ({_pct(mine)} and {_pct(theirs)}: {_pct(plain)})"
        )
        discounted = confidence < plain - 0.005
        if discounted:
            text += ", brought toward 50% by the notes on your answers below"
        text += "."
        if confidence < 0.5:
            text += (
                " Below 50% means the model on its own leans to the other track: a rule chose "
                "this one (see the rules that applied)."
            )
        if close_call(self.recommendation):
            text += (
                " Each chance is an estimate with a range, and here the difference between them "
                "is within what the model is unsure of: neither track is clearly the better fit "
                "for you, a close call (see the notes below)."
            )
        elif 0.5 <= confidence < 0.6 and plain >= 0.6:
            text += (
                " It is low because of those notes, not because the tracks are close: answer "
                "again with care for a clearer reading."
            )
        elif 0.5 <= confidence < 0.6:
            text += " A figure this near 50% means the difference between your chances is small."
        return text

    def range_meaning(self, name: str | None = None) -> Markup | None:
        """What the range means, and how far to trust it, told to the person or, given their
        `name`, about them (to their manager); None when there is no range."""
        if not self.p_interval or not self.interval_level:
            return None
        like, own = ("you", "Your own") if name is None else (isolated(name), _own(name))
        return Markup(
            "The range is for people who answer like {like}: the model is {level}% sure their "
            "chance lies in it. {own} also rests on what no questionnaire asks, so it may lie "
            "outside: tested on simulated people whose true chances were known, ranges like it "
            "were often too narrow for the person where success turned on traits the answers "
            "barely showed, or jumped at a threshold. Read it as a guide, not a promise."
        ).format(like=like, level=round(100 * self.interval_level), own=own)


def _own(name: str) -> Markup:
    """'Ada's own', the name isolated: the person's chance, not theirs who answer alike."""
    return Markup("{name}'s own").format(name=isolated(name))


def close_call(recommendation: dict[str, Any]) -> bool:
    """Whether the pack's close-call rule fired for this result: its flag is among the
    result's flags (and its note under "Notes on this result"). The one answer to "is it a
    close call?" for every page that words the confidence."""
    return any(flag.get("id") == CLOSE_CALL_FLAG for flag in recommendation.get("flags", []))


def _pct(value: float) -> str:
    return f"{round(100 * value)}%"


def people_in_ten(p: float) -> int:
    """A chance as people in ten, read off the percentage shown beside it and rounded half up:
    25% is 3 in 10 and 85% is 9 (Python's round made them 2 and 8, while 35% was 4)."""
    return (round(100 * p) + 5) // 10


def read(
    recommendation: dict[str, Any], pack: Pack, answers: dict[str, Any], context: dict
) -> Reading:
    """The reading of one stored recommendation, with the person's answers beside it."""
    framework = pack.framework
    titles = {track.id: track.title for track in framework.tracks}
    track = recommendation["track"]
    other = next(t for t in titles if t != track)
    factors = [
        _factor(pack, raw, answers, context) for raw in recommendation["explanation"]["factors"]
    ]
    # a factor with no effect (a scale left blank stands where people are on average) pushed
    # toward neither track, whatever few others did
    toward = {
        t: sorted((f for f in factors if f.toward == t and f.effect), key=lambda f: -abs(f.effect))[
            :FACTORS_SHOWN
        ]
        for t in titles
    }
    levels = track_levels(recommendation, pack, context)
    return Reading(
        recommendation=recommendation,
        track=track,
        track_title=titles[track],
        other_title=titles[other],
        p_success=recommendation["p_success"],
        track_titles=titles,
        toward=toward,
        all_factors=factors,
        rules=recommendation["explanation"]["rules"],
        flags=recommendation["flags"],
        levels=levels,
        ladder=_ladder(pack),
        role_level=context.get("current_level"),
        competencies={t: _competency_bars(pack, lv.goal, answers) for t, lv in levels.items()},
        p_interval=_interval(recommendation),
        interval_level=recommendation.get("interval_level"),
    )


def track_levels(
    recommendation: dict[str, Any], pack: Pack, context: dict
) -> dict[str, TrackLevels]:
    """Each track's levels as the result page reads them (the level held first, when the
    answers fall short of it), without the rest of the reading."""
    titles = {track.id: track.title for track in pack.framework.tracks}
    return {
        t: _track_levels(pack, t, titles[t], raw, context)
        for t, raw in recommendation["levels"].items()
    }


def _interval(recommendation: dict[str, Any]) -> dict[str, tuple[float, float]] | None:
    """The per-track range of the chance of success; None for results stored without one."""
    raw = recommendation.get("p_success_interval")
    if not raw:
        return None
    return {track: (float(lo), float(hi)) for track, (lo, hi) in raw.items()}


def _factor(pack: Pack, raw: dict, answers: dict, context: dict) -> Factor:
    feature, value, effect = raw["feature"], raw["value"], raw["effect"]
    toward = "manager" if effect > 0 else "ic"
    return Factor(
        feature=feature,
        # a recommendation stored before the context features had names of their own labels
        # them with their long questions ("How many years have you worked as…")
        label=CONTEXT_LABELS.get(feature) or raw.get("label") or feature,
        value=value,
        effect=effect,
        toward=toward,
        reading=_reading(pack, feature, value, effect),
        answers=_own_answers(pack, feature, answers, context),
        yours=_yours(pack, feature, value),
    )


def _yours(pack: Pack, feature: str, value: float | None) -> str:
    if value is None:
        return "not answered"
    if any(c.id == feature for c in pack.questionnaire.constructs):
        where = "high" if value >= HIGH else "low" if value <= LOW else "in the middle"
        return f"yours: {where}, {value:.1f} of 5"
    if _rating_item(pack, feature) is not None:
        return f"you rated {value:g} of 5"
    return f"yours: {value:g}"


def _reading(pack: Pack, feature: str, value: float | None, effect: float) -> str:
    if value is None:  # what the model did with the blank: its effect says which it was
        if not effect:
            return (
                "Not answered: the model counts you where the people it learnt from are on "
                "average, so this moved nothing."
            )
        return "Not answered: the model counted you at the middle of the people it learnt from."
    construct = next((c for c in pack.questionnaire.constructs if c.id == feature), None)
    if construct is not None:
        if value >= HIGH:
            return construct.high
        if value <= LOW:
            return construct.low
        return f"You are in the middle on this ({value:.1f} of 5)."
    rating = _rating_item(pack, feature)
    if rating is not None:
        anchor = _anchor_text(rating, round(value))
        return f"You rated yourself {value:g} of 5: “{anchor}”" if anchor else f"{value:g} of 5."
    if feature == "managing_now":
        return "You manage people today." if value else "You do not manage people today."
    if feature == "current_grade":
        return f"Your current level is at grade {value:g}."
    return f"{CONTEXT_LABELS.get(feature, feature)}: {value:g}."


def _rating_item(pack: Pack, competency: str) -> Item | None:
    return next(
        (i for i in pack.questionnaire.items if i.kind == ANCHORED and i.competency == competency),
        None,
    )


def _anchor_text(item: Item, value: int) -> str | None:
    return next((a.label for a in item.anchors if int(a.value) == value), None)


def _own_answers(pack: Pack, feature: str, answers: dict, context: dict) -> tuple[OwnAnswer, ...]:
    found = []
    for item in pack.questionnaire.items:
        if item.feeds != feature or item.kind == ANCHORED:
            continue
        given = context.get(item.context) if item.context else answers.get(item.id)
        if given is None:
            continue
        found.append(OwnAnswer(item.text, _answer_label(pack, item, given), item.reverse))
    return tuple(found)


def _answer_label(pack: Pack, item: Item, given: Any) -> str:
    if item.scale:
        scale = pack.questionnaire.scales[item.scale]
        index = int(given) - scale.min
        if 0 <= index < len(scale.labels):
            return scale.labels[index]
    return str(given)


def track_name(pack: Pack, track_id: str) -> str:
    """A track as the pack names it: 'Design manager' in product design, 'People manager' in
    engineering; the bare id for a track the pack does not have."""
    for track in pack.framework.tracks:
        if track.id == track_id:
            return track.title
    return str(track_id)


def level_name(pack: Pack, level_id: str | None) -> str | None:
    """A level as people read it: 'Senior Engineer (L3)'; the bare id for a level the pack no
    longer has (a result kept from an earlier version), None for none."""
    if not level_id:
        return None
    try:
        return f"{pack.framework.level(level_id).title} ({level_id})"
    except KeyError:
        return level_id


def statement(pack: Pack, competency: str, value: int) -> str | None:
    """The behavioural anchor for `value` on the competency's rating item, if it has one."""
    item = _rating_item(pack, competency)
    return _anchor_text(item, value) if item else None


def _level_title(pack: Pack, level_id: str | None) -> str | None:
    if level_id is None:
        return None
    try:
        return pack.framework.level(level_id).title
    except KeyError:
        return level_id


def _track_levels(pack: Pack, track: str, title: str, raw: dict, context: dict) -> TrackLevels:
    target = raw.get("target")
    held = context.get("current_level")
    ladder = {level.id for level in pack.framework.ladder(track)}
    if "supported" in raw:
        current, supported = raw.get("current"), raw.get("supported")
    else:  # stored before levels told the level held from the level supported
        supported = raw.get("current")
        on_track = context.get("current_track") in (track, None)
        current = held if on_track and held in ladder else None
    gaps = tuple(_gap(pack, gap) for gap in raw.get("gaps", []))
    short = _short_of_held(pack, current, supported, target)
    changing = current is None and held is not None and held not in ladder
    held_grade, target_grade = _grade(pack, held), _grade(pack, target)
    down = (
        held_grade - target_grade
        if changing and None not in (held_grade, target_grade) and target_grade < held_grade
        else 0
    )
    return TrackLevels(
        track=track,
        title=title,
        current=current,
        current_title=_level_title(pack, current),
        target=target,
        target_title=_level_title(pack, target),
        status=raw.get("status", ""),
        reason=raw.get("reason"),
        gaps=gaps,
        supported=supported,
        supported_title=_level_title(pack, supported),
        sideways=changing and not down,
        grades_down=down,
        shared_held=held if current is None and held in ladder else None,
        short_of_held=short,
        held_gaps=_held_gaps(pack, current, raw.get("gaps", [])) if short else (),
    )


def _grade(pack: Pack, level_id: str | None) -> int | None:
    try:
        return pack.framework.level(level_id).grade if level_id else None
    except KeyError:
        return None


def _short_of_held(
    pack: Pack, current: str | None, supported: str | None, target: str | None
) -> bool:
    """Whether the answers support less than the level held while the target is above it."""
    held, target_grade = _grade(pack, current), _grade(pack, target)
    if held is None or target_grade is None or target_grade <= held:
        return False
    supported_grade = _grade(pack, supported)
    return supported_grade is None or supported_grade < held


def _held_gaps(pack: Pack, held: str, gaps: list[dict]) -> tuple[Gap, ...]:
    """The gaps to the level held, read off the stored gaps to the target above it: no
    expectation goes down a ladder (the pack's validator refuses one that does), so every
    competency short of the held level is short of the target too and among them."""
    expects = pack.framework.level(held).expects
    short = []
    for gap in gaps:
        need = expects.get(gap["competency"], 0)
        if gap["have"] is None or gap["have"] < need:
            short.append(_gap(pack, {**gap, "need": need}))
    return tuple(short)


def _gap(pack: Pack, gap: dict) -> Gap:
    step = next_anchor(gap["have"], gap["need"])
    return Gap(
        competency=gap["competency"],
        label=_competency_label(pack, gap["competency"]),
        have=gap["have"],
        need=gap["need"],
        step=step,
        next_step=_next_step(pack, gap["competency"], step),
    )


def _competency_label(pack: Pack, competency: str) -> str:
    return next((c.label for c in pack.framework.competencies if c.id == competency), competency)


def _next_step(pack: Pack, competency: str, step: int) -> str:
    return statement(pack, competency, step) or "(this pack does not describe that step)"


def _competency_bars(pack: Pack, target: str | None, answers: dict) -> list[CompetencyBar]:
    if target is None:
        return []
    try:
        expects = pack.framework.level(target).expects
    except KeyError:
        return []
    bars = []
    for competency in pack.framework.competencies:
        item = _rating_item(pack, competency.id)
        have = answers.get(item.id) if item else None
        bars.append(CompetencyBar(competency.label, have, expects.get(competency.id, 0)))
    return bars


def _ladder(pack: Pack) -> list[LadderRung]:
    framework = pack.framework
    by_grade: dict[int, dict[str, Any]] = {}
    for track in framework.track_ids:
        for level in framework.ladder(track):
            by_grade.setdefault(level.grade, {})[track] = level
    return [
        LadderRung(grade, rungs.get("ic"), rungs.get("manager"))
        for grade, rungs in sorted(by_grade.items(), reverse=True)
    ]
