"""Writing the model registry: new versions, atomically, and every move of the active pointer."""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
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


class RegistryWriter(Registry):
    """A registry that learning may write: add versions, promote, roll back."""

    def add(self, model: TrackModel, manifest: dict[str, Any], card: str) -> str:
        """Write a new version atomically and return its name; versions are never rewritten."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))
        staging.chmod(0o755)  # mkdtemp makes it private; a published version is readable
        try:
            np.savez(staging / MODEL_FILE, **model.to_arrays())
            while True:
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
                try:
                    staging.rename(self.root / name)  # atomic; fails if the name was taken
                    return name
                except OSError:
                    continue
        finally:
            if staging.exists():
                shutil.rmtree(staging)

    def promote(self, name: str, pack: str | Pack | None = None) -> str | None:
        """Make a version the active one once it has been tried (see `try_version`); return
        the previously active name. Nothing moves when it is refused."""
        self.try_version(name, pack)
        previous = self.active_or_none()
        self._point(name, "promote", previous)
        return previous

    def rollback(self, pack: str | Pack | None = None) -> str:
        """Go back to the version that was active before the current one, once it has been
        tried; return its name."""
        stack = self.active_stack()
        if len(stack) < 2:
            raise ModelRefused(f"{self.root}: nothing to roll back to")
        target = stack[-2]
        self.try_version(target, pack)
        self._point(target, "rollback", stack[-1])
        return target

    def try_version(self, name: str, pack: str | Pack | None = None) -> None:
        """Load a version and answer sample people with it (see `trial.try_version`)."""
        try_version(self, name, pack)

    def active_or_none(self) -> str | None:
        """The active version, or None when the pointer cannot be read (a promotion is how
        a broken pointer is mended)."""
        try:
            return self.active()
        except ModelRefused:
            return None

    def _point(self, name: str, action: str, previous: str | None) -> None:
        move = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "action": action,
            "from": previous,
            "to": name,
        }
        with (self.root / HISTORY_FILE).open("a", encoding="utf-8") as history:
            history.write(json.dumps(move) + "\n")
        pointer = self.root / f".{ACTIVE_FILE}.tmp"
        pointer.write_text(name + "\n", encoding="utf-8")
        pointer.replace(self.root / ACTIVE_FILE)
