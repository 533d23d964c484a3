"""A hostile or broken registry: every file is refused with its name, and a version is tried
on sample people before the active pointer moves to it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from recommender.answer.registry import ModelRefused, Registry
from recommender.answer.trial import tried_recommender
from recommender.learn.publishing import RegistryWriter
from tests.registry_forgery import forged_version

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def models(tmp_path) -> Path:
    """A copy of the bundled registry (v1 active)."""
    shutil.copytree(ROOT / "models", tmp_path / "models")
    return tmp_path / "models"


def _set(key, value):
    def change(arrays):
        arrays[key] = value

    return change


# the bundled v1's columns: the pack's 24 features, then the interactions it took
with np.load(ROOT / "models" / "v1" / "model.npz") as _bundled:
    COLUMNS, LAST = int(_bundled["feature_names"].size), str(_bundled["feature_names"][-1])


def _drop_feature(arrays):
    """The last feature of the pack dropped (and the interactions after it, which name it)."""
    pairs = len(arrays.pop("pair_inputs", ()))
    arrays.pop("pair_centres", None)
    for _ in range(pairs + 1):
        count = arrays["feature_names"].size
        arrays["feature_names"] = arrays["feature_names"][:-1]
        arrays["fill"], arrays["centre"] = arrays["fill"][:-1], arrays["centre"][:-1]
        for key in (f"knots_{count - 1}", f"shape_ic_{count - 1}", f"shape_manager_{count - 1}"):
            del arrays[key]
    for track in ("ic", "manager"):
        del arrays[f"covariance_{track}"]
    del arrays["measurement_variance"], arrays["missing_variance"]
    del arrays["measurement_by_feature"], arrays["missing_covariance"]
    del arrays["missing_cross_covariance"], arrays["blank_weights"]


def _changed_blank_weights(change):
    def apply(arrays):
        arrays["blank_weights"] = change(arrays["blank_weights"].copy())

    return apply


def _negative_blank_weight(weights):
    weights[:2] = (-1.0, 2.0)  # the first feature's still sum to 1
    return weights


def _pairs(inputs, centres):
    def change(arrays):
        arrays["pair_inputs"] = np.array(inputs)
        arrays["pair_centres"] = None if centres is None else np.array(centres)

    return change


def _scale_shape(arrays):
    arrays["shape_ic_0"] = arrays["shape_ic_0"] * 1e308


def _overflowing_sum(arrays):
    # every array finite and well formed; only answering someone shows the infinite sum
    for key in ("shape_ic_0", "shape_ic_1"):
        arrays[key] = np.full_like(arrays[key], 1e308)


def _spike_between_knots(arrays):
    # five knots close together, a huge value on the middle one: the trial's made-up people
    # (below, at and past every knot's ends) never land on it, real answers between do
    arrays["knots_0"] = np.array([1.0, 2.4, 2.5, 2.6, 5.0])
    for track in ("ic", "manager"):
        arrays[f"shape_{track}_0"] = np.array([0.0, 0.0, 1e308, 0.0, 0.0])
    for key in ("covariance_ic", "covariance_manager", "measurement_variance"):
        arrays[key] = None
    arrays["missing_variance"] = arrays["measurement_by_feature"] = None
    arrays["missing_covariance"] = arrays["missing_cross_covariance"] = None
    arrays["blank_weights"] = None


def _negative_variance(arrays):
    arrays["covariance_ic"] = -arrays["covariance_ic"]


def _lopsided_covariance(arrays):
    covariance = arrays["covariance_manager"].copy()
    covariance[0, 1] += 1.0
    arrays["covariance_manager"] = covariance


BROKEN_ARRAYS = {
    "NaN in a shape": (_set("shape_ic_0", np.array([np.nan, 0.0, 0.0])), "shape_ic_0"),
    "a shape of the wrong length": (_set("shape_manager_1", np.zeros(17)), "shape_manager_1"),
    "knots out of order": (_set("knots_0", np.array([3.0, 2.0, 1.0])), "knots_0"),
    "an infinite intercept": (_set("intercepts", np.array([np.inf, 0.0])), "intercepts"),
    "text where numbers belong": (_set("fill", np.array(["a"] * 3)), "fill"),
    "a covariance of the wrong shape": (_set("covariance_ic", np.eye(3)), "covariance_ic"),
    "a missing array": (_set("centre", None), "centre"),
    "one feature fewer than the pack": (_drop_feature, "features"),
    "shapes that overflow to infinity": (_scale_shape, "shape_ic_0"),
    "finite shapes whose sum overflows": (_overflowing_sum, "past ±50"),
    "a spike between knots no sample person lands on": (_spike_between_knots, "past ±50"),
    "a covariance with a negative variance": (_negative_variance, "no negative variance"),
    "a covariance that is not symmetric": (_lopsided_covariance, "is not symmetric"),
    "a missing-answer spread per track only": (
        _set("missing_variance", np.ones(2)),
        "missing_variance: has shape (2,); expected 2 dimension(s)",
    ),
    "a missing-answer spread for too few features": (
        _set("missing_variance", np.ones((2, 3))),
        f"missing_variance: has shape (2, 3); expected (2, {COLUMNS})",
    ),
    "a negative missing-answer spread": (
        _set("missing_variance", -np.ones((2, COLUMNS))),
        "missing_variance: must not be negative",
    ),
    "a measurement spread per feature for too many features": (
        _set("measurement_by_feature", np.ones((2, COLUMNS + 1))),
        f"measurement_by_feature: has shape (2, {COLUMNS + 1}); expected (2, {COLUMNS})",
    ),
    "a negative measurement spread of one feature": (
        _set("measurement_by_feature", np.where(np.eye(2, COLUMNS) > 0, -0.1, 0.0)),
        "measurement_by_feature: must not be negative",
    ),
    "a missing-answer covariance per feature only": (
        _set("missing_covariance", np.ones((2, COLUMNS))),
        f"missing_covariance: has shape (2, {COLUMNS}); expected 3 dimension(s)",
    ),
    "a missing-answer covariance of too few features": (
        _set("missing_covariance", np.ones((2, COLUMNS - 1, COLUMNS - 1))),
        f"missing_covariance: has shape (2, {COLUMNS - 1}, {COLUMNS - 1}); "
        f"expected (2, {COLUMNS}, {COLUMNS})",
    ),
    "a lopsided missing-answer covariance": (
        _set("missing_covariance", np.triu(np.ones((2, COLUMNS, COLUMNS)))),
        "missing_covariance: is not symmetric",
    ),
    "a negative variance among the missing-answer covariance": (
        _set("missing_covariance", -np.eye(COLUMNS)[None].repeat(2, axis=0)),
        "missing_covariance: must not hold a negative variance",
    ),
    "NaN in the missing-answer covariance": (
        _set("missing_covariance", np.full((2, COLUMNS, COLUMNS), np.nan)),
        "missing_covariance: holds NaN or infinity",
    ),
    "a missing-answer cross-covariance per track": (
        _set("missing_cross_covariance", np.ones((2, COLUMNS, COLUMNS))),
        f"missing_cross_covariance: has shape (2, {COLUMNS}, {COLUMNS}); expected 2 dimension(s)",
    ),
    "a missing-answer cross-covariance one feature short": (
        _set("missing_cross_covariance", np.ones((COLUMNS, COLUMNS - 1))),
        f"missing_cross_covariance: has shape ({COLUMNS}, {COLUMNS - 1}); "
        f"expected ({COLUMNS}, {COLUMNS})",
    ),
    "an infinite missing-answer cross-covariance": (
        _set("missing_cross_covariance", np.full((COLUMNS, COLUMNS), np.inf)),
        "missing_cross_covariance: holds NaN or infinity",
    ),
    "blank weights that do not sum to one": (
        _changed_blank_weights(lambda weights: weights * 2),
        "blank_weights: must sum to 1 over each feature's knots (feature 0 sums to 2, "
        f"feature 1 sums to 2, feature 2 sums to 2 and {COLUMNS - 3} more)",
    ),
    "a negative blank weight": (
        _changed_blank_weights(_negative_blank_weight),
        "blank_weights: must not hold a negative weight",
    ),
    "blank weights one knot short": (
        _changed_blank_weights(lambda weights: weights[:-1]),
        "blank_weights: has shape",
    ),
    "NaN among the blank weights": (
        _changed_blank_weights(lambda weights: weights * np.nan),
        "blank_weights: holds NaN or infinity",
    ),
    "a pair of the last feature with another that is not named as one": (
        _pairs([[0, 1]], [[3.0, 3.0]]),
        f"feature_names: feature {COLUMNS - 1} is {LAST!r}; as pair 0 of pair_inputs it must "
        "be 'constructs.lead_affective*constructs.lead_social_normative'",
    ),
    "a pair of a feature past the others": (
        _pairs([[0, 40]], [[3.0, 3.0]]),
        f"pair_inputs: holds a value past ±{COLUMNS}",
    ),
    "a pair that names three features": (
        _pairs([[0, 1, 2]], [[3.0, 3.0]]),
        "pair_inputs: must be 1 rows of two, as pair_centres must",
    ),
    "a pair of a feature with itself": (
        _pairs([[2, 2]], [[3.0, 3.0]]),
        "pair_inputs: pairs a feature with itself",
    ),
    "pairs without their centres": (_pairs([[0, 1]], None), "pair_centres: is missing"),
    "a pair's centre that is not a number": (
        _pairs([[0, 1]], [[np.nan, 3.0]]),
        "pair_centres: holds NaN or infinity",
    ),
    "text for the measurement spread per feature": (
        _set("measurement_by_feature", np.full((2, COLUMNS), "x")),
        "measurement_by_feature: must hold numbers",
    ),
}


def _fix_missing(change):
    def apply(arrays):
        change(arrays)
        for key in [k for k, v in arrays.items() if v is None]:
            del arrays[key]

    return apply


@pytest.mark.parametrize("broken", BROKEN_ARRAYS, ids=list(BROKEN_ARRAYS))
def test_a_version_with_matching_hash_but_broken_arrays_is_never_promoted(models, broken):
    change, named = BROKEN_ARRAYS[broken]
    name = forged_version(models, _fix_missing(change))
    history = (models / "history.jsonl").read_bytes()
    with pytest.raises(ModelRefused) as refused:
        RegistryWriter(models).promote(name)
    assert named in refused.value.report()
    assert (models / "active" / "engineering").read_text().strip() == "v1"
    assert (models / "history.jsonl").read_bytes() == history


def test_a_rollback_to_a_broken_version_is_refused(models):
    name = forged_version(models, _set("shape_ic_0", np.array([np.nan, 0.0, 0.0])))
    writer = RegistryWriter(models)
    # the history says v2 was active before v1: as if it had been promoted when it worked
    with (models / "history.jsonl").open("a") as history:
        history.write(json.dumps({"at": "t", "action": "promote", "from": "v1", "to": name}))
        history.write("\n")
        history.write(json.dumps({"at": "t", "action": "promote", "from": name, "to": "v1"}))
        history.write("\n")
    with pytest.raises(ModelRefused, match="shape_ic_0"):
        writer.rollback("engineering")
    assert writer.active("engineering") == "v1"


def test_a_sound_version_is_tried_and_promoted(models):
    name = forged_version(models, lambda arrays: None)
    assert RegistryWriter(models).promote(name) == "v1"
    assert Registry(models).active("engineering") == name
    assert tried_recommender(None, str(models)).model.name == name


@pytest.mark.parametrize(
    "content",
    [b"", b"\n", b"\xff\xfe\x00junk", b"../etc", b"v1/../../x", b"v1\x00", b"v" + b"9" * 500],
    ids=["empty", "blank", "binary", "dotdot", "path", "nul", "long"],
)
def test_a_malformed_active_pointer_is_refused_naming_the_file(models, content):
    (models / "active" / "engineering").write_bytes(content)
    with pytest.raises(ModelRefused, match="active/engineering"):
        Registry(models).active("engineering")
    with pytest.raises(ModelRefused, match="active/engineering"):
        Registry(models).load(pack="engineering")


MANIFESTS = {
    "bad JSON": b'{"sha256": ',
    "empty": b"",
    "binary": b"\x00\xff\x89PNG",
    "a list": b"[1, 2]",
    "sha256 as text": b'{"sha256": "abc"}',
    "no sha256": b'{"pack": "engineering@1"}',
    "wrong types": b'{"sha256": {"model.npz": "%s"}, "data": [], "metrics": 3, "pack": 1}'
    % (b"0" * 64),
    "another version": b'{"sha256": {"model.npz": "%s"}, "version": "../v9"}' % (b"0" * 64),
    "huge number": b'{"sha256": {}, "rows": ' + b"9" * 5000 + b"}",
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "NaN": b'{"sha256": {}, "metrics": {"auc": NaN}}',
    "lone surrogate": b'{"sha256": {}, "pack": "\\ud800"}',
}


@pytest.mark.parametrize("content", MANIFESTS.values(), ids=list(MANIFESTS))
def test_a_malformed_manifest_is_refused_naming_the_file(models, content):
    (models / "v1" / "manifest.json").write_bytes(content)
    registry = Registry(models)
    for read in (lambda: registry.manifest("v1"), lambda: registry.load(pack="engineering")):
        with pytest.raises(ModelRefused, match=r"v1/manifest\.json"):
            read()
    with pytest.raises(ModelRefused, match=r"manifest\.json"):
        RegistryWriter(models).promote("v1")


def test_every_problem_of_a_manifest_is_named_at_once(models):
    (models / "v1" / "manifest.json").write_text(
        json.dumps({"sha256": "x", "data": [], "metrics": 3, "fairness": {"flagged": 1}})
    )
    with pytest.raises(ModelRefused) as refused:
        Registry(models).manifest("v1")
    report = refused.value.report()
    for field in ("sha256", "data", "metrics", "fairness.flagged"):
        assert f"manifest.json: {field}" in report


@pytest.mark.parametrize(
    "line",
    [
        "{not json",
        "[]",
        '{"action": "promote"}',
        '{"action": "delete", "to": "v1"}',
        '{"action": "promote", "to": "../v1"}',
        '{"action": "rollback", "to": "v1", "from": 7}',
        '{"action": "promote", "to": "v1", "at": ' + "9" * 5000 + "}",
        "[" * 50_000,
        "\x00\x01",
    ],
)
def test_a_malformed_history_line_is_refused_naming_file_and_line(models, line):
    path = models / "history.jsonl"
    added = len(path.read_text().splitlines()) + 1
    path.write_text(path.read_text() + line + "\n")
    with pytest.raises(ModelRefused, match=rf"history\.jsonl:{added}"):
        Registry(models).history()
    with pytest.raises(ModelRefused, match=rf"history\.jsonl:{added}"):
        RegistryWriter(models).rollback("engineering")


def test_every_bad_history_line_is_named_in_one_refusal(models):
    path = models / "history.jsonl"
    last = len(path.read_text().splitlines()) + 2
    path.write_text("{bad\n" + path.read_text() + "[]\n")
    with pytest.raises(ModelRefused) as refused:
        Registry(models).history()
    assert [p.where.rsplit(":", 1)[1] for p in refused.value.problems] == ["1", str(last)]


def test_a_history_that_is_not_text_is_refused(models):
    (models / "history.jsonl").write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(ModelRefused, match=r"history\.jsonl: is not UTF-8"):
        Registry(models).history()


def test_a_promotion_mends_a_broken_pointer(models):
    (models / "active" / "engineering").write_bytes(b"\xff")
    assert RegistryWriter(models).promote("v1") is None
    assert Registry(models).active("engineering") == "v1"


def test_a_half_written_history_line_refuses_a_move_that_it_would_swallow(models):
    name = forged_version(models, lambda arrays: None)
    half = len((models / "history.jsonl").read_text().splitlines()) + 1
    with (models / "history.jsonl").open("a") as history:
        history.write('{"at": "x", "action": "pro')  # a crash in the middle of a write
    before = (models / "history.jsonl").read_bytes()
    with pytest.raises(ModelRefused, match=rf"history.jsonl:{half}: is not valid JSON"):
        RegistryWriter(models).promote(name)
    assert (models / "history.jsonl").read_bytes() == before
    assert (models / "active" / "engineering").read_text().strip() == "v1"


def test_a_pointer_that_is_a_folder_refuses_a_move_and_records_nothing(models):
    name = forged_version(models, lambda arrays: None)
    before = (models / "history.jsonl").read_bytes()
    (models / "active" / "engineering").unlink()
    (models / "active" / "engineering").mkdir()
    with pytest.raises(ModelRefused, match=r"active/engineering: is a folder, link or device"):
        RegistryWriter(models).promote(name)
    assert (models / "history.jsonl").read_bytes() == before
    assert sorted(p.name for p in (models / "active").iterdir() if p.name.startswith(".")) == []


def test_a_pointer_that_is_a_folder_is_named_when_read_never_an_os_error(models):
    (models / "active" / "engineering").unlink()
    (models / "active" / "engineering").mkdir()
    for read in (Registry(models).pointers, lambda: Registry(models).active("engineering")):
        with pytest.raises(ModelRefused, match=r"active/engineering: is not a regular file"):
            read()
    assert Registry(models).active_or_none("engineering") is None


@pytest.mark.parametrize("folder", ["v١", "v01", "v0", "v" + "9" * 12])
def test_a_folder_not_named_like_a_version_is_not_one(models, folder):
    (models / folder).mkdir()
    assert Registry(models).versions() == Registry(ROOT / "models").versions()
