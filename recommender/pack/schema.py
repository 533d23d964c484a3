"""A pack described as JSON, for other tools: items (each with its scale), constructs,
competencies, context fields, tracks with their ladders, and every level once."""

from __future__ import annotations

from typing import Any

from recommender.pack.loading import Pack
from recommender.pack.questionnaire import ANCHORED, ATTENTION, CHOICE, LIKERT, Item


def pack_schema(pack: Pack) -> dict[str, Any]:
    """The JSON `trackfit schema` prints."""
    framework, questionnaire = pack.framework, pack.questionnaire
    return {
        "pack": pack.ref,
        "title": pack.title,
        "sections": [
            {"id": s.id, "title": s.title, "items": list(s.item_ids)}
            for s in questionnaire.sections
        ],
        "items": [
            _item(item, questionnaire.scales) for item in questionnaire.items if not item.context
        ],
        "constructs": [
            {
                "id": c.id,
                "label": c.label,
                "description": c.description,
                "high": c.high,
                "low": c.low,
            }
            for c in questionnaire.constructs
        ],
        "competencies": [
            {"id": c.id, "label": c.label, "description": c.description}
            for c in framework.competencies
        ],
        "context": [_context_field(item) for item in questionnaire.context_items.values()],
        "tracks": [
            {
                "id": track.id,
                "title": track.title,
                "branch_grade": track.branch_grade,
                "levels": [
                    {
                        "id": lv.id,
                        "title": lv.title,
                        "grade": lv.grade,
                        "shared": len(lv.tracks) > 1,
                        "expects": lv.expects,
                    }
                    for lv in framework.ladder(track.id)
                ],
            }
            for track in framework.tracks
        ],
        # DESIGN's "tracks, levels": every level once, with the tracks whose ladder holds it
        "levels": [
            {"id": lv.id, "title": lv.title, "grade": lv.grade, "tracks": list(lv.tracks)}
            for lv in sorted(framework.levels, key=lambda lv: (lv.grade, lv.id))
        ],
    }


def _item(item: Item, scales: dict) -> dict[str, Any]:
    described: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "section": item.section,
        "text": item.text,
        "construct": item.construct,
        "competency": item.competency,
        "min": int(item.min),
        "max": int(item.max),
        "reverse": item.reverse,
    }
    # DESIGN's "scale": the answer's range and, for a rating scale, its name and labels (also
    # given flat, as min, max and labels, as before)
    described["scale"] = {"min": int(item.min), "max": int(item.max)}
    if item.kind in (LIKERT, ATTENTION):
        described["labels"] = list(scales[item.scale].labels)
        described["scale"] = {"id": item.scale, **described["scale"], "labels": described["labels"]}
    if item.kind == ATTENTION:
        described["expected"] = item.expected
    if item.kind == ANCHORED:
        described["anchors"] = [{"value": a.value, "text": a.label} for a in item.anchors]
    return described


def _context_field(item: Item) -> dict[str, Any]:
    described: dict[str, Any] = {"id": item.context, "kind": item.kind, "text": item.text}
    if item.kind == CHOICE:
        described["options"] = [{"value": o.value, "label": o.label} for o in item.options]
    else:
        described["min"], described["max"] = int(item.min), int(item.max)
    return described
