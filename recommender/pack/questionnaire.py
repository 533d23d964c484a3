"""The self-assessment: scales, constructs, and sections of items that feed them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

LIKERT, ATTENTION, ANCHORED, NUMBER, CHOICE = "likert", "attention", "anchored", "number", "choice"
ITEM_KINDS = (LIKERT, ATTENTION, ANCHORED, NUMBER, CHOICE)
SCALED_KINDS = (LIKERT, ATTENTION, ANCHORED)
NUMBER_CONTEXT = ("years_experience", "years_at_level", "direct_reports")
WHOLE_CONTEXT = ("direct_reports",)  # people are counted whole (years may be 2.5)
CHOICE_CONTEXT = ("current_track", "current_level")
CONTEXT_FIELDS = NUMBER_CONTEXT + CHOICE_CONTEXT
# Names of the context a model reads: a construct or competency named so would be two factors
# of one name in an explanation
RESERVED_NAMES = (*CONTEXT_FIELDS, "current_grade", "managing_now")
MIN_ITEMS_PER_CONSTRUCT = 3


@dataclass(frozen=True)
class Scale:
    """An answer scale with a label for every point."""

    id: str
    min: int
    max: int
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Construct:
    """A motivation construct scored as the mean of its (reverse-keyed where needed) items."""

    id: str
    label: str
    description: str
    high: str
    low: str


@dataclass(frozen=True)
class Option:
    """One choice of a choice item."""

    value: str
    label: str


@dataclass(frozen=True)
class Item:
    """One question; it feeds exactly one construct, competency or context field, or none."""

    id: str
    kind: str
    text: str
    section: str
    construct: str | None = None
    competency: str | None = None
    context: str | None = None
    reverse: bool = False
    min: float | None = None
    max: float | None = None
    scale: str | None = None
    expected: int | None = None
    anchors: tuple[Option, ...] = ()
    options: tuple[Option, ...] = ()

    @property
    def feeds(self) -> str | None:
        """The construct, competency or context field this item measures."""
        return self.construct or self.competency or self.context


@dataclass(frozen=True)
class Section:
    """One page of the questionnaire."""

    id: str
    title: str
    intro: str
    item_ids: tuple[str, ...]


@dataclass(frozen=True)
class Questionnaire:
    """Scales, constructs and the ordered sections of items."""

    scales: dict[str, Scale]
    constructs: tuple[Construct, ...]
    sections: tuple[Section, ...]
    items: tuple[Item, ...] = field(repr=False)

    @cached_property
    def construct_ids(self) -> tuple[str, ...]:
        """The construct ids, in the pack's order."""
        return tuple(construct.id for construct in self.constructs)

    @cached_property
    def item_by_id(self) -> dict[str, Item]:
        """Items by id."""
        return {item.id: item for item in self.items}

    def items_of_kind(self, *kinds: str) -> tuple[Item, ...]:
        """The items of the given kinds, in questionnaire order."""
        return tuple(item for item in self.items if item.kind in kinds)

    @cached_property
    def scored_items(self) -> tuple[Item, ...]:
        """Items answered on a numeric scale (Likert, attention, anchored), in order."""
        return self.items_of_kind(*SCALED_KINDS)

    @cached_property
    def scored_bounds(self) -> dict[str, tuple[float, float]]:
        """(min, max) of every scored item, by id: the answer check's lookup table."""
        return {item.id: (item.min, item.max) for item in self.scored_items}

    @cached_property
    def context_items(self) -> dict[str, Item]:
        """The item that asks each context field."""
        return {item.context: item for item in self.items if item.context}
