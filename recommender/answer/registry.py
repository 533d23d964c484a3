"""The model registry: immutable numbered versions, verified before use, and an active pointer.

Layout of a registry folder (default `models/`, else `--models DIR` or `TRACKFIT_MODELS`):

    ACTIVE               the active version's name, e.g. "v2"
    history.jsonl        every pointer move (promote, rollback), appended, never rewritten
    v1/model.npz         the model's parameters as plain arrays (never a pickle)
    v1/manifest.json     SHA-256 of model.npz, versions trained with, data hash, metrics, ...
    v1/card.md           the model card

A version is checked before its parameters are read: the SHA-256 of `model.npz` must match
its manifest. The file holds plain arrays read with `allow_pickle=False`, so even a file that
passed the check cannot run code, and it reads the same under any scikit-learn. Reading lives
here; writing versions and moving the pointer is learning's job (`recommender.learn.publishing`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from recommender.answer.track_model import TrackModel
from recommender.errors import TrackfitError

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "models"
MODEL_FILE, MANIFEST_FILE, CARD_FILE = "model.npz", "manifest.json", "card.md"
ACTIVE_FILE, HISTORY_FILE = "ACTIVE", "history.jsonl"
VERSION_PATTERN = re.compile(r"^v(\d+)$")
WHAT_TO_DO = (
    "Promote a usable version (`trackfit models list`, `trackfit models promote V`) or "
    "rebuild the bundled default (`trackfit models build-default`)"
)


class ModelRefused(TrackfitError):
    """A model version that fails its checks, or a registry request that cannot be met."""

    headline = "model refused"


def registry_root(override: str | Path | None = None) -> Path:
    """`--models DIR`, else `$TRACKFIT_MODELS`, else the repository's `models/`."""
    if override:
        return Path(override)
    return Path(os.environ.get("TRACKFIT_MODELS") or DEFAULT_ROOT)


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
        try:
            self.verify(name, manifest)
            model = self._read_model(name)
        except ModelRefused as refused:
            # Answering never trains: an unusable version is refused, and the way out named.
            raise ModelRefused(f"{refused.problems[0]}. {WHAT_TO_DO}") from None
        return ModelVersion(name, manifest, model)

    def _read_model(self, name: str) -> TrackModel:
        path = self.root / name / MODEL_FILE
        try:
            with np.load(path, allow_pickle=False) as arrays:
                return TrackModel.from_arrays(arrays)
        except (ValueError, KeyError, OSError, zipfile.BadZipFile) as error:
            raise ModelRefused(f"{path}: not a trackfit model file ({error})") from None

    def verify(self, name: str, manifest: dict[str, Any]) -> None:
        """Refuse a version whose file is missing or does not match its hash."""
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

    def active_stack(self) -> list[str]:
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
