"""The bundled default model: trained on seeded synthetic outcomes, so anyone can rebuild it."""

from __future__ import annotations

import hashlib

import numpy as np

from recommender.candidate import train_candidate
from recommender.pack import Pack, load_pack
from recommender.registry import Registry
from recommender.scoring import score_matrix, scoring_layout
from recommender.synthetic import generate_outcomes

DEFAULT_PEOPLE = 20000
DEFAULT_SEED = 2026


def synthetic_profiles(pack: Pack, n: int, seed: int, truth: str = "baseline"):
    """Generated outcomes and their scored profiles."""
    outcomes = generate_outcomes(pack, n, seed, truth)
    timings = np.full((n, len(scoring_layout(pack).section_ids)), np.nan)
    profiles = score_matrix(
        pack, outcomes.answers, timings, outcomes.context, outcomes.employee_ids
    )
    return outcomes, profiles


def build_default_model(
    registry: Registry,
    pack: Pack | None = None,
    people: int = DEFAULT_PEOPLE,
    seed: int = DEFAULT_SEED,
) -> str:
    """Train the default version from the generator, promote it, and return its name."""
    pack = pack or load_pack()
    outcomes, profiles = synthetic_profiles(pack, people, seed)
    digest = hashlib.sha256()
    for array in (outcomes.answers, outcomes.success, outcomes.track_taken.astype(str)):
        digest.update(np.ascontiguousarray(array).tobytes())
    summary = train_candidate(
        profiles,
        outcomes.track_taken,
        outcomes.success,
        registry=registry,
        data={
            "synthetic": True,
            "sha256": digest.hexdigest(),
            "generator": {
                "module": "recommender.synthetic",
                "people": people,
                "seed": seed,
                "pack": pack.ref,
            },
        },
    )
    registry.promote(summary["version"])
    return summary["version"]
