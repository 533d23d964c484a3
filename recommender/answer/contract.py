"""The recommendation's contract: one JSON Schema for what `trackfit recommend`, the API and
the stored results hold, written once and read by the OpenAPI document and the tests."""

from __future__ import annotations

from typing import Any

from recommender.answer.features import pack_features
from recommender.answer.track_model import INTERVAL_LEVEL
from recommender.pack.fields import FLAG_IDS, STATUSES
from recommender.pack.loading import Pack

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def recommendation_schema(pack: Pack) -> dict[str, Any]:
    """The JSON Schema of one person's recommendation in `pack` (no other fields allowed)."""
    tracks = list(pack.framework.track_ids)
    level_ids = list(pack.framework.level_ids)
    chance = {"type": "number", "minimum": 0, "maximum": 1}
    per_track = _closed({t: chance for t in tracks})
    competency = {"enum": list(pack.framework.competency_ids)}
    feature = {"enum": [f.factor for f in pack_features(pack)]}
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": f"Recommendation ({pack.ref})",
        **_closed(
            {
                "employee_id": {"type": ["string", "null"]},
                "track": {"type": "string", "enum": tracks},
                "confidence": {
                    **chance,
                    "description": "the chance that the recommended track works out better than "
                    "the other, a tie counted as half, discounted for response-quality flags",
                },
                "p_success": per_track,
                "p_success_interval": {
                    **_closed({t: _range(chance) for t in tracks}),
                    "type": ["object", "null"],
                    "description": "per track, [low, high]: where the person's own chance of "
                    "success most likely lies at interval_level (contains p_success; may be "
                    "asymmetric); null when the model version has no posterior",
                },
                "interval_level": {
                    "type": ["number", "null"],
                    "enum": [INTERVAL_LEVEL, None],
                    "description": "the range's level, e.g. 0.9: the model is 90% sure of "
                    "it; how often such ranges held the true chance on simulated people is in "
                    "the model card (less often where success jumps at a threshold)",
                },
                "levels": _closed({t: _track_levels(level_ids, competency) for t in tracks}),
                "explanation": _closed(
                    {
                        "score": {"type": "number"},
                        "baseline": {"type": "number"},
                        "factors": {"type": "array", "items": _factor(feature)},
                        "rules": {"type": "array", "items": _message({"type": "string"})},
                    },
                    description="score = logit p(success as manager) - logit p(success as IC); "
                    "baseline + the sum of every factor's effect equals score",
                ),
                "flags": {
                    "type": "array",
                    "items": _message({"type": "string"}),
                    "description": f"response-quality flags ({', '.join(FLAG_IDS)}) and flags "
                    "the pack's rules added",
                },
                "model_version": {"type": "string", "pattern": r"^v\d+$"},
                "pack": {"type": "string", "const": pack.ref},
                "synthetic_model": {"type": "boolean"},
                "note": {"type": "string"},
            }
        ),
    }


def _closed(
    properties: dict[str, Any], optional: tuple[str, ...] = (), **extra: Any
) -> dict[str, Any]:
    """An object with exactly these properties, all required but the `optional` ones."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
        **extra,
    }


def _range(value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": value, "minItems": 2, "maxItems": 2}


def _message(id_schema: dict[str, Any]) -> dict[str, Any]:
    return _closed({"id": id_schema, "message": {"type": "string"}})


def _track_levels(level_ids: list[str], competency: dict[str, Any]) -> dict[str, Any]:
    level_or_none = {"enum": [*level_ids, None]}
    return _closed(
        {
            "current": {
                **level_or_none,
                "description": "the level the person holds on this track; null on a track "
                "they are not on",
            },
            "supported": {
                **level_or_none,
                "description": "the highest level the evidence supports, every lower level "
                "met too; null when none of this track's own levels is met",
            },
            "target": {
                "enum": level_ids,
                "description": "the next step: the level above the one held, or on another "
                "track a sideways move (at most the grade held, at least the track's entry)",
            },
            "status": {"enum": list(STATUSES)},
            "gaps": {
                "type": "array",
                "items": _closed(
                    {
                        "competency": competency,
                        "have": {"type": ["number", "null"]},
                        "need": {"type": "integer"},
                    }
                ),
            },
            "equivalent": _closed({"current": level_or_none, "target": level_or_none}),
            "reason": {"type": "string"},
        },
        optional=("reason",),  # only when the status is not "supported"
    )


def _factor(feature: dict[str, Any]) -> dict[str, Any]:
    return _closed(
        {
            "feature": feature,
            "label": {"type": "string"},
            "value": {"type": ["number", "null"]},
            "effect": {"type": "number"},
        }
    )
