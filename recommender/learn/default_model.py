"""The bundled default model: trained on seeded synthetic outcomes, so anyone can rebuild it."""

from __future__ import annotations

import hashlib

import numpy as np
from threadpoolctl import threadpool_limits

from recommender.learn.candidate import train_candidate
from recommender.learn.publishing import RegistryWriter
from recommender.learn.synthetic import synthetic_profiles, unknown_constructs
from recommender.pack.loading import Pack, load_pack

DEFAULT_PEOPLE = 20000
DEFAULT_SEED = 2026


def build_default_model(
    registry: RegistryWriter,
    pack: Pack | None = None,
    people: int = DEFAULT_PEOPLE,
    seed: int = DEFAULT_SEED,
    evaluation_sizes: tuple[int, ...] = (),
    *,
    by: str | None = None,
) -> str:
    """Train the default version from the generator, promote it (`by` recorded as who made
    the move), and return its name; with `evaluation_sizes`, the model card also carries the
    evaluation at those training sizes.

    Built on one BLAS thread: a matrix product split over threads adds in another order,
    which moved the model's arrays by 1e-14, and so its SHA-256, between a shell limited to
    one thread and one using both cores; on one thread the seed alone decides the file, on one
    kind of processor (on another, BLAS kernels chosen for its vector instructions can move
    the arrays in their last bit)."""
    with threadpool_limits(limits=1):
        return _build(registry, pack, people, seed, evaluation_sizes, by=by)


def _build(
    registry: RegistryWriter,
    pack: Pack | None,
    people: int,
    seed: int,
    evaluation_sizes: tuple[int, ...],
    *,
    by: str | None,
) -> str:
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
                "module": "recommender.learn.synthetic",
                "people": people,
                "seed": seed,
                "pack": pack.ref,
                **_without_trait(pack),
            },
        },
        evaluation=_evaluation(pack, evaluation_sizes, seed),
        promote=True,
        by=by,
        shrink_toward_active=False,  # the generator's model, whatever is active now
    )
    return summary["version"]


def _without_trait(pack: Pack) -> dict:
    """The pack's constructs the generator gives no meaning to, where there are any."""
    unknown = unknown_constructs(pack)
    return {"constructs_without_trait": list(unknown)} if unknown else {}


def _evaluation(pack: Pack, sizes: tuple[int, ...], seed: int) -> list[dict] | None:
    """The method's evaluation at company sizes on every synthetic truth, as card rows."""
    if not sizes:
        return None
    from recommender.learn.evaluation import evaluate_at_sizes  # noqa: PLC0415 - only when asked

    report = evaluate_at_sizes(pack, sizes, seeds=2, test_people=10000, seed=seed)
    return [{"truth": truth, **row} for truth, rows in report["truths"].items() for row in rows]
