"""What HR's uploads hold about one person, and removing it: the answer to "what do you keep
about me, and delete it", asked of HR by an employee or a leaver.

A person is found by the id HR's files name them by, whatever its case, and, where they have
an account, by its other name too (the org chart's employee id and the email are both ids a
short file may use). Removing takes their outcome rows, their sensitive values and their
lines among the rows an upload could not use, from every upload at once, and brings each
upload's counts and digest up to date, so that training on it again is a new training. A
version already trained keeps what it learnt: only training again without them removes that.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select, update

from webapp import learning
from webapp.accounts.models import User
from webapp.answering import ModelRefused, model_registry
from webapp.extensions import db
from webapp.hr.outcomes.models import (
    QUEUED,
    RUNNING,
    OutcomeRecord,
    OutcomeUpload,
    SensitiveValue,
    TrainingRun,
    VerdictRow,
)
from webapp.hr.outcomes.training import TrainingRefused, linked_profiles, pack_of_upload
from webapp.hr.outcomes.upload import content_digest
from webapp.text_search import lower_as_postgresql, lowered


@dataclass
class HeldInUpload:
    """One upload's records of the person."""

    upload: OutcomeUpload
    outcomes: list[OutcomeRecord] = field(default_factory=list)
    sensitive: dict[str, str | None] = field(default_factory=dict)
    not_usable: list[dict] = field(default_factory=list)  # their lines the upload left out
    versions: list[str] = field(default_factory=list)  # candidates trained on the upload
    # candidates whose kept people behind the verdict hold them (`verdict_rows`)
    behind_verdicts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PersonRecords:
    """Everything HR's uploads hold under the ids that name one person, and the model
    versions whose list of people learnt from holds them."""

    asked: str  # the id as HR typed it (trimmed)
    names: tuple[str, ...]  # the ids searched for, as keys (`id_key`)
    accounts: list[User]  # the accounts the id names: one, none, or (ambiguous) several
    uploads: list[HeldInUpload]
    learnt_by: list[str] = field(default_factory=list)  # versions that learnt from them
    unreadable: list[str] = field(default_factory=list)  # versions whose list was refused

    @property
    def empty(self) -> bool:
        return not self.uploads

    @property
    def account(self) -> User | None:
        """The account the id names, when it names exactly one."""
        return self.accounts[0] if len(self.accounts) == 1 else None

    @property
    def ambiguous(self) -> bool:
        """The id is one account's employee id and another's email: whose records these are
        cannot be told, so nothing is removed until each has their own id."""
        return len(self.accounts) > 1

    @property
    def other_names(self) -> list[str]:
        """The account's ids other than the one asked for, as stored."""
        account = self.account
        if account is None:
            return []
        given = id_key(self.asked)
        return [n for n in (account.employee_id, account.email) if n and id_key(n) != given]


class RemovalRefused(Exception):
    """Removing now would leave the person in a candidate being trained: the runs to wait for
    are named."""

    def __init__(self, runs: list[TrainingRun]):
        super().__init__(", ".join(f"run {run.id}" for run in runs))
        self.runs = runs


def id_key(employee_id: str) -> str:
    """What ids are compared by here, the same in Python as in either database: Unicode NFKC
    (full-width digits as plain ones), then each character in lower case as `lowered`
    gives it (SQLite's own `lower()` changes only A to Z)."""
    return lower_as_postgresql(unicodedata.normalize("NFKC", employee_id.strip()))


def _named(column, names: tuple[str, ...]):
    return lowered(column).in_(names)


def names_of(employee_id: str) -> tuple[tuple[str, ...], list[User]]:
    """The ids (as keys) that name the person `employee_id` names, and the accounts it names:
    the id given and, where it names one account, that account's employee id and email."""
    key = id_key(employee_id)
    accounts = list(
        db.session.scalars(
            select(User)
            .where(or_(_named(User.employee_id, (key,)), _named(User.email, (key,))))
            .order_by(User.id)
        )
    )
    names = [key]
    if len(accounts) == 1:
        (account,) = accounts
        names += [id_key(n) for n in (account.employee_id, account.email) if n]
    return tuple(dict.fromkeys(names)), accounts


def records_of(employee_id: str) -> PersonRecords:
    """What every upload holds about the person `employee_id` names, newest upload first
    (`versions_that_learnt` adds the versions that learnt from them)."""
    names, accounts = names_of(employee_id)
    held: dict[int, HeldInUpload] = {}

    def of(upload_id: int) -> HeldInUpload:
        if upload_id not in held:
            held[upload_id] = HeldInUpload(db.session.get(OutcomeUpload, upload_id))
        return held[upload_id]

    for record in db.session.scalars(
        select(OutcomeRecord)
        .where(_named(OutcomeRecord.employee_id, names))
        .order_by(OutcomeRecord.id)
    ):
        of(record.upload_id).outcomes.append(record)
    for value in db.session.scalars(
        select(SensitiveValue)
        .where(_named(SensitiveValue.employee_id, names))
        .order_by(SensitiveValue.id)
    ):
        of(value.upload_id).sensitive[value.attribute] = value.value
    for upload in _uploads_leaving_out(names):
        of(upload.id).not_usable = [
            row for row in upload.not_usable if id_key(row["employee_id"]) in names
        ]
    for upload_id, entry in held.items():
        entry.versions = list(
            db.session.scalars(
                select(TrainingRun.version)
                .where(TrainingRun.upload_id == upload_id, TrainingRun.version.is_not(None))
                .order_by(TrainingRun.id)
            )
        )
        entry.behind_verdicts = list(
            db.session.scalars(
                select(TrainingRun.version)
                .join(VerdictRow, VerdictRow.run_id == TrainingRun.id)
                .where(VerdictRow.record_id.in_([r.id for r in entry.outcomes]))
                .group_by(TrainingRun.id, TrainingRun.version)
                .order_by(TrainingRun.id)
            )
        )
    uploads = sorted(held.values(), key=lambda entry: entry.upload.id, reverse=True)
    return PersonRecords(employee_id.strip(), names, accounts, uploads)


def versions_that_learnt(records: PersonRecords) -> None:
    """Fill in the versions whose list of people learnt from (a one-way key per person, kept
    beside each version) holds one of the person's ids: read from every version's files, so
    only for the page that shows them."""
    keys = learning.person_keys(list(records.names))
    registry = model_registry()
    for version in registry.versions():
        try:
            learnt = registry.learnt_from(version)
        except ModelRefused:
            records.unreadable.append(version)
            continue
        if learnt is not None and learning.seen_rows(keys, learnt).any():
            records.learnt_by.append(version)


def _uploads_leaving_out(names: tuple[str, ...]) -> list[OutcomeUpload]:
    """Uploads whose rows left out (people with no finished assessment) name the person. The
    list is JSON, so it is read here rather than searched by the database (uploads are a few
    a year, not thousands)."""
    found = []
    for upload in db.session.scalars(select(OutcomeUpload).order_by(OutcomeUpload.id)):
        if any(id_key(row["employee_id"]) in names for row in upload.not_usable):
            found.append(upload)
    return found


@dataclass(frozen=True)
class Removal:
    """What removing took, per upload id: outcome rows, sensitive values, left-out lines."""

    outcomes: dict[int, int]
    sensitive: dict[int, int]
    not_usable: dict[int, int]

    @property
    def uploads(self) -> list[int]:
        return sorted(set(self.outcomes) | set(self.sensitive) | set(self.not_usable))


def remove_records(records: PersonRecords) -> Removal:
    """Delete what `records` found, in the session (the caller commits, or rolls back on
    RemovalRefused). Refused while a run is queued or running on one of its uploads: it may
    have read the rows already. Asked after the rows are deleted, so that a run started
    while they were being deleted is seen too: only one started between the question and the
    commit (a moment) could still read them."""
    # a run under way already is refused before anything is written: the deletes and the
    # recount (every row scored again) would hold SQLite's write lock for as long as they take,
    # and a run's heartbeat and stage cannot be written meanwhile
    _refuse_if_training(records)
    outcomes, sensitive, left_out = {}, {}, {}
    for entry in records.uploads:
        upload = entry.upload
        # a write to the upload's row first, then the upload read again: the write lock
        # (SQLite's, the row's on PostgreSQL) is held before its list of rows not used is
        # read, so that a removal of someone else from the same upload at the same moment
        # waits and then reads the list as this one leaves it; and a second removal of the
        # same person deletes nothing and changes no count, as counts come from what the
        # database deleted, not from what was read
        db.session.execute(
            update(OutcomeUpload)
            .where(OutcomeUpload.id == upload.id)
            .values(rows=OutcomeUpload.rows)
        )
        db.session.refresh(upload)
        taken = db.session.execute(
            delete(OutcomeRecord).where(
                OutcomeRecord.upload_id == upload.id,
                _named(OutcomeRecord.employee_id, records.names),
            )
        ).rowcount
        values = db.session.execute(
            delete(SensitiveValue).where(
                SensitiveValue.upload_id == upload.id,
                _named(SensitiveValue.employee_id, records.names),
            )
        ).rowcount
        kept = [row for row in upload.not_usable if id_key(row["employee_id"]) not in records.names]
        if taken:
            outcomes[upload.id] = taken
        if values:
            sensitive[upload.id] = values
        if len(kept) != len(upload.not_usable):
            left_out[upload.id] = len(upload.not_usable) - len(kept)
            upload.not_usable = kept
        if taken or values:
            _recount(upload)
        if taken and upload.confirmed_at is not None:
            # what it trains on changed: HR confirms training on the rows it holds now
            upload.confirmed_at = None
    db.session.flush()
    _refuse_if_training(records)
    return Removal(outcomes, sensitive, left_out)


def _refuse_if_training(records: PersonRecords) -> None:
    """RemovalRefused naming the runs queued or running on one of the uploads found."""
    running = db.session.scalars(
        select(TrainingRun)
        .where(
            TrainingRun.upload_id.in_([entry.upload.id for entry in records.uploads]),
            TrainingRun.status.in_((QUEUED, RUNNING)),
        )
        .order_by(TrainingRun.id)
    ).all()
    if running:
        raise RemovalRefused(list(running))


def _recount(upload: OutcomeUpload) -> None:
    """An upload's counts and digest after rows left it: rows, flagged rows (None where its
    pack version is no longer installed to score them) and the digest its training is known
    by."""
    db.session.flush()
    stored = db.session.scalars(
        select(OutcomeRecord).where(OutcomeRecord.upload_id == upload.id).order_by(OutcomeRecord.id)
    ).all()
    upload.rows = len(stored)
    records = [
        {
            "employee_id": record.employee_id,
            "assessment_id": record.assessment_id,
            "answers": record.answers,
            "context": record.context,
            "track_taken": record.track_taken,
            "success": record.success,
        }
        for record in stored
    ]
    values: dict[tuple[str, str], str | None] = {
        (value.attribute, value.employee_id): value.value
        for value in db.session.scalars(
            select(SensitiveValue).where(SensitiveValue.upload_id == upload.id)
        )
    }
    sensitive = {
        name: [values.get((name, record["employee_id"])) for record in records]
        for name in upload.sensitive_columns
    }
    upload.content_sha256 = content_digest(upload.kind, records, sensitive)
    if not records:
        upload.flagged = 0
        return
    try:
        pack = pack_of_upload(upload)
    except TrainingRefused:  # its pack version is gone: not counted, as before it was kept
        upload.flagged = None
        return
    upload.flagged = int(linked_profiles(records, pack).flagged.sum())  # as the upload did
