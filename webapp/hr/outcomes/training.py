"""Training a candidate on an upload: its stored rows as profiles and outcomes, in the pack
version the upload was checked against, through the learning door."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select

from webapp import learning
from webapp.accounts.models import User
from webapp.answering import (
    Answers,
    ModelRefused,
    Pack,
    answers_json,
    employee_id_key,
    score_many,
)
from webapp.assessment.models import Assessment
from webapp.extensions import db
from webapp.hr.disciplines import pack_version
from webapp.hr.outcomes.models import OutcomeRecord, OutcomeUpload, SensitiveValue


class TrainingRefused(ValueError):
    """Training on an upload stopped for a reason HR can act on (too few people, a pack
    version that is gone); the message says which."""


def train_on_upload(
    upload: OutcomeUpload,
    progress: Callable[[str], None],
    keep: Callable[[list[dict[str, Any]]], None] | None = None,
) -> dict[str, Any]:
    """Train a candidate on the upload's usable rows and add it to the model registry; the
    training summary. `keep`, when given, receives the people behind its verdict as rows to
    store (`rows_to_keep`). Raises TrainingRefused."""
    pack = pack_of_upload(upload)
    try:
        profiles, track_taken, success, sensitive, sources = training_data(upload, pack)
        evidence = None if keep is None else lambda found: keep(rows_to_keep(sources, found))
        return learning.train_candidate(
            profiles,
            track_taken,
            success,
            registry=learning.registry_writer(),
            data={
                "source": upload.filename,
                "sha256": upload.sha256,
                "upload": upload.id,
                "kind": upload.kind,
                "synthetic": False,
                "from_active": upload.from_active,
            },
            sensitive=sensitive,
            shrink_toward_active=upload.from_active,
            progress=progress,
            on_evidence=evidence,
        )
    except (learning.TrainingDataTooSmall, ValueError) as error:
        raise TrainingRefused(str(error)) from error
    except ModelRefused as refused:  # the registry's state, which HR can have put right
        problems = "; ".join(str(problem) for problem in refused.problems)
        raise TrainingRefused(f"the model registry refused: {problems}") from refused


def pack_of_upload(upload: OutcomeUpload) -> Pack:
    """The pack version the upload was checked against (its rows are in that version's shape):
    the candidate is trained for that pack's discipline."""
    pack = pack_version(upload.pack)
    if pack is None:
        raise TrainingRefused(
            f"the upload is for pack {upload.pack}, which is not installed here any more"
        )
    return pack


def training_data(upload: OutcomeUpload, pack: Pack):
    """Profiles, outcomes and sensitive columns of an upload, row for row, and what each row
    was read from: (outcome record id, the assessment id its answers came from or None).

    Answers come from the stored assessment (short file) or the file itself (full file);
    sensitive values come from their own table and go only to the fairness report.
    """
    records = db.session.scalars(
        select(OutcomeRecord).where(OutcomeRecord.upload_id == upload.id).order_by(OutcomeRecord.id)
    ).all()
    # in the order of the people, not of the file's rows: cross-fitting's folds and the
    # bootstrap follow the order, and the same rows saved in another order are the same
    # training (`content_digest`), so they must give the same candidate, as on the command line
    records = [records[row] for row in learning.person_order([r.employee_id for r in records])]
    linked = stored_assessments([r.assessment_id for r in records if r.assessment_id])
    known = known_as(records, linked)
    people, kept, sources = [], [], []
    for record, name in zip(records, known, strict=True):
        assessment_id = None  # the assessment the answers come from, if any
        if record.answers is not None:
            answers, context, timings = record.answers, record.context, None
        elif record.assessment_id in linked:
            assessment_id = record.assessment_id
            # with its page timings: answers given faster than they can be read are flagged
            # and left out, as the person's own result and the quality page say
            stored = linked[record.assessment_id]
            answers, context, timings = stored.answers, stored.context, stored.timings
        else:
            continue  # the person deleted the assessment since the upload
        people.append(Answers.from_json(answers_json(name, answers, context, timings), pack))
        kept.append(record)
        # what each row was read from, as read now: training commits its stages, and a record
        # read again later may name no assessment any more (deleted meanwhile: SET NULL)
        sources.append((record.id, assessment_id))
    values: dict[str, dict[str, str | None]] = {}
    for value in db.session.scalars(
        select(SensitiveValue).where(SensitiveValue.upload_id == upload.id)
    ):
        values.setdefault(value.attribute, {})[value.employee_id] = value.value
    sensitive = {
        name: np.array([by_person.get(r.employee_id) for r in kept], dtype=object)
        for name, by_person in values.items()
    }
    track_taken = np.array([r.track_taken for r in kept], dtype=object)
    success = np.array([int(r.success) for r in kept], dtype=np.int8)
    return score_many(pack, people), track_taken, success, sensitive, sources


# Ids per query (databases cap the parameters of a statement: SQLite's default was 999).
IDS_PER_QUERY = 500


def known_as(records: list[OutcomeRecord], linked: dict[int, Assessment]) -> list[str]:
    """Per record, the name the model registry knows the person by (it keeps who each version
    learnt from, `recommender.learn.people`): the account the row is joined to, or whose
    employee id or email the row names — its employee id, else its email — so that a person
    named by email in one file and by employee id in the next is one person; a row naming no
    account keeps the file's id."""
    names = {employee_id_key(r.employee_id) for r in records if r.assessment_id not in linked}
    owners = {a.user_id for a in linked.values()}
    by_id: dict[int, User] = {}
    for chunk in in_chunks(sorted(owners)):
        by_id |= {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(chunk)))}
    by_name: dict[str, User] = {}
    for chunk in in_chunks(sorted(names)):
        matching = select(User).where(
            or_(func.lower(User.employee_id).in_(chunk), User.email.in_(chunk))
        )
        for user in db.session.scalars(matching):
            by_name.setdefault(user.email, user)
            if user.employee_id:
                by_name.setdefault(employee_id_key(user.employee_id), user)
    known = []
    for record in records:
        assessment = linked.get(record.assessment_id)
        if assessment is not None:
            user = by_id.get(assessment.user_id)
        else:
            user = by_name.get(employee_id_key(record.employee_id))
        known.append(user.employee_id or user.email if user else record.employee_id)
    return known


def in_chunks(values: list) -> list[list]:
    """`values` IDS_PER_QUERY at a time."""
    return [values[start : start + IDS_PER_QUERY] for start in range(0, len(values), IDS_PER_QUERY)]


def stored_assessments(ids: list[int]) -> dict[int, Assessment]:
    """The assessments of these ids that still exist, by id (IDS_PER_QUERY ids a query)."""
    found: dict[int, Assessment] = {}
    for batch in in_chunks(sorted(set(ids))):
        found |= {
            a.id: a for a in db.session.scalars(select(Assessment).where(Assessment.id.in_(batch)))
        }
    return found


def linked_profiles(records: list[dict], pack: Pack):
    """Profiles of an upload's checked rows (dicts naming `assessment_id`, or a full file's
    `answers` and `context`), row for row: a short file's from the assessments they are joined
    to, what training will read, so that the check at upload (and a count after rows are
    removed) gives the rows training would leave out for response-quality flags."""
    stored = stored_assessments([r["assessment_id"] for r in records if r["assessment_id"]])
    people = []
    for record in records:
        # deleted since the file was joined: scored as no answers (a flagged row, left out),
        # as training will leave it out
        assessment = stored.get(record["assessment_id"])
        if record["answers"] is not None:  # a full file's row: its own answers
            answers, context, timings = record["answers"], record["context"], None
        elif assessment:
            answers, context, timings = (
                assessment.answers,
                assessment.context,
                assessment.timings,
            )
        else:
            answers, context, timings = {}, {}, None
        people.append(
            Answers.from_json(answers_json(record["employee_id"], answers, context, timings), pack)
        )
    return score_many(pack, people)


def rows_to_keep(sources: list[tuple[int, int | None]], evidence) -> list[dict[str, Any]]:
    """The people behind a verdict (`recommender.learn.verdict_evidence.VerdictEvidence`, row
    for row of `sources`, `training_data`'s) as `VerdictRow` rows without their run: each names
    the outcome row and, where the answers came from a stored assessment, that assessment, so
    that the row goes with either."""
    return [
        {
            "record_id": record_id,
            "assessment_id": assessment_id,
            "judged": entry.judged,
            "not_judged_because": entry.not_judged_because,
            "learnt_by_active": entry.learnt_by_active,
            "candidate_ic": entry.candidate.get("ic"),
            "candidate_manager": entry.candidate.get("manager"),
            "active_ic": entry.active.get("ic"),
            "active_manager": entry.active.get("manager"),
        }
        for (record_id, assessment_id), entry in zip(sources, evidence.entries(), strict=True)
    ]
