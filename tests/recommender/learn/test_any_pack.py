"""Every pack the format allows can be learnt from and answered, not only the bundled ones:
ladders that skip grades, a shared top, a trunk or none, a construct the synthetic generator
has no trait for. Synthetic people are generated for it, a model is learnt from them, and its
recommendations keep their promises (levels of the pack, exact explanations, intervals that
hold the stated chance)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from recommender.answer.recommendation import Recommender
from recommender.errors import PackInvalid
from recommender.learn.candidate import train_candidate
from recommender.learn.publishing import RegistryWriter
from recommender.learn.synthetic import synthetic_profiles
from recommender.pack.loading import Pack, load_pack
from tests.conftest import TINY, with_own_construct

SETTINGS = {"deadline": None, "database": None, "suppress_health_check": [HealthCheck.too_slow]}


@st.composite
def ladders(draw) -> tuple[int, str]:
    """A branch grade and levels for the tiny pack's framework: each track's grades any subset
    of 1-5 (gaps allowed), a shared trunk below the manager track's branch grade, sometimes a
    shared top; a level asks ratings of its grade, so that each step asks 3 more in all."""
    branch = draw(st.integers(2, 4))
    trunk = draw(st.sets(st.integers(1, branch - 1)))
    ic = draw(st.sets(st.integers(branch, 5), min_size=1))
    manager = {branch} | draw(st.sets(st.integers(branch + 1, 5)))
    both = sorted(ic & manager)
    shared_top = {both[-1]} if both and draw(st.booleans()) else set()
    levels = []
    for grade, prefix, tracks in (
        *((g, "S", "ic, manager") for g in sorted(trunk | shared_top)),
        *((g, "I", "ic") for g in sorted(ic - shared_top)),
        *((g, "M", "manager") for g in sorted(manager - shared_top)),
    ):
        expects = f"{{craft: {grade}, leading: {grade}, talking: {grade}}}"
        levels.append(
            f"  - {{id: {prefix}{grade}, title: {prefix}{grade}, grade: {grade}, "
            f"tracks: [{tracks}], expects: {expects}}}"
        )
    return branch, "levels:\n" + "\n".join(levels) + "\n"


def odd_pack(shape: tuple[int, str], own_construct: bool) -> Pack | None:
    """The tiny pack with these ladders (and a construct of its own), or None where the format
    refuses the combination."""
    branch, levels = shape
    with tempfile.TemporaryDirectory() as parent:
        folder = shutil.copytree(TINY, Path(parent) / "tiny")
        text = (TINY / "framework.yaml").read_text(encoding="utf-8")
        text = text[: text.index("levels:")].replace("branch_grade: 2", f"branch_grade: {branch}")
        (folder / "framework.yaml").write_text(text + levels, encoding="utf-8")
        if own_construct:
            with_own_construct(folder / "questionnaire.yaml")
        try:
            return load_pack(folder)
        except PackInvalid:
            return None


@settings(max_examples=40, **SETTINGS)
@given(shape=ladders(), own_construct=st.booleans(), seed=st.integers(0, 2**16))
def test_people_are_generated_for_any_pack_the_format_allows(shape, own_construct, seed):
    pack = odd_pack(shape, own_construct)
    assume(pack is not None)
    outcomes, profiles = synthetic_profiles(pack, 60, seed)
    context = outcomes.context
    for track, level in zip(context["current_track"], context["current_level"], strict=True):
        assert track in pack.framework.level(level).tracks
    assert profiles.constructs.shape == (60, len(pack.questionnaire.construct_ids))


@settings(max_examples=5, **SETTINGS)
@given(shape=ladders(), own_construct=st.booleans(), seed=st.integers(0, 2**16))
def test_a_model_is_learnt_for_any_pack_and_its_advice_keeps_its_promises(
    shape, own_construct, seed
):
    pack = odd_pack(shape, own_construct)
    assume(pack is not None)
    outcomes, profiles = synthetic_profiles(pack, 800, seed)
    with tempfile.TemporaryDirectory() as root:
        registry = RegistryWriter(Path(root))
        train_candidate(
            profiles, outcomes.track_taken, outcomes.success, registry=registry,
            data={"synthetic": True}, promote=True, folds=2,
        )  # fmt: skip
        records = Recommender.open(pack, root).recommend_profiles(profiles)
    levels = {level.id for level in pack.framework.levels}
    for record in records:
        assert record["track"] in ("ic", "manager")
        explanation = record["explanation"]
        total = explanation["baseline"] + sum(f["effect"] for f in explanation["factors"])
        assert np.isclose(total, explanation["score"], atol=1e-6)
        for track in ("ic", "manager"):
            low, high = record["p_success_interval"][track]
            assert low <= record["p_success"][track] <= high
            report = record["levels"][track]
            assert {report["current"], report["supported"], report["target"]} - {None} <= levels
