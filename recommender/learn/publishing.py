"""Writing the model registry: new versions, atomically, and every move of the active pointer.

Every write that depends on what the registry holds (naming a new version, reading the active
version and moving the pointer, appending to the history) happens under one exclusive lock,
`flock` on `.lock` in the registry folder, so threads and processes (gunicorn workers, the
CLI) take turns: the pointers, `history.jsonl` and what a caller is told always agree. A move
changes one pack's pointer (`active/<pack>`) and no other."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import numpy as np

from recommender.answer.registry import (
    ACTIVE_FILE,
    ACTIVE_FOLDER,
    CARD_FILE,
    HISTORY_FILE,
    MANIFEST_FILE,
    MODEL_FILE,
    PACK_ID,
    PEOPLE_FILE,
    ModelRefused,
    Registry,
    file_sha256,
    pack_id_of,
)
from recommender.answer.track_model import TrackModel
from recommender.answer.trial import try_version
from recommender.pack.loading import Pack


def training_environment() -> dict[str, str]:
    """The versions a model was trained with, recorded for the model card."""
    return {
        "python": platform.python_version(),
        "scikit-learn": installed_version("scikit-learn"),
        "numpy": installed_version("numpy"),
    }


LOCK_FILE = ".lock"
ROLLBACK_ATTEMPTS = 5  # tries when the pointer moves while a rollback target is tried


class RollbackMoved(ModelRefused):
    """A rollback confirmed as one step (from `current` back to `target`) when, by the time it
    could be made, the pack's history asks for another: someone promoted or rolled back in
    between. Nothing is moved; `step` is the rollback the history asks for now."""

    headline = "nothing rolled back"

    def __init__(self, pack_id: str, confirmed: tuple[str, str], step: tuple[str, str] | None):
        self.step = step
        if step == tuple(confirmed):
            now = (
                f"it moved and came back; a rollback now would again go from {step[1]} to {step[0]}"
            )
        elif step:
            now = f"a rollback now would go from {step[1]} to {step[0]}"
        else:
            now = "there is nothing to roll back to now"
        super().__init__(
            f"the active version for {pack_id} changed since the rollback from {confirmed[1]} to "
            f"{confirmed[0]} was confirmed; {now}"
        )


class PromotionMoved(ModelRefused):
    """A promotion confirmed as replacing one version (or none) when, by the time it could be
    made, another is active for the pack, or the pack's pointer has moved at all (someone
    promoted or rolled back in between, perhaps back to the same version). Nothing is moved;
    `active` is the version active now."""

    headline = "nothing promoted"

    def __init__(self, name: str, pack_id: str, confirmed: str | None, active: str | None):
        self.version, self.pack_id, self.active = name, pack_id, active
        now = (
            f"{active} is active again after other moves"
            if active == confirmed
            else f"{active or 'no version'} is active now"
        )
        super().__init__(
            f"the active version for {pack_id} changed since promoting {name} in place of "
            f"{confirmed or 'no version'} was confirmed; {now}"
        )


UNCHECKED = object()  # `promote` without a confirmed version to replace


class AlreadyActive(ModelRefused):
    """A promotion of the version that is already its pack's active one: nothing to move, and
    nothing is recorded (a move from a version to itself would be a step a rollback goes
    back through for nothing)."""

    headline = "nothing to promote"

    def __init__(self, name: str, pack_id: str):
        self.version, self.pack_id = name, pack_id
        super().__init__(
            f"{name} is already the active version for {pack_id}; nothing was recorded"
        )


class RegistryWriter(Registry):
    """A registry that learning may write: add versions, promote, roll back."""

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the registry's exclusive lock (threads and processes alike) until the block
        ends; the lock file is never followed if it is a link."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / LOCK_FILE
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as error:
            raise ModelRefused(f"{path}: cannot be opened to lock ({error.strerror})") from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # closing releases the lock

    def add(
        self,
        model: TrackModel,
        manifest: dict[str, Any],
        card: str,
        people: np.ndarray | None = None,
    ) -> str:
        """Write a new version atomically and return its name; versions are never rewritten.
        `people`: the sorted keys of the people it learnt from (`recommender.learn.people`),
        kept beside the model with their SHA-256 in the manifest."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))
        staging.chmod(0o755)  # mkdtemp makes it private; a published version is readable
        try:
            np.savez(staging / MODEL_FILE, **model.to_arrays())
            digests = {MODEL_FILE: file_sha256(staging / MODEL_FILE)}
            if people is not None:
                np.save(staging / PEOPLE_FILE, np.asarray(people, dtype=np.uint64))
                digests[PEOPLE_FILE] = file_sha256(staging / PEOPLE_FILE)
            with self._locked():  # two trainings finishing at once never take one name
                existing = self.versions()
                name = f"v{int(existing[-1][1:]) + 1 if existing else 1}"
                text = card.replace("{version}", name).encode("utf-8")
                digests[CARD_FILE] = hashlib.sha256(text).hexdigest()
                record = {
                    "version": name,
                    "created": datetime.now(UTC).isoformat(timespec="seconds"),
                    "sha256": digests,
                    "trained_with": training_environment(),
                    **manifest,
                }
                (staging / MANIFEST_FILE).write_text(
                    json.dumps(record, indent=2) + "\n", encoding="utf-8"
                )
                (staging / CARD_FILE).write_bytes(text)
                staging.rename(self.root / name)  # atomic
                return name
        finally:
            if staging.exists():
                shutil.rmtree(staging)

    def promote(
        self,
        name: str,
        pack: str | Pack | None = None,
        replacing: str | object | None = UNCHECKED,
        moves: int | None = None,
        justification: str | None = None,
        *,
        by: str | None = None,
    ) -> str | None:
        """Make a version the active one of the pack it was trained for, once it has been
        tried on that pack (`pack`, when given, must be it: a Pack or folder to try it on);
        return the version it replaced. Nothing moves when it is refused (AlreadyActive when it is
        that pack's active version already; PromotionMoved when `replacing`, the version HR
        confirmed it would replace, or None for none, is not the active one by the time of the
        move, or when the pack's history no longer has the `moves` it had then), and no other
        pack's pointer ever moves. A `justification`, and `by` (who made the move), are kept
        with the move in the history."""
        own = self.pack_of(name)
        if pack is not None and pack_id_of(pack) != own:
            raise ModelRefused(
                f"{name} was trained for pack {own}, not {pack_id_of(pack)}; it can only be "
                f"made active for {own}"
            )
        # said before the slow trial, and again when moving; both under the lock, which a
        # move holds while it writes the history and the pointer (read without it, the two
        # could be seen half-moved)
        with self._locked():
            self._check_promotion(name, own, replacing, moves)
        self.try_version(name, pack)  # slow: outside the lock
        with self._locked():
            self._check_promotion(name, own, replacing, moves)
            self._ready_to_move(own)
            previous = self.active_or_none(own)
            self._point(own, name, "promote", previous, justification=justification, by=by)
        return previous

    def _check_promotion(self, name: str, pack_id: str, replacing, moves: int | None) -> None:
        active = self.active_or_none(pack_id)
        if active == name:
            raise AlreadyActive(name, pack_id)
        moved = moves is not None and len(self.history(pack_id)) != moves
        if moved or (replacing is not UNCHECKED and active != replacing):
            confirmed = active if replacing is UNCHECKED else replacing
            raise PromotionMoved(name, pack_id, confirmed, active)

    def rollback(
        self, pack: str | Pack, justification: str | None = None, by: str | None = None
    ) -> str:
        """Go back to the version that was active for `pack` before the current one, once it
        has been tried; return its name. A `justification`, and `by` (who made the move), are
        kept with the move in the history."""
        return self.roll_back(pack, justification=justification, by=by)[0]

    def roll_back(
        self,
        pack: str | Pack,
        confirmed: tuple[str, str] | None = None,
        moves: int | None = None,
        justification: str | None = None,
        by: str | None = None,
    ) -> tuple[str, str]:
        """`rollback`, returning (the version now active, the one it replaced) as recorded in
        the history. When the pointer moves while the target is tried, the rollback is worked
        out again from the new history; after a few such turns it is tried under the lock.
        Given the `confirmed` step (target, current), that step and no other is made: when the
        history asks for another by then, or no longer has the `moves` it had when the step
        was confirmed (the pointer moved away and back), RollbackMoved, and nothing moves."""
        pack_id = pack_id_of(pack)
        if confirmed is not None:
            return self._roll_back_confirmed(
                pack, pack_id, confirmed, moves, justification=justification, by=by
            )
        for _ in range(ROLLBACK_ATTEMPTS):
            target, current = self._rollback_target(pack_id, locked=False)
            self.try_version(target, pack)  # slow: outside the lock
            with self._locked():
                self._ready_to_move(pack_id)
                if self._rollback_target(pack_id, locked=True) == (target, current):
                    self._point(
                        pack_id, target, "rollback", current, justification=justification, by=by
                    )
                    return target, current
        # The pointer kept moving while targets were tried: try this one under the lock, so
        # that it cannot move again (slower for the others, but the rollback is done).
        with self._locked():
            self._ready_to_move(pack_id)
            target, current = self._rollback_target(pack_id, locked=True)
            self.try_version(target, pack)
            self._point(pack_id, target, "rollback", current, justification=justification, by=by)
            return target, current

    def _roll_back_confirmed(
        self,
        pack: str | Pack,
        pack_id: str,
        confirmed: tuple[str, str],
        moves: int | None,
        *,
        justification: str | None,
        by: str | None,
    ) -> tuple[str, str]:
        confirmed = tuple(confirmed)

        def check(locked: bool) -> None:
            step, count = self.rollback_offer(pack_id)
            if step != confirmed or (moves is not None and count != moves):
                raise RollbackMoved(pack_id, confirmed, step)
            if locked:
                self._pointer_agrees(pack_id, step)

        check(locked=False)
        self.try_version(confirmed[0], pack)  # slow: outside the lock
        with self._locked():
            self._ready_to_move(pack_id)
            check(locked=True)
            self._point(
                pack_id, confirmed[0], "rollback", confirmed[1], justification=justification, by=by
            )
            return confirmed

    def _rollback_target(self, pack_id: str, *, locked: bool) -> tuple[str, str]:
        """The step a rollback of the pack takes now. Only under the lock is the pointer held
        to it: outside, a move in progress may have written one and not yet the other."""
        step = self.rollback_step(pack_id)
        if step is None:
            raise ModelRefused(f"{self.root}: nothing to roll back to for pack {pack_id}")
        if locked:
            self._pointer_agrees(pack_id, step)
        return step

    def _pointer_agrees(self, pack_id: str, step: tuple[str, str]) -> None:
        """Refuse a rollback whose step the pointer contradicts (set to another version by
        hand): it would go from a version to itself, or from one never active, and record a
        move from the history's version that was never made. A pointer that does not read is
        not judged (a move mends it)."""
        try:
            active = self.active(pack_id)
        except ModelRefused:
            return
        if active != step[1]:
            raise ModelRefused(
                f"{self.root / ACTIVE_FOLDER / pack_id}: names {active or 'no version'}, but "
                f"the history's last move made {step[1]} active (was the pointer changed by "
                "hand?); nothing was rolled back: promote the version that should be active "
                "for the pack"
            )

    def try_version(self, name: str, pack: str | Pack | None = None) -> None:
        """Load a version and answer sample people with it (see `trial.try_version`): of
        `pack` when it is a Pack or a folder, else of the installed pack it was trained for."""
        if isinstance(pack, str) and PACK_ID.match(pack):
            pack = None  # an id: the installed pack of that id, if there is one
        try_version(self, name, pack)

    def check_can_move(self, pack_id: str) -> None:
        """Refuse a move the registry could not record whole, writing nothing: the history
        must read line by line (a move appended after a half-written line would be lost in
        it), and the pointer folder and the pack's pointer must be a plain folder and file or
        absent. Asked again under the lock when moving; asked first, it spares a training
        whose promotion could never be made."""
        self.history()  # a ModelRefused naming every line that does not read
        for path in (self.root / ACTIVE_FILE, self.root / ACTIVE_FOLDER / pack_id):
            if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
                raise ModelRefused(
                    f"{path}: is a folder, link or device, not the file naming the active "
                    "version; remove it, then promote a version"
                )
        if os.path.lexists(self.root / ACTIVE_FOLDER):
            self._pointer_folder()

    def _ready_to_move(self, pack_id: str) -> None:
        """Refuse a move the registry could not record whole (`check_can_move`), and move a
        single `ACTIVE` of old to its pack's pointer; the caller holds the lock."""
        self.check_can_move(pack_id)
        folder = self.root / ACTIVE_FOLDER
        if not os.path.lexists(folder):
            folder.mkdir(mode=0o755)
        self._migrate_single_pointer()

    def _migrate_single_pointer(self) -> None:
        """Write the pointer a registry of old keeps in `ACTIVE` as its pack's own, then
        remove `ACTIVE`. One that does not name a version is dropped: a promotion mends it."""
        try:
            legacy = self.legacy_active()
            owner = self.pack_of(legacy) if legacy is not None else None
        except ModelRefused:
            legacy = owner = None
        if owner is not None and not os.path.lexists(self.root / ACTIVE_FOLDER / owner):
            self._write_pointer(owner, legacy)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.root / ACTIVE_FILE)

    def _point(
        self,
        pack_id: str,
        name: str,
        action: str,
        previous: str | None,
        *,
        justification: str | None = None,
        by: str | None = None,
    ) -> None:
        """Record a move of one pack's pointer (with the justification given for it and who
        made it, if given) and make it; the caller holds the lock."""
        move = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "action": action,
            "pack": pack_id,
            "from": previous,
            "to": name,
        }
        if justification:
            move["justification"] = justification
        if by:
            move["by"] = by
        history = self.root / HISTORY_FILE
        with self._staged_pointer(pack_id, name) as make:
            # the move is recorded, then made; if it cannot be made, the record is taken back:
            # no move without its record, and no record of a move never made
            try:
                flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
                with os.fdopen(os.open(history, flags, 0o644), "a", encoding="utf-8") as lines:
                    recorded = os.fstat(lines.fileno()).st_size
                    lines.write(json.dumps(move) + "\n")
            except OSError as error:
                raise ModelRefused(
                    f"{error.filename or history}: cannot be written ({error.strerror})"
                ) from None
            try:
                make()
            except ModelRefused:
                with contextlib.suppress(OSError):
                    os.truncate(history, recorded)
                raise

    def _write_pointer(self, pack_id: str, name: str) -> None:
        """Point a pack at a version; the caller holds the lock."""
        with self._staged_pointer(pack_id, name) as make:
            make()

    @contextlib.contextmanager
    def _staged_pointer(self, pack_id: str, name: str) -> Iterator[Callable[[], None]]:
        """A pointer to `name`, written and synced to a temporary file of its own in
        `active/`; yields what renames it over `active/<pack>` (atomic). The temporary file is
        gone afterwards, whether the rename was made or not."""
        folder = self.root / ACTIVE_FOLDER
        temporary = None

        def refused(error: OSError) -> ModelRefused:
            return ModelRefused(f"{error.filename or folder}: cannot be written ({error.strerror})")

        def make() -> None:
            try:
                os.replace(temporary, folder / pack_id)
            except OSError as error:
                raise refused(error) from None

        try:
            try:
                descriptor, temporary = tempfile.mkstemp(prefix=f".{pack_id}-", dir=folder)
                with os.fdopen(descriptor, "w", encoding="utf-8") as pointer:
                    pointer.write(name + "\n")
                    pointer.flush()
                    os.fsync(pointer.fileno())
                os.chmod(temporary, 0o644)  # mkstemp makes it private; the pointer is readable
            except OSError as error:
                raise refused(error) from None
            yield make
        finally:
            if temporary is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
