"""The model registry: immutable numbered versions, verified before use, and an active pointer.

Layout of a registry folder (default `models/`, else `--models DIR` or `TRACKFIT_MODELS`):

    ACTIVE               the active version's name, e.g. "v2"
    history.jsonl        every pointer move (promote, rollback), appended, never rewritten
    v1/model.npz         the model's parameters as plain arrays (never a pickle)
    v1/manifest.json     SHA-256 of model.npz, versions trained with, data hash, metrics, ...
    v1/card.md           the model card

A version is checked before its parameters are read: the SHA-256 of `model.npz` must match
its manifest and it must have been trained with the installed scikit-learn. The file is then
read with `allow_pickle=False`, so even a file that passed the checks cannot run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import numpy as np

from recommender.errors import TrackfitError
from recommender.track_model import TrackModel

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "models"
MODEL_FILE, MANIFEST_FILE, CARD_FILE = "model.npz", "manifest.json", "card.md"
ACTIVE_FILE, HISTORY_FILE = "ACTIVE", "history.jsonl"
VERSION_PATTERN = re.compile(r"^v(\d+)$")


class ModelRefused(TrackfitError):
    """A model version that fails its checks, or a registry request that cannot be met."""

    headline = "model refused"


class ModelTrainedElsewhere(ModelRefused):
    """A version trained with another scikit-learn than the one installed."""

    def __init__(self, message: str, manifest: dict[str, Any]):
        super().__init__(message)
        self.manifest = manifest


def registry_root(override: str | Path | None = None) -> Path:
    """`--models DIR`, else `$TRACKFIT_MODELS`, else the repository's `models/`."""
    if override:
        return Path(override)
    return Path(os.environ.get("TRACKFIT_MODELS") or DEFAULT_ROOT)


def training_environment() -> dict[str, str]:
    """The versions a model is trained with and checked against."""
    return {
        "python": platform.python_version(),
        "scikit-learn": installed_version("scikit-learn"),
        "numpy": installed_version("numpy"),
    }


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelVersion:
    """A verified version: its name, manifest and model."""

    name: str
    manifest: dict[str, Any]
    model: TrackModel


class Registry:
    """A folder of model versions with an active pointer."""

    def __init__(self, root: str | Path | None = None):
        self.root = registry_root(root)

    def versions(self) -> list[str]:
        """Version names, oldest first."""
        if not self.root.is_dir():
            return []
        found = [p.name for p in self.root.iterdir() if VERSION_PATTERN.match(p.name)]
        return sorted(found, key=lambda name: int(name[1:]))

    def active(self) -> str | None:
        """The active version's name, or None when nothing has been promoted."""
        try:
            name = (self.root / ACTIVE_FILE).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def manifest(self, name: str) -> dict[str, Any]:
        """A version's manifest (JSON, safe to read before any check)."""
        path = self.root / name / MANIFEST_FILE
        if not VERSION_PATTERN.match(name) or not path.is_file():
            known = ", ".join(self.versions()) or "none"
            raise ModelRefused(f"{self.root}: no model version '{name}' (versions: {known})")
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ModelRefused(f"{path}: manifest is not valid JSON ({error})") from None

    def load(self, name: str | None = None) -> ModelVersion:
        """A version (the active one by default), verified before its file is read."""
        name = name or self.active()
        if name is None:
            raise ModelRefused(
                f"{self.root}: no active model version; train one with "
                "`trackfit train` and promote it with `trackfit models promote`"
            )
        manifest = self.manifest(name)
        self.verify(name, manifest)
        path = self.root / name / MODEL_FILE
        try:
            with np.load(path, allow_pickle=False) as arrays:
                model = TrackModel.from_arrays(arrays)
        except (ValueError, KeyError, OSError, zipfile.BadZipFile) as error:
            raise ModelRefused(f"{path}: not a trackfit model file ({error})") from None
        return ModelVersion(name, manifest, model)

    def verify(self, name: str, manifest: dict[str, Any]) -> None:
        """Refuse a version whose file does not match its hash or whose scikit-learn differs."""
        path = self.root / name / MODEL_FILE
        expected = manifest.get("sha256", {}).get(MODEL_FILE)
        if not path.is_file():
            raise ModelRefused(f"{path}: model file is missing")
        actual = file_sha256(path)
        if actual != expected:
            raise ModelRefused(
                f"{path}: SHA-256 {actual[:16]}… does not match the manifest's "
                f"{str(expected)[:16]}…; the file was changed after training and is not loaded"
            )
        trained = manifest.get("trained_with", {}).get("scikit-learn")
        installed = installed_version("scikit-learn")
        if trained != installed:
            raise ModelTrainedElsewhere(
                f"{name}: trained with scikit-learn {trained}, this installation has "
                f"{installed}; not loaded (retrain it with `trackfit train`)",
                manifest,
            )

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

    def promote(self, name: str) -> str:
        """Make a verified version the active one; return the previously active name."""
        self.verify(name, self.manifest(name))
        previous = self.active()
        self._point(name, "promote", previous)
        return previous

    def rollback(self) -> str:
        """Go back to the version that was active before the current one; return its name."""
        stack = self._active_stack()
        if len(stack) < 2:
            raise ModelRefused(f"{self.root}: nothing to roll back to")
        target = stack[-2]
        self.verify(target, self.manifest(target))
        self._point(target, "rollback", stack[-1])
        return target

    def _active_stack(self) -> list[str]:
        """Versions made active by promotions not yet undone by rollbacks, oldest first."""
        stack: list[str] = []
        for move in self.history():
            if move["action"] == "promote":
                stack.append(move["to"])
            elif stack:
                stack.pop()
        return stack

    def history(self) -> list[dict[str, Any]]:
        """Every pointer move, oldest first."""
        path = self.root / HISTORY_FILE
        if not path.is_file():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

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
