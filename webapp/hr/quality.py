"""Questionnaire quality for HR: reliability of each construct on a discipline's stored
responses."""

from __future__ import annotations

from datetime import datetime

from flask import render_template
from sqlalchemy import func, select

from webapp import answering, learning
from webapp.accounts.models import User
from webapp.answering import (
    FLAG_IDS,
    FLAG_MESSAGES,
    Answers,
    AnswersInvalid,
    Pack,
    answers_json,
    employee_id_key,
    given_answers,
    score_many,
)
from webapp.assessment.models import Assessment
from webapp.counting import counted
from webapp.extensions import db
from webapp.hr import bp
from webapp.hr.disciplines import chosen_discipline
from webapp.hr.outcomes.models import OutcomeRecord, OutcomeUpload

# Fewest responses anything is computed from, on the page and for each construct (complete
# ones there): with fewer, an item's floor and ceiling, and the flags counted, tell HR what a
# few people answered (with one response, every share is 0% or 100%: that person's answers),
# where HR sees only totals; and alpha from fewer is too uncertain to act on.
MIN_RESPONSES = 30
# what a construct keeps when its figures are withheld: how many answered, nothing they said
COUNTS_ONLY = ("n", "responses", "incomplete", "items")
# The figures move this many responses at a time: computed on the first responses in the order
# they were stored, a whole number of steps of them. Were they computed on every response, the
# page seen before and after one more person finished would tell that person's answers (an
# item's floor going from 30 of 60 people to 31 of 61 is their answer), and HR sees who
# finished when.
RELEASE_STEP = 10
# a stored response: (when it was stored, uploaded rows before assessments of the same moment,
# its row id), its answers JSON
Stored = tuple[tuple[datetime, int, int], dict]


@bp.route("/quality")
def quality():
    """Per construct: n, alpha with its interval, omega, item statistics and traffic lights;
    the share of responses with quality flags (left out of the statistics and of training).
    Every stored response of the pack version counts, each person's once: their newest
    finished assessment, or for people not assessed here the answers of the newest uploaded
    outcome file that holds them (see `_uploaded_rows`). One discipline at a time
    (`?discipline=`), in its newest pack."""
    pack = chosen_discipline()
    newest, assessed, retaken, without_id = _finished_assessments(pack)
    finished, unusable = _answers(pack, newest)
    uploaded, sources = _uploaded_rows(pack, assessed)
    from_files, unusable_rows = _answers(pack, uploaded)
    sources |= {
        "retaken": retaken,
        "assessments": len(finished),
        "uploaded": len(from_files),
        "unusable": unusable + unusable_rows,
        # people assessed here whom a full file's HR id cannot be matched to
        "without_id": without_id if from_files else 0,
    }
    stored = sorted(finished + from_files, key=lambda pair: pair[0])
    released = len(stored) // RELEASE_STEP * RELEASE_STEP
    people = [answers for _, answers in stored[:released]]
    report = None
    flag_counts = {}
    if released >= MIN_RESPONSES:
        profiles = score_many(pack, people)
        flagged = profiles.flagged
        flag_counts = {flag: int(profiles.flags[flag].sum()) for flag in FLAG_IDS}
        report = learning.questionnaire_quality(pack, given_answers(profiles), flagged)
        report["constructs"] = {
            construct: _withheld_below_minimum(q) for construct, q in report["constructs"].items()
        }
    return render_template(
        "hr/quality.html",
        pack=pack,
        disciplines=answering.disciplines(),
        responses=len(stored),
        released=released,
        release_step=RELEASE_STEP,
        report=report,
        sources=sources,
        not_added=_not_added(sources),
        flag_counts=flag_counts,
        flag_messages=FLAG_MESSAGES,
        construct_labels={c.id: c.label for c in pack.questionnaire.constructs},
        min_responses=MIN_RESPONSES,
        weak_item=learning.WEAK_ITEM,
    )


def _withheld_below_minimum(quality: dict) -> dict:
    """A construct's figures, or only its counts and `withheld` when fewer than MIN_RESPONSES
    complete responses are behind them."""
    if quality["n"] >= MIN_RESPONSES:
        return quality
    return {key: quality[key] for key in COUNTS_ONLY} | {"withheld": True}


def _finished_assessments(pack: Pack) -> tuple[list[Stored], set[str], int, int]:
    """Each person's newest finished assessment of the pack version, as answers JSON with
    when it was finished (`Stored`); the people they are (employee ids and emails, as
    `employee_id_key`), for uploaded rows to be matched against; how many earlier
    assessments of people who took it again were left out (a person answering twice is one
    person, not two); and how many of the people have no employee id on record (a full file
    naming them by an HR id cannot be matched)."""
    order = (Assessment.completed_at.desc(), Assessment.id.desc())
    ranked = (
        select(
            Assessment.id,
            func.row_number().over(partition_by=Assessment.user_id, order_by=order).label("rank"),
        )
        .where(Assessment.completed_at.is_not(None), Assessment.pack == pack.ref)
        .subquery()
    )
    # only the newest of each person is loaded: earlier ones are counted, not read
    rows = db.session.execute(
        select(
            Assessment.id,
            Assessment.completed_at,
            Assessment.answers,
            Assessment.context,
            Assessment.timings,
            User.employee_id,
            User.email,
        )
        .join(ranked, ranked.c.id == Assessment.id)
        .join(User, User.id == Assessment.user_id)
        .where(ranked.c.rank == 1)
        .order_by(Assessment.id)
    )
    newest, people, without_id = [], set(), 0
    for assessment_id, finished, answers, context, timings, employee_id, email in rows:
        without_id += not employee_id
        people.update(employee_id_key(key) for key in (employee_id, email) if key)
        stored = answers_json(f"assessment {assessment_id}", answers, context, timings)
        newest.append(((finished, 1, assessment_id), stored))
    retaken = db.session.scalar(select(func.count()).select_from(ranked).where(ranked.c.rank > 1))
    return newest, people, retaken, without_id


def _uploaded_rows(pack: Pack, assessed: set[str]) -> tuple[list[Stored], dict[str, int]]:
    """The answers in the pack version's uploaded outcome files, each person once, as answers
    JSON with when they were stored (`Stored`: the upload's time), and how many rows were not
    added and why.

    Outcome files overlap: the same file sent again, a later file repeating people of an
    earlier one, uploads whose training failed. A person of a full file is their employee id
    (compared as `employee_id_key`, whatever its case) and counts once, with the answers of
    the newest upload that holds them; their rows in older uploads are "repeated". A short
    file's row is the stored assessment it points at, which counts among the finished
    assessments already ("linked"), or nothing when that assessment was deleted since
    ("gone"). A full file's row of someone `assessed` here (their employee id or email, as
    `employee_id_key`) counts as their assessment here ("assessed"). One query, newest upload
    first, and one pass over its rows."""
    rows = db.session.execute(
        select(
            OutcomeUpload.id,
            OutcomeUpload.uploaded_at,
            OutcomeRecord.id,
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
    sources = {"linked": 0, "gone": 0, "repeated": 0, "assessed": 0}
    for upload_id, uploaded_at, record_id, employee_id, assessment_id, answers, context in rows:
        if answers is None:
            sources["linked" if assessment_id is not None else "gone"] += 1
            continue
        person = employee_id_key(employee_id)
        if person in assessed:
            sources["assessed"] += 1
            continue
        if person in seen:
            sources["repeated"] += 1
            continue
        seen.add(person)
        stored = answers_json(f"upload {upload_id} row {len(people)}", answers, context)
        people.append(((uploaded_at, 0, record_id), stored))
    return people, sources


def _not_added(sources: dict[str, int]) -> list[str]:
    """Why stored rows were not added, one phrase per reason that applies."""
    reasons = [
        (
            sources["linked"],
            "uploaded row joins",
            "uploaded rows join",
            "a finished assessment of someone already counted",
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
        (
            sources["assessed"],
            "uploaded row is",
            "uploaded rows are",
            "of someone assessed here (counted once, by their newest assessment)",
        ),
        (
            sources["retaken"],
            "earlier assessment of someone who took it again",
            "earlier assessments of people who took it again",
            "(each person counted once, by their newest)",
        ),
        (sources["unusable"], "response no longer fits", "responses no longer fit", "the pack"),
    ]
    return [f"{counted(count, one, many)} {rest}" for count, one, many, rest in reasons if count]


def _answers(pack: Pack, stored: list[Stored]) -> tuple[list[tuple[tuple, Answers]], int]:
    """The stored responses that still fit the pack, each with when it was stored, and how
    many do not."""
    people = []
    for when, response in stored:
        try:
            people.append((when, Answers.from_json(response, pack)))
        except AnswersInvalid:
            continue  # not the pack's shape any more; counted as not usable
    return people, len(stored) - len(people)
