"""The OpenAPI 3.1 description of API v1, generated from the pack people answer."""

from __future__ import annotations

from typing import Any

from webapp.answering import (
    CHOICE,
    NUMBER,
    SCALED_KINDS,
    WHOLE_CONTEXT,
    Pack,
    recommendation_schema,
)

API_VERSION = "1.0.0"


def openapi_document(pack: Pack, disciplines: list[Pack] | None = None) -> dict[str, Any]:
    """The document: one operation, its request shape (for `pack`'s items), its response
    shape (a recommendation of any of the `disciplines`, which the `pack` parameter names),
    errors and security."""
    packs = disciplines or [pack]
    disciplines = [discipline.id for discipline in packs]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "trackfit API",
            "version": API_VERSION,
            "description": (
                "Track-fit recommendations for HR systems. A recommendation is advice for a "
                "person's development, never a decision about them. Tokens are created by HR "
                "with `trackfit tokens create --name NAME --owner HR_EMAIL`."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerToken": []}],
        "paths": {
            "/recommendations": {
                "post": {
                    "operationId": "createRecommendation",
                    "summary": "Recommend a track and target levels for one person's answers",
                    "parameters": [
                        {
                            "name": "pack",
                            "in": "query",
                            "required": False,
                            "description": (
                                "The discipline (pack id) whose questionnaire the answers are "
                                "for; by default the discipline of the token's owner. This "
                                f"document describes the items of {pack.id}: ask "
                                "`/api/v1/openapi.json?pack=<id>` for another discipline's."
                            ),
                            "schema": {"type": "string", "enum": disciplines},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Answers"}}
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The recommendation, as `trackfit recommend` prints it",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Recommendation"}
                                }
                            },
                        },
                        **{
                            status: _error(text)
                            for status, text in (
                                (
                                    "400",
                                    "Invalid JSON, JSON beyond the limits (nesting deeper than "
                                    "32, numbers longer than 30 digits, NaN or Infinity, lone "
                                    "surrogates), invalid answers, or `pack` given blank; "
                                    "`problems` names each field of the answers (the first 100 "
                                    "problems; `more_problems` counts the rest)",
                                ),
                                (
                                    "401",
                                    "Missing, unknown, revoked or expired token (the error says "
                                    "which)",
                                ),
                                ("404", "No discipline has the pack id asked for"),
                                ("413", "Body larger than the limit"),
                                ("415", "Body is not JSON, or not in UTF-8"),
                                ("503", "No usable model version"),
                            )
                        },
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Answers": _answers_schema(pack),
                "Recommendation": _recommendation(pack, packs),
                "Error": {
                    "type": "object",
                    "required": ["error", "status"],
                    "properties": {
                        "error": {"type": "string"},
                        "status": {"type": "integer"},
                        "problems": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "field": {"type": "string"},
                                    "message": {"type": "string"},
                                },
                            },
                        },
                        "more_problems": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "Problems found beyond those listed in `problems`",
                        },
                    },
                },
            },
        },
    }


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _answers_schema(pack: Pack) -> dict[str, Any]:
    questionnaire = pack.questionnaire
    # null, like a key left out, is "not answered": the answers reader takes it so, and the
    # document says so (JSON a client builds from a form often holds nulls for blanks)
    answers = {
        item.id: {
            "type": ["integer", "null"],  # a point on the item's scale: 2.5 is refused
            "minimum": item.min,
            "maximum": item.max,
            "description": item.text,
        }
        for item in questionnaire.items
        if item.kind in SCALED_KINDS
    }
    context = {}
    for field, item in questionnaire.context_items.items():
        if item.kind == NUMBER:
            kind = "integer" if field in WHOLE_CONTEXT else "number"
            context[field] = {"type": [kind, "null"], "minimum": item.min, "maximum": item.max}
        elif item.kind == CHOICE:
            context[field] = {
                "type": ["string", "null"],
                "enum": [*(option.value for option in item.options), None],
            }
    return {
        "type": "object",
        "required": ["employee_id"],
        "additionalProperties": False,
        "description": f"Answers to pack {pack.ref}; unanswered items are left out or null "
        "(and `answers` with them when none was answered: the result then carries the "
        "too_many_skipped flag); a context field left out or null is not known.",
        "properties": {
            "employee_id": {"type": "string", "minLength": 1, "pattern": "\\S"},
            "answers": {
                "type": ["object", "null"],
                "properties": answers,
                "additionalProperties": False,
            },
            "context": {
                "type": ["object", "null"],
                "properties": context,
                "additionalProperties": False,
            },
            "timings": {
                "type": ["object", "null"],
                "description": "Seconds spent on each section, by section id",
                "properties": {
                    section.id: {"type": "number", "minimum": 0}
                    for section in questionnaire.sections
                },
                "additionalProperties": False,
            },
        },
    }


def _recommendation(pack: Pack, packs: list[Pack]) -> dict[str, Any]:
    """A recommendation of the document's pack, or (when `?pack=` can name others) of any
    discipline: each pack's own levels, factors and reference."""
    shapes = [_without_dialect(recommendation_schema(p)) for p in packs if p.id != pack.id]
    own = _without_dialect(recommendation_schema(pack))
    return {"anyOf": [own, *shapes]} if shapes else own


def _without_dialect(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema as an OpenAPI 3.1 component (the document sets the dialect)."""
    return {key: value for key, value in schema.items() if key != "$schema"}
