"""Writing the model registry: new versions, atomically, and every move of the active pointer.

Every write that depends on what the registry holds (naming a new version, reading the active
version and moving the pointer, appending to the history) happens under one exclusive lock,
`flock` on `.lock` in the registry folder, so threads and processes (gunicorn workers, the
CLI) take turns: `ACTIVE`, `history.jsonl` and what a caller is told always agree."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import shutil
import stat
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import numpy as np

from recommender.answer.registry import (
    ACTIVE_FILE,
    CARD_FILE,
    HISTORY_FILE,
    MANIFEST_FILE,
    MODEL_FILE,
    ModelRefused,
    Registry,
    file_sha256,
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

    def add(self, model: TrackModel, manifest: dict[str, Any], card: str) -> str:
        """Write a new version atomically and return its name; versions are never rewritten."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))
        staging.chmod(0o755)  # mkdtemp makes it private; a published version is readable
        try:
            np.savez(staging / MODEL_FILE, **model.to_arrays())
            with self._locked():  # two trainings finishing at once never take one name
                existing = self.versions()
                name = f"v{int(existing[-1][1:]) + 1 if existing else 1}"
                record = {
                    "version": name,
                    "created": datetime.now(UTC).isoformat(timespec="seconds"),
                    "sha256": {MODEL_FILE: file_sha256(staging / MODEL_FILE)},
                    "trained_with": training_environment(),
                    **manifest,
                }
                (staging / MANIFEST_FILE).write_text(
                    json.dumps(record, indent=2) + "\n", encoding="utf-8"
                )
                (staging / CARD_FILE).write_text(card.replace("{version}", name), encoding="utf-8")
                staging.rename(self.root / name)  # atomic
                return name
        finally:
            if staging.exists():
                shutil.rmtree(staging)

    def promote(self, name: str, pack: str | Pack | None = None) -> str | None:
        """Make a version the active one once it has been tried (see `try_version`); return
        the previously active name. Nothing moves when it is refused."""
        self.try_version(name, pack)  # slow: outside the lock
        with self._locked():
            self._ready_to_move()
            previous = self.active_or_none()
            self._point(name, "promote", previous)
        return previous

    def rollback(self, pack: str | Pack | None = None) -> str:
        """Go back to the version that was active before the current one, once it has been
        tried; return its name."""
        return self.roll_back(pack)[0]

    def roll_back(self, pack: str | Pack | None = None) -> tuple[str, str]:
        """`rollback`, returning (the version now active, the one it replaced) as recorded in
        the history. When the pointer moves while the target is tried, the rollback is worked
        out again from the new history; after a few such turns it is tried under the lock."""
        for _ in range(ROLLBACK_ATTEMPTS):
            target, current = self._rollback_target()
            self.try_version(target, pack)  # slow: outside the lock
            with self._locked():
                self._ready_to_move()
                if self._rollback_target() == (target, current):
                    self._point(target, "rollback", current)
                    return target, current
        # The pointer kept moving while targets were tried: try this one under the lock, so
        # that it cannot move again (slower for the others, but the rollback is done).
        with self._locked():
            self._ready_to_move()
            target, current = self._rollback_target()
            self.try_version(target, pack)
            self._point(target, "rollback", current)
            return target, current

    def _rollback_target(self) -> tuple[str, str]:
        stack = self.active_stack()
        if len(stack) < 2:
            raise ModelRefused(f"{self.root}: nothing to roll back to")
        return stack[-2], stack[-1]

    def try_version(self, name: str, pack: str | Pack | None = None) -> None:
        """Load a version and answer sample people with it (see `trial.try_version`)."""
        try_version(self, name, pack)

    def _ready_to_move(self) -> None:
        """Refuse a move the registry could not record whole; the caller holds the lock. The
        history must read line by line (a move appended after a half-written line would be
        lost in it), and `ACTIVE` must be a plain file or absent (not a folder or a link)."""
        self.history()  # a ModelRefused naming every line that does not read
        pointer = self.root / ACTIVE_FILE
        if os.path.lexists(pointer) and not stat.S_ISREG(os.lstat(pointer).st_mode):
            raise ModelRefused(
                f"{pointer}: is a folder, link or device, not the file naming the active "
                "version; remove it, then promote a version"
            )

    def _point(self, name: str, action: str, previous: str | None) -> None:
        """Record a move and make it; the caller holds the lock. The pointer is written to a
        temporary file of its own and renamed over `ACTIVE` (atomic)."""
        move = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "action": action,
            "from": previous,
            "to": name,
        }
        descriptor, temporary = tempfile.mkstemp(prefix=f".{ACTIVE_FILE}-", dir=self.root)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as pointer:
                pointer.write(name + "\n")
                pointer.flush()
                os.fsync(pointer.fileno())
            os.chmod(temporary, 0o644)  # mkstemp makes it private; the pointer is readable
            history = self.root / HISTORY_FILE
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
            with os.fdopen(os.open(history, flags, 0o644), "a", encoding="utf-8") as lines:
                lines.write(json.dumps(move) + "\n")
            os.replace(temporary, self.root / ACTIVE_FILE)
        except OSError as error:
            where = error.filename or self.root
            raise ModelRefused(f"{where}: cannot be written ({error.strerror})") from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
