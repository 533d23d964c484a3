"""A model version forged for tests: its arrays changed and its manifest hash made to match, so
it passes the hash check and only trying it can tell."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from recommender.answer.registry import MODEL_FILE, file_sha256


def forged_version(models: Path, change) -> str:
    """A new version (the next number free) copied from v1, whose arrays are `change`d and whose
    manifest hash matches them: it passes the hash check, so only trying it can tell."""
    taken = [
        int(p.name[1:]) for p in models.iterdir() if p.name[:1] == "v" and p.name[1:].isdigit()
    ]
    name = f"v{max(taken) + 1}"
    shutil.copytree(models / "v1", models / name)
    with np.load(models / name / MODEL_FILE, allow_pickle=False) as stored:
        arrays = dict(stored)
    change(arrays)
    np.savez(models / name / MODEL_FILE, **arrays)
    manifest = json.loads((models / name / "manifest.json").read_text())
    manifest["version"] = name
    manifest["sha256"][MODEL_FILE] = file_sha256(models / name / MODEL_FILE)
    (models / name / "manifest.json").write_text(json.dumps(manifest))
    return name
