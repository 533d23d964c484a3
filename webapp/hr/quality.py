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
    Every stored response of the pack version counts: finished assessments and the answers in
    uploaded outcome files. One discipline at a time (`?discipline=`), in its newest pack."""
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
    """The answers in the pack version's uploaded outcome files, as answers JSON, and how many
    rows were not added: rows of short files ("linked", whose answers are the finished
    assessments already counted) and rows of a file uploaded again ("repeated", counted once).
    """
    rows = db.session.execute(
        select(OutcomeUpload.id, OutcomeUpload.sha256, OutcomeRecord.answers, OutcomeRecord.context)
        .join(OutcomeRecord, OutcomeRecord.upload_id == OutcomeUpload.id)
        .where(OutcomeUpload.pack == pack.ref)
        .order_by(OutcomeUpload.id, OutcomeRecord.id)
    )
    first_upload: dict[str, int] = {}
    people, linked, repeated = [], 0, 0
    for upload_id, sha256, answers, context in rows:
        if answers is None:
            linked += 1
        elif first_upload.setdefault(sha256, upload_id) != upload_id:
            repeated += 1
        else:
            people.append(answers_json(f"upload {upload_id} row {len(people)}", answers, context))
    return people, {"linked": linked, "repeated": repeated}


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
        (sources["repeated"], "row", "rows", "of files uploaded again, counted once"),
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
