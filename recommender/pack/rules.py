"""The rule layer: declarative guardrails and overrides, read from a pack and never eval'd.

A condition is `all`, `any`, `not` or a comparison `{field: name, <op>: value}`. Rules read the
facts as they stand before any rule acts (no chaining), so their order never changes which
rules fire; `priority` only decides between rules that choose different tracks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "present")
ORDERING = ("lt", "le", "gt", "ge")
COMBINATORS = ("all", "any", "not")
EFFECTS = ("choose_track", "cap_target", "shift_target", "add_flag")
ALL_TRACKS = "all"


@dataclass(frozen=True)
class Comparison:
    """`field <op> value`; false whenever the field is missing, except `present: false`."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Combination:
    """`all`, `any` or `not` over sub-conditions."""

    op: str
    parts: tuple[Condition, ...]


Condition = Comparison | Combination


@dataclass(frozen=True)
class Effects:
    """What a rule does when it fires."""

    choose_track: str | None = None
    cap_target: tuple[str, int] | None = None  # (track or 'all', grades above current)
    shift_target: tuple[str, int] | None = None  # (track or 'all', levels)
    add_flag: str | None = None


@dataclass(frozen=True)
class Rule:
    """One guardrail or override, with the message people read when it fires."""

    id: str
    priority: int
    when: Condition
    then: Effects
    message: str


@dataclass(frozen=True)
class RuleSet:
    """A pack's rules, highest priority first."""

    rules: tuple[Rule, ...] = ()
