"""A model version forged for tests: its arrays changed and its manifest hash made to match, so
it passes the hash check and only trying it can tell."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from recommender.answer.registry import MODEL_FILE, file_sha256


def forged_version(models: Path, change) -> str:
    """A new version v2 whose arrays are `change`d and whose manifest hash matches them: it
    passes the hash check, so only trying it can tell."""
    shutil.copytree(models / "v1", models / "v2")
    with np.load(models / "v2" / MODEL_FILE, allow_pickle=False) as stored:
        arrays = dict(stored)
    change(arrays)
    np.savez(models / "v2" / MODEL_FILE, **arrays)
    manifest = json.loads((models / "v2" / "manifest.json").read_text())
    manifest["version"] = "v2"
    manifest["sha256"][MODEL_FILE] = file_sha256(models / "v2" / MODEL_FILE)
    (models / "v2" / "manifest.json").write_text(json.dumps(manifest))
    return "v2"
