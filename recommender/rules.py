"""The rule layer: declarative guardrails and overrides, read from a pack and never eval'd.

A condition is `all`, `any`, `not` or a comparison `{field: name, <op>: value}`. Rules read the
facts as they stand before any rule acts (no chaining), so their order never changes which
rules fire; `priority` only decides between rules that choose different tracks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from recommender.errors import did_you_mean
from recommender.facts import BOOLEAN, IDENTIFIER, NUMBER, FieldSpec
from recommender.pack_source import PackSource, describe

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

    def evaluate(self, facts: dict[str, np.ndarray]) -> np.ndarray:
        """The comparison over a batch of people."""
        column = facts[self.field]
        present = _present(column)
        if self.op == "present":
            return present if self.value else ~present
        if self.op == "in":
            return present & np.isin(column, list(self.value))
        if self.op in ("eq", "ne") and column.dtype == object:
            equal = np.array([v == self.value for v in column], dtype=bool)
            return present & (equal if self.op == "eq" else ~equal)
        with np.errstate(invalid="ignore"):
            result = {
                "eq": np.equal,
                "ne": np.not_equal,
                "lt": np.less,
                "le": np.less_equal,
                "gt": np.greater,
                "ge": np.greater_equal,
            }[self.op](column.astype(float), float(self.value))
        return present & result


@dataclass(frozen=True)
class Combination:
    """`all`, `any` or `not` over sub-conditions."""

    op: str
    parts: tuple[Condition, ...]

    def evaluate(self, facts: dict[str, np.ndarray]) -> np.ndarray:
        """The combination over a batch of people."""
        results = [part.evaluate(facts) for part in self.parts]
        if self.op == "not":
            return ~results[0]
        combine = np.logical_and if self.op == "all" else np.logical_or
        return combine.reduce(results) if len(results) > 1 else results[0]


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

    def evaluate(self, facts: dict[str, np.ndarray], n: int) -> RuleOutcome:
        """Which rules fire for each person, and what they decide together."""
        fired = np.zeros((n, len(self.rules)), dtype=bool)
        for index, rule in enumerate(self.rules):
            fired[:, index] = rule.when.evaluate(facts)
        return RuleOutcome(self, fired, facts)


@dataclass
class RuleOutcome:
    """Fired rules per person (rows) and rule (columns, in priority order)."""

    rules: RuleSet
    fired: np.ndarray
    facts: dict[str, np.ndarray] = field(repr=False)

    def chosen_track(self) -> tuple[np.ndarray, np.ndarray]:
        """Per person, the track the highest-priority choosing rule picked (None if none),
        and the index of that rule (-1)."""
        n = len(self.fired)
        track = np.full(n, None, dtype=object)
        by_rule = np.full(n, -1)
        # Rules are sorted highest priority first; walking them in reverse lets the
        # highest-priority rule write last and win.
        for index in reversed(range(len(self.rules.rules))):
            chosen = self.rules.rules[index].then.choose_track
            if chosen is not None:
                hit = self.fired[:, index]
                track[hit] = chosen
                by_rule[hit] = index
        return track, by_rule

    def target_adjustments(self, track: str) -> tuple[np.ndarray, np.ndarray]:
        """Per person, the highest grade a target may have (inf = no cap) and the shift."""
        n = len(self.fired)
        cap = np.full(n, np.inf)
        shift = np.zeros(n, dtype=int)
        current_grade = self.facts["context.current_grade"].astype(float)
        for index, rule in enumerate(self.rules.rules):
            hit = self.fired[:, index]
            if rule.then.cap_target and rule.then.cap_target[0] in (track, ALL_TRACKS):
                limit = current_grade + rule.then.cap_target[1]
                applies = hit & ~np.isnan(limit)
                cap[applies] = np.minimum(cap[applies], limit[applies])
            if rule.then.shift_target and rule.then.shift_target[0] in (track, ALL_TRACKS):
                shift[hit] += rule.then.shift_target[1]
        return cap, shift

    def fired_rules(self, row: int) -> list[Rule]:
        """The rules that fired for one person, highest priority first."""
        return [rule for index, rule in enumerate(self.rules.rules) if self.fired[row, index]]

    def added_flags(self, row: int) -> list[tuple[str, str]]:
        """(flag id, rule message) for each flag a fired rule added."""
        return [
            (rule.then.add_flag, rule.message)
            for rule in self.fired_rules(row)
            if rule.then.add_flag
        ]


def _present(column: np.ndarray) -> np.ndarray:
    if column.dtype == object:
        return np.array([value is not None for value in column], dtype=bool)
    if column.dtype == bool:
        return np.ones(len(column), dtype=bool)
    return ~np.isnan(column.astype(float))


def parse_rules(
    source: PackSource, catalogue: dict[str, FieldSpec], track_ids: tuple[str, ...]
) -> RuleSet | None:
    """Build the rule set from `rules.yaml`, logging every problem with the rule's id."""
    raw = source.mapping(source.data, (), "a mapping with a list of rules")
    if raw is None:
        return None
    source.fields(raw, (), required=("rules",))
    entries = source.sequence(raw.get("rules"), ("rules",))
    if entries is None:
        return None
    parser = _RuleParser(source, catalogue, track_ids)
    rules = []
    for index, entry, rule_id in source.unique_ids(entries, ("rules",), "rule"):
        rule = parser.rule(entry, ("rules", index), rule_id)
        if rule is not None:
            rules.append(rule)
    if source.log:
        return None
    return RuleSet(tuple(sorted(rules, key=lambda rule: -rule.priority)))


class _RuleParser:
    """Checks one rule at a time; every message names the rule's id."""

    def __init__(
        self, source: PackSource, catalogue: dict[str, FieldSpec], track_ids: tuple[str, ...]
    ):
        self.source = source
        self.catalogue = catalogue
        self.track_ids = track_ids
        self.rule_id = "?"

    def problem(self, path: tuple, message: str) -> None:
        self.source.problem(path, f"rule '{self.rule_id}': {message}")

    def rule(self, raw: dict, path: tuple, rule_id: Any) -> Rule | None:
        self.rule_id = rule_id if isinstance(rule_id, str) else f"#{path[-1]}"
        errors_before = len(self.source.log.problems)
        self.source.fields(
            raw, path, required=("id", "when", "then", "message"), optional=("priority",)
        )
        checked_id = self.source.identifier(raw, "id", path)
        priority = self.source.integer(raw, "priority", path) if "priority" in raw else 0
        when = self.condition(raw.get("when"), path + ("when",)) if "when" in raw else None
        then = self.effects(raw.get("then"), path + ("then",)) if "then" in raw else None
        message = self.source.text(raw, "message", path)
        if len(self.source.log.problems) > errors_before or None in (
            checked_id,
            priority,
            when,
            then,
            message,
        ):
            return None
        return Rule(checked_id, priority, when, then, " ".join(message.split()))

    def condition(self, value: Any, path: tuple) -> Condition | None:
        if not isinstance(value, dict) or not value:
            self.problem(path, f"a condition must be a mapping, not {describe(value)}")
            return None
        if "field" in value:
            return self.comparison(value, path)
        if len(value) != 1 or next(iter(value)) not in COMBINATORS:
            self.problem(
                path,
                f"a condition is one of {', '.join(COMBINATORS)} or a "
                f"comparison with 'field'; found {', '.join(map(str, value))}",
            )
            return None
        op, body = next(iter(value.items()))
        if op == "not":
            inner = self.condition(body, path + ("not",))
            return Combination("not", (inner,)) if inner else None
        if not isinstance(body, list) or not body:
            self.problem(path + (op,), "must be a non-empty list of conditions")
            return None
        parts = [self.condition(part, path + (op, i)) for i, part in enumerate(body)]
        return Combination(op, tuple(parts)) if all(parts) else None

    def comparison(self, value: dict, path: tuple) -> Comparison | None:
        name = value["field"]
        ops = [key for key in value if key != "field"]
        if name not in self.catalogue:
            self.problem(
                path + ("field",), f"unknown field {name!r}{did_you_mean(name, self.catalogue)}"
            )
            return None
        if len(ops) != 1 or ops[0] not in COMPARISONS:
            self.problem(
                path,
                f"a comparison needs exactly one operator of "
                f"{', '.join(COMPARISONS)}; found {', '.join(ops) or 'none'}",
            )
            return None
        op = ops[0]
        operand = value[op]
        if self.operand_fits(self.catalogue[name], op, operand, path + (op,), name):
            return Comparison(name, op, tuple(operand) if op == "in" else operand)
        return None

    def operand_fits(self, spec: FieldSpec, op: str, operand: Any, path: tuple, name: str) -> bool:
        if op == "present":
            if not isinstance(operand, bool):
                self.problem(path, "present takes true or false")
                return False
            return True
        values = operand if op == "in" else [operand]
        if op == "in" and (not isinstance(operand, list) or not operand):
            self.problem(path, "'in' takes a non-empty list")
            return False
        if spec.kind != NUMBER and op in ORDERING:
            self.problem(path, f"{name} is not a number, so '{op}' does not apply")
            return False
        for item in values:
            if spec.kind == NUMBER and (
                isinstance(item, bool) or not isinstance(item, (int, float))
            ):
                self.problem(path, f"{name} is a number; {item!r} is not")
                return False
            if spec.kind == BOOLEAN and not isinstance(item, bool):
                self.problem(path, f"{name} is true or false; {item!r} is not")
                return False
            if spec.kind == IDENTIFIER and item not in spec.choices:
                self.problem(path, f"{item!r} is not a value of {name} ({', '.join(spec.choices)})")
                return False
        return True

    def effects(self, value: Any, path: tuple) -> Effects | None:
        if not isinstance(value, dict) or not value:
            self.problem(path, f"'then' must map effects to settings ({', '.join(EFFECTS)})")
            return None
        found: dict[str, Any] = {}
        ok = True
        for key, setting in value.items():
            key_path = path + (key,)
            if key == "choose_track":
                ok &= self.track(setting, key_path, allow_all=False)
                found[key] = setting
            elif key in ("cap_target", "shift_target"):
                amount_key = "grades_above_current" if key == "cap_target" else "by"
                parsed = self.target_change(setting, key_path, amount_key)
                ok &= parsed is not None
                found[key] = parsed
            elif key == "add_flag":
                if not isinstance(setting, str) or not setting:
                    self.problem(key_path, "add_flag takes a flag id")
                    ok = False
                found[key] = setting
            else:
                self.problem(key_path, f"unknown effect {key!r}{did_you_mean(key, EFFECTS)}")
                ok = False
        return Effects(**found) if ok else None

    def track(self, value: Any, path: tuple, *, allow_all: bool) -> bool:
        allowed = self.track_ids + ((ALL_TRACKS,) if allow_all else ())
        if value not in allowed:
            self.problem(path, f"{value!r} is not a track ({', '.join(allowed)})")
            return False
        return True

    def target_change(self, value: Any, path: tuple, amount_key: str) -> tuple[str, int] | None:
        if not isinstance(value, dict) or set(value) != {"track", amount_key}:
            self.problem(path, f"takes {{track: <track or all>, {amount_key}: <whole number>}}")
            return None
        amount = value[amount_key]
        if not self.track(value["track"], path + ("track",), allow_all=True):
            return None
        if isinstance(amount, bool) or not isinstance(amount, int):
            self.problem(path + (amount_key,), f"must be a whole number, not {describe(amount)}")
            return None
        return value["track"], amount
