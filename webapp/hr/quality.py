"""Questionnaire quality for HR: reliability of each construct on a discipline's stored
responses."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from webapp import answering, learning
from webapp.answering import (
    FLAG_IDS,
    FLAG_MESSAGES,
    Answers,
    AnswersInvalid,
    Pack,
    answer_matrix,
    answers_json,
    employee_id_key,
    score_many,
)
from webapp.assessment.models import Assessment
from webapp.extensions import db
from webapp.hr import bp
from webapp.hr.disciplines import chosen_discipline
from webapp.hr.outcomes.models import OutcomeRecord, OutcomeUpload

MIN_RESPONSES = 30


@bp.route("/quality")
def quality():
    """Per construct: n, alpha with its interval, omega, item statistics and traffic lights;
    the share of responses with quality flags (left out of the statistics and of training).
    Every stored response of the pack version counts, each person's once: finished
    assessments and the answers in uploaded outcome files (see `_uploaded_rows`). One
    discipline at a time (`?discipline=`), in its newest pack."""
    pack = chosen_discipline()
    finished, unusable = _answers(pack, _finished_assessments(pack))
    uploaded, sources = _uploaded_rows(pack)
    from_files, unusable_rows = _answers(pack, uploaded)
    sources |= {
        "assessments": len(finished),
        "uploaded": len(from_files),
        "unusable": unusable + unusable_rows,
    }
    people = finished + from_files
    report = None
    flag_counts = {}
    if people:
        profiles = score_many(pack, people)
        flagged = profiles.flagged
        flag_counts = {flag: int(profiles.flags[flag].sum()) for flag in FLAG_IDS}
        report = learning.questionnaire_quality(pack, answer_matrix(pack, people), flagged)
    return render_template(
        "hr/quality.html",
        pack=pack,
        disciplines=answering.disciplines(),
        report=report,
        sources=sources,
        not_added=_not_added(sources),
        flag_counts=flag_counts,
        flag_messages=FLAG_MESSAGES,
        construct_labels={c.id: c.label for c in pack.questionnaire.constructs},
        min_responses=MIN_RESPONSES,
        weak_item=learning.WEAK_ITEM,
    )


def _finished_assessments(pack: Pack) -> list[dict]:
    """Every finished assessment of the pack version, as answers JSON."""
    rows = db.session.execute(
        select(Assessment.id, Assessment.answers, Assessment.context, Assessment.timings).where(
            Assessment.completed_at.is_not(None), Assessment.pack == pack.ref
        )
    )
    return [
        answers_json(f"assessment {assessment_id}", answers, context, timings)
        for assessment_id, answers, context, timings in rows
    ]


def _uploaded_rows(pack: Pack) -> tuple[list[dict], dict[str, int]]:
    """The answers in the pack version's uploaded outcome files, each person once, as answers
    JSON, and how many rows were not added and why.

    Outcome files overlap: the same file sent again, a later file repeating people of an
    earlier one, uploads whose training failed. A person of a full file is their employee id
    (compared as `employee_id_key`, whatever its case) and counts once, with the answers of
    the newest upload that holds them; their rows in older uploads are "repeated". A short
    file's row is the stored assessment it points at, which counts among the finished
    assessments already ("linked"), or nothing when that assessment was deleted since
    ("gone"). One query, newest upload first, and one pass over its rows."""
    rows = db.session.execute(
        select(
            OutcomeUpload.id,
            OutcomeRecord.employee_id,
            OutcomeRecord.assessment_id,
            OutcomeRecord.answers,
            OutcomeRecord.context,
        )
        .join(OutcomeRecord, OutcomeRecord.upload_id == OutcomeUpload.id)
        .where(OutcomeUpload.pack == pack.ref)
        .order_by(OutcomeUpload.id.desc(), OutcomeRecord.id)
    )
    seen: set[str] = set()
    people = []
    sources = {"linked": 0, "gone": 0, "repeated": 0}
    for upload_id, employee_id, assessment_id, answers, context in rows:
        if answers is None:
            sources["linked" if assessment_id is not None else "gone"] += 1
            continue
        person = employee_id_key(employee_id)
        if person in seen:
            sources["repeated"] += 1
            continue
        seen.add(person)
        people.append(answers_json(f"upload {upload_id} row {len(people)}", answers, context))
    return people, sources


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _not_added(sources: dict[str, int]) -> list[str]:
    """Why stored rows were not added, one phrase per reason that applies."""
    reasons = [
        (
            sources["linked"],
            "uploaded row joins",
            "uploaded rows join",
            "a finished assessment already counted",
        ),
        (
            sources["gone"],
            "uploaded row points",
            "uploaded rows point",
            "at an assessment deleted since",
        ),
        (
            sources["repeated"],
            "row repeats",
            "rows repeat",
            "a person of a newer upload (counted once, from the newest)",
        ),
        (sources["unusable"], "response no longer fits", "responses no longer fit", "the pack"),
    ]
    return [f"{_plural(count, one, many)} {rest}" for count, one, many, rest in reasons if count]


def _answers(pack: Pack, stored: list[dict]) -> tuple[list[Answers], int]:
    """The stored responses that still fit the pack, and how many do not."""
    people = []
    for response in stored:
        try:
            people.append(Answers.from_json(response, pack))
        except AnswersInvalid:
            continue  # not the pack's shape any more; counted as not usable
    return people, len(stored) - len(people)
