"""The registry: immutable versions, refused when tampered with, promote and roll back."""

from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest

from recommender.answer.registry import (
    MODEL_FILE,
    PEOPLE_FILE,
    ModelRefused,
    Registry,
    file_sha256,
)
from recommender.answer.track_model import TrackModel
from recommender.learn.publishing import RegistryWriter


def _model(shift=0.0):
    knots = (np.array([1.0, 3.0, 5.0]), np.array([0.0, 1.0]))
    return TrackModel(
        feature_names=("constructs.a", "context.b"),
        knots=knots,
        shapes={
            "ic": (np.array([0.1, 0.2, 0.3]), np.array([0.0, 0.5])),
            "manager": (np.array([-1.0, 0.0, 1.0 + shift]), np.array([0.2, 0.1])),
        },
        intercepts={"ic": 0.1, "manager": -0.2},
        fill=np.array([3.0, 0.0]),
        centre=np.array([0.0, 0.0]),
    )


@pytest.fixture
def registry(tmp_path):
    return RegistryWriter(tmp_path / "models")


def _add(registry, shift=0.0):
    return registry.add(
        _model(shift), {"pack": "tiny@3", "data": {"synthetic": True}}, "# card {version}\n"
    )


def test_versions_are_numbered_and_loaded_back_exactly(registry):
    assert [_add(registry), _add(registry, 1.0)] == ["v1", "v2"]
    assert registry.versions() == ["v1", "v2"]
    loaded = registry.load("v2")
    x = np.array([[2.0, 0.5], [np.nan, 1.0]])
    np.testing.assert_array_equal(loaded.model.predict(x).score, _model(1.0).predict(x).score)
    manifest = loaded.manifest
    assert manifest["version"] == "v2" and len(manifest["sha256"][MODEL_FILE]) == 64
    assert {"python", "scikit-learn", "numpy"} <= set(manifest["trained_with"])
    assert (registry.root / "v2" / "card.md").read_text() == "# card v2\n"


def test_nothing_is_active_until_promoted(registry):
    _add(registry)
    with pytest.raises(ModelRefused, match="no active model version for pack tiny") as refused:
        registry.load(pack="tiny")
    # the version trained is there to be named, by a door that can name one
    assert refused.value.held == ["v1"]


def test_promote_and_rollback_move_the_pointer_and_keep_a_history(registry):
    for shift in (0.0, 1.0, 2.0):
        _add(registry, shift)
    registry.promote("v1")
    registry.promote("v2")
    registry.promote("v3")
    assert registry.active("tiny") == "v3"
    assert registry.rollback("tiny") == "v2"
    assert registry.rollback("tiny") == "v1"
    with pytest.raises(ModelRefused, match="nothing to roll back to for pack tiny"):
        registry.rollback("tiny")
    assert [move["action"] for move in registry.history("tiny")] == [
        "promote",
        "promote",
        "promote",
        "rollback",
        "rollback",
    ]


def test_a_model_file_with_one_byte_changed_is_refused(registry):
    _add(registry)
    path = registry.root / "v1" / MODEL_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelRefused, match="does not match the manifest"):
        registry.load("v1")
    with pytest.raises(ModelRefused):
        registry.promote("v1")


class _Payload:
    def __reduce__(self):
        return (
            exec,
            ("import pathlib; pathlib.Path(MARKER).write_text('ran')", {"MARKER": str(MARKER)}),
        )


MARKER = None


def test_a_pickle_that_would_run_code_is_refused_and_never_runs(registry, tmp_path):
    global MARKER  # noqa: PLW0603 - the payload needs a module-level path to write to
    MARKER = tmp_path / "pwned"
    _add(registry)
    path = registry.root / "v1" / MODEL_FILE
    path.write_bytes(pickle.dumps(_Payload()))
    with pytest.raises(ModelRefused, match="does not match"):
        registry.load("v1")
    assert not MARKER.exists()
    # even with a manifest forged to match, the file is read without unpickling
    manifest_path = registry.root / "v1" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["sha256"][MODEL_FILE] = file_sha256(path)
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ModelRefused, match="not a trackfit model file"):
        registry.load("v1")
    assert not MARKER.exists()


def test_a_model_recorded_with_another_scikit_learn_is_read_all_the_same(registry):
    # the file holds plain arrays, so the library version it was trained with guards nothing
    _add(registry)
    manifest_path = registry.root / "v1" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["trained_with"]["scikit-learn"] = "0.24.2"
    manifest_path.write_text(json.dumps(manifest))
    x = np.array([[2.0, 0.5]])
    loaded = registry.load("v1").model
    np.testing.assert_array_equal(loaded.predict(x).score, _model().predict(x).score)


def test_a_refusal_says_what_to_do(registry):
    _add(registry)
    (registry.root / "v1" / MODEL_FILE).write_bytes(b"not a model")
    with pytest.raises(
        ModelRefused, match=r"does not match.*trackfit models build-default"
    ) as refused:
        registry.load("v1")
    assert refused.value.report().count("model refused") == 1  # one headline, one problem


def test_unknown_versions_are_named(registry):
    _add(registry)
    with pytest.raises(ModelRefused, match=r"no version v9 in the registry .*; versions: v1\Z"):
        registry.load("v9")  # no advice to promote or rebuild: another version was asked for
    with pytest.raises(ModelRefused, match=r"no version '\.\./etc' in the registry"):
        registry.promote("../etc")


def test_the_registry_root_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKFIT_MODELS", str(tmp_path / "elsewhere"))
    assert Registry().root == tmp_path / "elsewhere"
    assert Registry(tmp_path / "given").root == tmp_path / "given"


def test_the_people_a_version_learnt_from_are_kept_beside_it_and_checked(registry):
    _add(registry)
    assert registry.learnt_from("v1") is None  # none recorded: unknown, not no one
    keys = np.array([3, 7, 2**63 + 5], dtype=np.uint64)
    registry.add(_model(), {"pack": "tiny@3", "data": {}}, "# card\n", keys)
    np.testing.assert_array_equal(registry.learnt_from("v2"), keys)
    assert len(registry.manifest("v2")["sha256"][PEOPLE_FILE]) == 64

    path = registry.root / "v2" / PEOPLE_FILE
    original = path.read_bytes()
    path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    with pytest.raises(ModelRefused, match="does not match its SHA-256 in the manifest"):
        registry.learnt_from("v2")
    path.unlink()
    with pytest.raises(ModelRefused, match="is missing; the manifest says v2 learnt from it"):
        registry.learnt_from("v2")
    registry.load("v2")  # the model itself is still usable


def test_a_people_file_that_is_not_a_sorted_key_list_is_refused(registry):
    for wrong in (np.array([7, 3], dtype=np.uint64), np.array([1.5, 2.5]), np.zeros((2, 2))):
        name = registry.add(_model(), {"pack": "tiny@3", "data": {}}, "# card\n")
        folder = registry.root / name
        np.save(folder / PEOPLE_FILE, wrong)
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["sha256"][PEOPLE_FILE] = file_sha256(folder / PEOPLE_FILE)
        (folder / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(ModelRefused, match="not a sorted list of distinct 64-bit keys"):
            registry.learnt_from(name)


def test_a_people_file_is_never_read_through_a_link_or_past_its_size(registry, tmp_path):
    keys = np.arange(3, dtype=np.uint64)
    registry.add(_model(), {"pack": "tiny@3", "data": {}}, "# card\n", keys)
    path = registry.root / "v1" / PEOPLE_FILE
    elsewhere = tmp_path / "people.npy"
    elsewhere.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(elsewhere)
    with pytest.raises(ModelRefused, match="is a symbolic link"):
        registry.learnt_from("v1")
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(ModelRefused, match="is not a regular file"):
        registry.learnt_from("v1")
