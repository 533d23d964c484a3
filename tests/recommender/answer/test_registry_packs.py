"""One active version per pack: moves of one pack's pointer never touch another's, and a
registry with the single pointer of old is read, then migrated, without losing its history."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.answer.registry import ModelRefused, Registry
from recommender.answer.track_model import TrackModel
from recommender.learn.publishing import AlreadyActive, PromotionMoved, RegistryWriter

PACKS = ("alpha", "beta", "gamma")


def _model(shift: float = 0.0) -> TrackModel:
    return TrackModel(
        feature_names=("constructs.a",),
        knots=(np.array([1.0, 5.0]),),
        shapes={"ic": (np.array([0.1, 0.3 + shift]),), "manager": (np.array([-1.0, 1.0]),)},
        intercepts={"ic": 0.1, "manager": -0.2},
        fill=np.array([3.0]),
        centre=np.array([0.0]),
    )


def _add(registry: RegistryWriter, pack: str | None, shift: float = 0.0) -> str:
    manifest = {"data": {"synthetic": True}} | ({"pack": f"{pack}@1"} if pack else {})
    return registry.add(_model(shift), manifest, "# card {version}\n")


@pytest.fixture
def registry(tmp_path):
    return RegistryWriter(tmp_path / "models")


def test_each_pack_has_its_own_active_version(registry):
    a1, b1, a2 = _add(registry, "alpha"), _add(registry, "beta"), _add(registry, "alpha", 1.0)
    registry.promote(a1)
    registry.promote(b1)
    assert registry.promote(a2) == a1
    assert registry.pointers() == {"alpha": a2, "beta": b1}
    assert registry.active("beta") == b1
    assert registry.versions("alpha") == [a1, a2] and registry.versions("beta") == [b1]
    assert registry.rollback("alpha") == a1
    assert registry.active("beta") == b1
    with pytest.raises(ModelRefused, match="nothing to roll back to for pack beta"):
        registry.rollback("beta")
    assert [m["to"] for m in registry.history("alpha")] == [a1, a2, a1]
    assert all(m["pack"] == "beta" for m in registry.history("beta"))
    assert (registry.root / "active" / "alpha").read_text() == f"{a1}\n"


def test_a_promotion_confirmed_as_replacing_a_version_is_made_only_while_it_is_active(registry):
    a1, a2, a3, b1 = (
        _add(registry, p, s) for p, s in (("alpha", 0), ("alpha", 1), ("alpha", 2), ("beta", 0))
    )
    assert registry.promote(a1, replacing=None) is None
    history = (registry.root / "history.jsonl").read_bytes()
    for confirmed in (None, a2, b1):  # no version, another, another pack's
        with pytest.raises(PromotionMoved, match=f"{a1} is active now") as moved:
            registry.promote(a2, replacing=confirmed)
        assert moved.value.active == a1
    assert (registry.root / "history.jsonl").read_bytes() == history
    assert registry.promote(a2, replacing=a1) == a1
    with pytest.raises(PromotionMoved, match=f"in place of {a1} was confirmed; {a2} is active"):
        registry.promote(a3, replacing=a1)  # a colleague's promotion came first
    assert registry.pointers() == {"alpha": a2}
    # confirmed after 2 moves; a promotion and a rollback since leave a2 active again
    registry.promote(a3)
    registry.rollback("alpha")
    with pytest.raises(PromotionMoved, match=f"{a2} is active again after other moves"):
        registry.promote(a3, replacing=a2, moves=2)
    assert registry.promote(a3, replacing=a2, moves=4) == a2


def test_a_version_is_only_ever_made_active_for_the_pack_it_was_trained_for(registry):
    a1, b1 = _add(registry, "alpha"), _add(registry, "beta")
    registry.promote(a1)
    with pytest.raises(ModelRefused, match=f"{b1} was trained for pack beta, not alpha"):
        registry.promote(b1, "alpha")
    assert registry.pointers() == {"alpha": a1}
    assert registry.active("beta") is None
    with pytest.raises(ModelRefused, match="no active model version for pack beta"):
        registry.load(pack="beta")


def test_a_registry_with_one_pointer_is_read_as_its_packs_and_migrated_on_the_first_move(
    registry,
):
    a1, a2, b1 = _add(registry, "alpha"), _add(registry, "alpha", 1.0), _add(registry, "beta")
    old_lines = [
        {"at": "2026-01-01T00:00:00+00:00", "action": "promote", "from": None, "to": a1},
        {"at": "2026-01-02T00:00:00+00:00", "action": "promote", "from": a1, "to": a2},
    ]
    history = registry.root / "history.jsonl"
    history.write_text("".join(json.dumps(line) + "\n" for line in old_lines))
    (registry.root / "ACTIVE").write_text(f"{a2}\n")
    reader = Registry(registry.root)
    assert reader.active("alpha") == a2 and reader.active("beta") is None
    assert reader.pointers() == {"alpha": a2}
    assert [m["pack"] for m in reader.history()] == ["alpha", "alpha"]
    assert reader.active_stack("alpha") == [a1, a2]

    registry.promote(b1)

    assert not (registry.root / "ACTIVE").exists()
    assert registry.pointers() == {"alpha": a2, "beta": b1}
    kept = history.read_text().splitlines()
    assert [json.loads(line) for line in kept[:2]] == old_lines  # history kept as it was
    assert json.loads(kept[2]) | {"at": None} == {
        "at": None,
        "action": "promote",
        "pack": "beta",
        "from": None,
        "to": b1,
    }
    assert registry.rollback("alpha") == a1  # the old moves still tell alpha's story


def test_a_version_from_before_packs_were_recorded_belongs_to_the_default_pack(registry):
    name = _add(registry, None)
    (registry.root / "ACTIVE").write_text(f"{name}\n")
    assert Registry(registry.root).pointers() == {"engineering": name}


@pytest.mark.parametrize("content", [b"", b"../../etc/passwd", b"\xff\xfe"])
def test_an_unreadable_pack_pointer_is_named_and_a_promotion_mends_it(registry, content):
    a1, b1 = _add(registry, "alpha"), _add(registry, "beta")
    registry.promote(a1)
    registry.promote(b1)
    (registry.root / "active" / "alpha").write_bytes(content)
    with pytest.raises(ModelRefused, match="active/alpha"):
        Registry(registry.root).active("alpha")
    with pytest.raises(ModelRefused, match="active/alpha"):
        Registry(registry.root).pointers()
    assert Registry(registry.root).active("beta") == b1
    registry.promote(a1)
    assert registry.pointers() == {"alpha": a1, "beta": b1}


def test_a_pointer_folder_that_is_a_file_or_link_is_refused(registry, tmp_path):
    a1 = _add(registry, "alpha")
    (registry.root / "active").write_text("v1\n")
    with pytest.raises(ModelRefused, match="not the folder of active pointers"):
        registry.promote(a1)
    (registry.root / "active").unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "alpha").write_text(f"{a1}\n")
    (registry.root / "active").symlink_to(elsewhere)
    with pytest.raises(ModelRefused, match="not the folder of active pointers"):
        Registry(registry.root).active("alpha")


moves = st.lists(st.tuples(st.sampled_from(("promote", "rollback")), st.sampled_from(PACKS)))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=moves, choices=st.randoms(use_true_random=False))
def test_any_moves_change_only_their_own_packs_pointer(tmp_path_factory, steps, choices):
    registry = RegistryWriter(tmp_path_factory.mktemp("registry") / "models")
    owned = {pack: [_add(registry, pack, i) for i in range(2)] for pack in PACKS}
    stacks: dict[str, list[str]] = {pack: [] for pack in PACKS}
    in_force: list[str] = []  # the pack of each promotion not undone, oldest first
    for action, pack in steps:
        before = registry.pointers()
        if action == "promote":
            name = choices.choice(owned[pack])
            if stacks[pack] and stacks[pack][-1] == name:
                # the active version already: refused, and no step recorded
                with pytest.raises(AlreadyActive, match=f"{name} is already the active version"):
                    registry.promote(name)
            else:
                registry.promote(name)
                stacks[pack].append(name)
                in_force.append(pack)
        elif len(stacks[pack]) >= 2:
            current = stacks[pack].pop()
            assert registry.rollback(pack) == stacks[pack][-1] != current
            del in_force[len(in_force) - 1 - in_force[::-1].index(pack)]
        else:
            with pytest.raises(ModelRefused, match="nothing to roll back to"):
                registry.rollback(pack)
        after = registry.pointers()
        assert {p: v for p, v in after.items() if p != pack} == {
            p: v for p, v in before.items() if p != pack
        }
        assert after == {p: s[-1] for p, s in stacks.items() if s}
        assert all(registry.active_stack(p) == s for p, s in stacks.items())
        # a bare rollback undoes the newest promotion still in force of a pack that has a
        # version to go back to, whatever its pack
        newest = next((p for p in reversed(in_force) if len(stacks[p]) >= 2), None)
        latest = registry.latest_rollback()
        if newest is None:
            assert latest is None
        else:
            step = (stacks[newest][-2], stacks[newest][-1])
            assert latest == (newest, step, len(registry.history(newest)))
