"""The fields a rule may read: the flat view of profiles, levels and model outputs.

Each field is a column over a batch of people: numbers (NaN when missing), ids (None when
missing) or flags. The vocabulary here is part of the pack format: rules name these fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from recommender.pack.framework import TRACK_IDS

if TYPE_CHECKING:
    from recommender.pack.framework import Framework
    from recommender.pack.questionnaire import Questionnaire

NUMBER, IDENTIFIER, BOOLEAN = "number", "id", "bool"
# What a level engine may say about each track: the evidence supports a level, not yet any, or
# the person is not on that track.
SUPPORTED, NOT_YET, NONE = "supported", "not_yet", "none"
STATUSES = (SUPPORTED, NOT_YET, NONE)
# Signs that answers may not reflect the person (computed by the quality checks).
FLAG_IDS = (
    "straight_lining",
    "failed_attention_check",
    "contradictory_reverse_keyed",
    "too_many_skipped",
    "too_fast",
)
# The flag a pack's close-call rule adds (`model.close_call`: the model cannot tell which track
# is better for this person). Pages say "a close call" exactly when a result carries it, so the
# headline and the rule's note beside it always agree, in old results as in new.
CLOSE_CALL_FLAG = "close_call"
# The prefix of the fields the questionnaire's constructs give rules (numbers, as scores).
CONSTRUCT_FIELDS = "constructs."


# The prefixes of the fields the framework gives rules (its competencies), named but not yet
# checked while framework.yaml does not read (a level held is then an id of no known choices).
FRAMEWORK_FIELDS = ("competencies.",)


@dataclass(frozen=True)
class FieldSpec:
    """What a field holds: its kind and, for ids, the values it can take (None: not known
    yet, while the file that lists them does not read)."""

    kind: str
    choices: tuple[str, ...] | None = ()


def field_catalogue(
    framework: Framework | None, questionnaire: Questionnaire | None
) -> dict[str, FieldSpec]:
    """Every field a rule of this pack may read; without a questionnaire (one that does not
    read), every field but the constructs it measures; without a framework, every field but
    its competencies (`FRAMEWORK_FIELDS`), and its levels as ids of no known choices."""
    number = FieldSpec(NUMBER)
    construct_ids = questionnaire.construct_ids if questionnaire else ()
    competency_ids = framework.competency_ids if framework else ()
    fields = {f"{CONSTRUCT_FIELDS}{c}": number for c in construct_ids}
    fields |= {f"competencies.{c}": number for c in competency_ids}
    fields |= {
        "context.years_experience": number,
        "context.years_at_level": number,
        "context.direct_reports": number,
        "context.current_grade": number,
        "context.current_track": FieldSpec(IDENTIFIER, TRACK_IDS),
        "context.current_level": FieldSpec(IDENTIFIER, framework.level_ids if framework else None),
    }
    fields |= {f"flags.{flag}": FieldSpec(BOOLEAN) for flag in FLAG_IDS}
    for track in TRACK_IDS:
        fields[f"levels.{track}.status"] = FieldSpec(IDENTIFIER, STATUSES)
        fields[f"levels.{track}.current_grade"] = number
        fields[f"levels.{track}.supported_grade"] = number
        fields[f"levels.{track}.target_grade"] = number
        fields[f"levels.{track}.target_above_current"] = number
        fields[f"model.p_success.{track}"] = number
    fields["model.p_difference"] = number
    fields["model.p_gap"] = number
    fields["model.p_difference_low"] = number
    fields["model.p_difference_high"] = number
    fields["model.close_call"] = FieldSpec(BOOLEAN)
    return fields
