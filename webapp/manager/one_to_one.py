"""What a 1:1 works from: self and manager ratings side by side, and discussion prompts drawn
from the largest differences, the gaps to the target level and the rules that fired."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.answering import ANCHORED, Pack
from webapp.results.reading import Reading

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
class Prompt:
    """A question to talk about, and where it comes from."""

    source: str
    text: str


def discussion_prompts(name: str, rows: list[RatingRow], reading: Reading) -> list[Prompt]:
    """Up to three prompts each from the largest rating differences, the gaps to the target on
    the recommended track, and the rules that fired."""
    prompts = []
    differing = sorted((r for r in rows if r.differs), key=lambda r: -abs(r.difference or 0))
    for row in differing[:PROMPTS_EACH]:
        higher = "higher" if (row.difference or 0) > 0 else "lower"
        prompts.append(
            Prompt(
                "difference",
                f"{row.label}: your rating is {abs(row.difference or 0)} "
                f"{'step' if abs(row.difference or 0) == 1 else 'steps'} {higher} than "
                f"{name}'s own ({row.manager_value} against {row.self_value}). Ask for a "
                "recent example of their work here, and share the one you have in mind.",
            )
        )
    levels = reading.levels[reading.track]
    for gap in levels.gaps[:PROMPTS_EACH]:
        prompts.append(
            Prompt(
                "gap",
                f"To reach {levels.target_title} on the {reading.track_title.lower()} track, "
                f"{gap.label.lower()} needs {gap.need} (now {gap.have:g}). What work in the "
                f"next months could build it? The next level reads: “{gap.next_step}”",
            )
        )
    for rule in reading.rules[:PROMPTS_EACH]:
        prompts.append(
            Prompt(
                "rule",
                f"The advice notes: “{rule['message']}” Does this match how {name} sees it?",
            )
        )
    return prompts
