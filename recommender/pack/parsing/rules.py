"""Reading `rules.yaml` into a RuleSet, every problem logged with the rule's id."""

from __future__ import annotations

import math
from typing import Any

from recommender.errors import did_you_mean
from recommender.pack.fields import (
    BOOLEAN,
    CLOSE_CALL_FLAG,
    FLAG_IDS,
    IDENTIFIER,
    NUMBER,
    FieldSpec,
)
from recommender.pack.framework import TRACK_IDS, Framework
from recommender.pack.rules import (
    ALL_TRACKS,
    COMBINATORS,
    COMPARISONS,
    EFFECTS,
    ORDERING,
    Combination,
    Comparison,
    Condition,
    Effects,
    Rule,
    RuleSet,
)
from recommender.pack.source import ID_PATTERN, PackSource, cut, describe, shown, suggestion


def parse_rules(
    source: PackSource,
    catalogue: dict[str, FieldSpec],
    framework: Framework | None,
    unchecked_fields: tuple[str, ...] = (),
) -> RuleSet | None:
    """Build the rule set from `rules.yaml`, logging every problem with the rule's id. A field
    named with a prefix of `unchecked_fields` (the constructs, while the questionnaire that
    measures them does not read; the competencies, while the framework does not) is taken for
    a number, its name not checked yet. Without a framework, how far a target may move is not
    checked yet either; everything else is."""
    raw = source.mapping(source.data, (), "a mapping with a list of rules")
    if raw is None:
        return None
    source.fields(raw, (), required=("rules",))
    entries = source.sequence(raw.get("rules"), ("rules",))
    if entries is None:
        return None
    parser = _RuleParser(source, catalogue, framework, unchecked_fields)
    rules, places = [], {}
    for index, entry, rule_id in source.unique_ids(entries, ("rules",), "rule"):
        rule = parser.rule(entry, ("rules", index), rule_id)
        if rule is not None:
            rules.append(rule)
            places[rule.id] = ("rules", index)
            parser.close_call_agrees(rule, ("rules", index))
    _one_choice_per_priority(source, rules, places)
    if source.has_problems:
        return None
    return RuleSet(tuple(sorted(rules, key=lambda rule: -rule.priority)))


def _one_choice_per_priority(source: PackSource, rules: list[Rule], places: dict) -> None:
    """Priority settles which track wins when rules choose differently; two rules choosing
    different tracks at one priority would leave it to their order in the file."""
    first_at: dict[int, Rule] = {}
    for rule in rules:
        if rule.then.choose_track is None:
            continue
        other = first_at.setdefault(rule.priority, rule)
        if other.then.choose_track != rule.then.choose_track:
            source.problem(
                places[rule.id] + ("priority",),
                f"rule '{rule.id}' chooses {rule.then.choose_track} and rule '{other.id}' "
                f"chooses {other.then.choose_track}, both at priority {rule.priority}: when both "
                "fire, nothing says which wins; give them different priorities",
            )


class _RuleParser:
    """Checks one rule at a time; every message names the rule's id."""

    def __init__(
        self,
        source: PackSource,
        catalogue: dict[str, FieldSpec],
        framework: Framework | None,
        unchecked_fields: tuple[str, ...],
    ):
        self.source = source
        self.catalogue = catalogue
        self.unchecked_fields = unchecked_fields
        self.track_ids = TRACK_IDS
        # a target moves at most the length of a ladder, and is capped at most to its top
        # (not known while the framework does not read)
        self.longest_ladder = self.grades = None
        if framework is not None and framework.levels:  # none: a problem of framework.yaml's
            self.longest_ladder = max(len(framework.ladder(t)) for t in framework.track_ids)
            self.grades = max(level.grade for level in framework.levels)
        self.rule_id = "?"

    def problem(self, path: tuple, message: str) -> None:
        self.source.problem(path, f"rule '{self.rule_id}': {message}")

    def rule(self, raw: dict, path: tuple, rule_id: Any) -> Rule | None:
        self.rule_id = rule_id if isinstance(rule_id, str) else f"#{path[-1]}"
        errors_before = self.source.log.count
        self.source.fields(
            raw, path, required=("id", "when", "then", "message"), optional=("priority",)
        )
        checked_id = self.source.identifier(raw, "id", path)
        priority = self.source.integer(raw, "priority", path) if "priority" in raw else 0
        when = self.condition(raw.get("when"), path + ("when",)) if "when" in raw else None
        then = self.effects(raw.get("then"), path + ("then",)) if "then" in raw else None
        message = self.source.text(raw, "message", path)
        if self.source.log.count > errors_before or None in (
            checked_id,
            priority,
            when,
            then,
            message,
        ):
            return None
        return Rule(checked_id, priority, when, then, " ".join(message.split()))

    def close_call_agrees(self, rule: Rule, path: tuple) -> None:
        """Pages call a result "a close call" exactly when it carries CLOSE_CALL_FLAG, under the
        note of the rule that added it: a rule firing on every close call must add that flag
        (or its note would sit under a headline saying the fit is clear), and a rule adding it
        must read the close call (or the headline would say it of a clear fit)."""
        self.rule_id = rule.id
        flag = rule.then.add_flag
        if flag == CLOSE_CALL_FLAG and not _fires_only_on_close_call(rule.when):
            self.problem(
                path + ("when",),
                f"it adds the flag '{CLOSE_CALL_FLAG}', which makes every page call the result "
                f'"a close call", but its condition can hold when model.close_call is false; '
                "fire it on {field: model.close_call, eq: true} (alone, or within 'all')",
            )
        elif flag not in (None, CLOSE_CALL_FLAG) and _fires_only_on_close_call(rule.when):
            self.problem(
                path + ("then", "add_flag"),
                f"it fires only on a close call (model.close_call) but adds the flag "
                f'{shown(flag)}; pages call a result "a close call" only when it carries the '
                f"flag '{CLOSE_CALL_FLAG}', so its headline would call the fit clear beside this "
                f"rule's note: add_flag: {CLOSE_CALL_FLAG}",
            )

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
                f"comparison with 'field'; found {cut(', '.join(map(str, value)))}",
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
        if not isinstance(name, str):
            self.problem(path + ("field",), f"field takes a field's name, not {describe(name)}")
            return None
        spec = self.catalogue.get(name)
        if spec is None and self.unchecked_fields and name.startswith(self.unchecked_fields):
            spec = FieldSpec(NUMBER)
        if spec is None:
            self.problem(
                path + ("field",), f"unknown field {shown(name)}{suggestion(name, self.catalogue)}"
            )
            return None
        if len(ops) != 1 or ops[0] not in COMPARISONS:
            self.problem(
                path,
                f"a comparison needs exactly one operator of "
                f"{', '.join(COMPARISONS)}; found {cut(', '.join(ops)) or 'none'}",
            )
            return None
        op = ops[0]
        operand = value[op]
        if self.operand_fits(spec, op, operand, path + (op,), name):
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
                self.problem(path, f"{name} is a number; {shown(item)} is not")
                return False
            if spec.kind == NUMBER and not math.isfinite(item):
                # .nan compares false with everything, .inf true or false with every answer:
                # a rule that can never, or always, fire
                self.problem(path, f"{name} is compared with {shown(item)}; use a finite number")
                return False
            if spec.kind == BOOLEAN and not isinstance(item, bool):
                self.problem(path, f"{name} is true or false; {shown(item)} is not")
                return False
            if spec.kind == IDENTIFIER and spec.choices is not None and item not in spec.choices:
                self.problem(
                    path, f"{shown(item)} is not a value of {name} ({', '.join(spec.choices)})"
                )
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
                ok &= self.flag(setting, key_path)
                found[key] = setting
            else:
                self.problem(key_path, f"unknown effect {shown(key)}{did_you_mean(key, EFFECTS)}")
                ok = False
        return Effects(**found) if ok else None

    def flag(self, value: Any, path: tuple) -> bool:
        """A flag is an id (what API clients key on), never one of the quality checks' own."""
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.problem(
                path,
                f"add_flag takes a flag id (lower-case letters, digits, '_' or '-', starting "
                f"with a letter), not {shown(value)}",
            )
            return False
        if value in FLAG_IDS:
            self.problem(
                path,
                f"'{value}' is the flag of trackfit's own response-quality check; a rule's "
                "flag needs an id of its own, or nobody could tell the two apart",
            )
            return False
        return True

    def track(self, value: Any, path: tuple, *, allow_all: bool) -> bool:
        allowed = self.track_ids + ((ALL_TRACKS,) if allow_all else ())
        if value not in allowed:
            self.problem(path, f"{shown(value)} is not a track ({', '.join(allowed)})")
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
        if amount_key == "by" and self.longest_ladder and abs(amount) > self.longest_ladder:
            self.problem(
                path + (amount_key,),
                f"moves a target {amount} levels; a ladder here has at most "
                f"{self.longest_ladder}, so use a number from -{self.longest_ladder} to "
                f"{self.longest_ladder}",
            )
            return None
        if amount_key == "grades_above_current" and amount < 0:
            self.problem(
                path + (amount_key,),
                f"is {amount}; a target is capped from the grade held (0) upward",
            )
            return None
        if amount_key == "grades_above_current" and self.grades and amount > self.grades:
            self.problem(
                path + (amount_key,),
                f"is {amount}; a target is capped from the grade held (0) up to "
                f"{self.grades} grades above it (the framework's top grade)",
            )
            return None
        return value["track"], amount


def _says_close_call(condition: Comparison, close_call: bool = True) -> bool:
    """`model.close_call` compared so that the comparison holds only when it is `close_call`
    (the field is always there: every result has the model's reading)."""
    if condition.field != "model.close_call":
        return False
    other = not close_call
    return (
        (condition.op == "eq" and condition.value is close_call)
        or (condition.op == "ne" and condition.value is other)
        or (condition.op == "in" and close_call in condition.value and other not in condition.value)
    )


def _fires_only_on_close_call(condition: Condition, close_call: bool = True) -> bool:
    """Whether the condition can hold only when model.close_call is `close_call`."""
    if isinstance(condition, Comparison):
        return _says_close_call(condition, close_call)
    if condition.op == "all":
        return any(_fires_only_on_close_call(part, close_call) for part in condition.parts)
    if condition.op == "any":
        return all(_fires_only_on_close_call(part, close_call) for part in condition.parts)
    # `not P` holds only on `close_call` when P holds on every result of the other reading:
    # known for a plain comparison of the field (`not: {eq: false}` is `eq: true`)
    (inner,) = condition.parts
    return (
        isinstance(inner, Comparison)
        and inner.field == "model.close_call"
        and _says_close_call(inner, not close_call)
    )
