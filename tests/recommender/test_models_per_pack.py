"""Several disciplines from one registry: every bundled pack answers with its own model, and
training or moving one pack's model never touches another's."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import shutil
from functools import partial
from pathlib import Path

import numpy as np
import pytest

import recommender.learn.candidate as candidate_module
from recommender.answer.registry import PEOPLE_FILE, ModelRefused, Registry
from recommender.learn import default_model
from recommender.learn.publishing import RegistryWriter
from recommender.pack.loading import PACKS_DIR
from tests.registry_forgery import forged_version

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted(path.parent.name for path in PACKS_DIR.glob("*/pack.yaml"))
SAMPLES = PACKS_DIR / "product-design" / "sample-answers.jsonl"


def test_there_are_several_bundled_packs_and_each_has_a_synthetic_default():
    registry = Registry(ROOT / "models")
    assert len(BUNDLED) >= 3
    pointers = registry.pointers()
    assert set(pointers) == set(BUNDLED)
    for pack, version in pointers.items():
        manifest = registry.manifest(version)
        assert manifest["pack"].partition("@")[0] == pack
        assert manifest["data"]["synthetic"] is True


@pytest.mark.parametrize("pack", BUNDLED)
def test_recommend_answers_each_bundled_pack_with_its_own_model(trackfit, pack):
    samples = PACKS_DIR / pack / "sample-answers.jsonl"
    code, out, err = trackfit("recommend", "--pack", pack, "--input", str(samples))
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert records and all(r["pack"].startswith(f"{pack}@") for r in records)
    assert {r["model_version"] for r in records} == {Registry(ROOT / "models").active(pack)}


@pytest.fixture
def models(tmp_path):
    shutil.copytree(ROOT / "models", tmp_path / "models")
    return tmp_path / "models"


def test_training_and_promoting_one_packs_model_leaves_the_others_unchanged(
    trackfit, models, tmp_path
):
    before = Registry(models).pointers()
    data = tmp_path / "design.csv"
    code, _, err = trackfit(
        "synth", "--pack", "product-design", "--n", "400", "--seed", "3", "--out", str(data)
    )
    assert code == 0, err
    code, out, err = trackfit(
        "--models", str(models), "train", "--pack", "product-design", "--data", str(data)
    )
    assert code == 0, err
    summary = json.loads(out)
    candidate = summary["version"]
    assert summary["pack"].startswith("product-design@")
    assert summary["active"] == before["product-design"]  # a candidate moves nothing
    # stdout is the JSON; stderr says the few things a person reads first, and the next step
    assert f"trackfit train: wrote {candidate} for {summary['pack']} from " in err
    assert f"verdict: {summary['verdict']['summary']}" in err
    # a candidate whose promotion needs a written reason is offered the command with one
    assert re.search(rf'models promote {candidate}( --justification "\.\.\.")?`', err)
    assert f"recommend --version {candidate}`" in err
    # and the command it offers works as pasted
    hinted = shlex.split(re.search(r"try it with `trackfit ([^`]*)`", err).group(1))
    code, out, err = trackfit(*hinted, "--pack", "product-design", "--input", str(SAMPLES))
    assert code == 0, err
    assert {json.loads(line)["model_version"] for line in out.splitlines()} == {candidate}

    code, out, err = trackfit(
        "--models", str(models), "models", "promote", candidate, "--justification", REASON
    )
    assert code == 0, err
    assert f"active model for product-design: {candidate}" in out
    after = Registry(models).pointers()
    assert after == before | {"product-design": candidate}

    code, out, err = trackfit(
        "--models", str(models), "models", "rollback", "--pack", "product-design"
    )
    assert code == 0, err
    assert Registry(models).pointers() == before


REASON = "Product design's own outcomes, agreed with its design leads."


def test_training_beside_an_active_version_that_does_not_read_says_why_on_stderr(
    trackfit, models, tmp_path
):
    data = tmp_path / "small.csv"
    assert trackfit("synth", "--n", "300", "--seed", "7", "--out", str(data))[0] == 0
    with (models / "v1" / "model.npz").open("ab") as model:
        model.write(b"tampered")
    code, out, err = trackfit("--models", str(models), "train", "--data", str(data))
    assert code == 0, err
    error = json.loads(out)["compared_with_active"]["error"]
    assert "SHA-256" in error
    assert "the active version v1 could not be scored on these people" in err
    assert f"  the active version v1: {error}" in err.splitlines()


def test_a_candidate_judged_worse_is_promoted_only_with_a_written_reason(
    trackfit, models, tmp_path
):
    """As on HR's pages: `train --promote` keeps such a candidate without promoting it (exit
    2, saying why), `models promote` refuses it without `--justification`, and the reason
    given is kept with the move in the history."""
    # 400 people: worse than the 20,000-person default on both tracks (a sample that shows it:
    # some samples of 400 cannot show a difference on either)
    data = tmp_path / "small.csv"
    assert trackfit("synth", "--n", "400", "--seed", "7", "--out", str(data))[0] == 0
    history = (models / "history.jsonl").read_bytes()
    code, out, err = trackfit("--models", str(models), "train", "--data", str(data), "--promote")
    summary = json.loads(out)
    candidate = summary["version"]
    assert code == 2 and summary["verdict"]["worse"] and summary["active"] == "v1"
    assert f"{candidate} was written as a candidate but not promoted" in err
    assert "promoting it needs a written justification, because the comparison judged it " in err
    assert (models / "history.jsonl").read_bytes() == history
    for given, why in (
        ([], ""),
        (["--justification", "ok"], "the one given is no reason: it is 2 characters"),
        (
            ["--justification", "reason " * 6],
            "the one given is no reason: it has 1 different word;",
        ),
        (["--justification", REASON * 200], "a justification is at most 4,000"),
    ):
        code, _, err = trackfit("--models", str(models), "models", "promote", candidate, *given)
        assert code == 2 and f"{candidate} was not promoted" in err and "at least 30" in err
        assert why in err
    assert Registry(models).active("engineering") == "v1"
    assert (models / "history.jsonl").read_bytes() == history

    code, out, err = trackfit(
        "--models", str(models), "models", "promote", candidate, "--justification", REASON
    )
    assert code == 0, err
    move = json.loads((models / "history.jsonl").read_text().splitlines()[-1])
    assert move["to"] == candidate and move["justification"] == REASON


def test_a_version_cannot_be_promoted_for_another_pack(trackfit, models):
    engineering = Registry(models).active("engineering")
    code, _, err = trackfit(
        "--models", str(models), "models", "promote", engineering, "--pack", "product-design"
    )
    assert code == 2
    assert f"{engineering} was trained for pack engineering, not product-design" in err


def test_recommend_with_another_packs_version_offers_the_command_naming_its_pack(trackfit, models):
    design = Registry(models).active("product-design")
    code, out, err = trackfit(
        "--models", str(models), "recommend", "--version", design, "--input", str(SAMPLES)
    )
    assert code == 2 and out == ""
    assert f"model {design} was trained for pack product-design@" in err
    hinted = shlex.split(re.search(r"to answer with it: `trackfit ([^`]*)`", err).group(1))
    assert hinted == ["recommend", "--pack", "product-design", "--version", design]
    code, out, err = trackfit("--models", str(models), *hinted, "--input", str(SAMPLES))
    assert code == 0, err
    assert {json.loads(line)["model_version"] for line in out.splitlines()} == {design}
    # a pack named is the person's choice: refused, with no other pack offered
    code, out, err = trackfit(
        "--models", str(models), "recommend", "--pack", "engineering", "--version", design,
        "--input", str(SAMPLES),
    )  # fmt: skip
    assert code == 2 and "to answer with it" not in err


def test_an_active_pointer_set_to_another_packs_version_is_named_in_the_command_offered(
    trackfit, models
):
    design = Registry(models).active("product-design")
    (models / "active" / "engineering").write_text(f"{design}\n")  # set by hand
    code, out, err = trackfit("--models", str(models), "recommend", "--input", str(SAMPLES))
    assert code == 2 and out == ""
    hinted = shlex.split(re.search(r"to answer with it: `trackfit ([^`]*)`", err).group(1))
    assert hinted == ["recommend", "--pack", "product-design", "--version", design]


@pytest.mark.parametrize("trained_for", ["design $(touch pwned)@2", "marketing@1"])
def test_recommend_offers_another_packs_command_only_when_it_works_as_pasted(
    trackfit, models, trained_for
):
    # a manifest is read as untrusted: its pack was pasted into the command unquoted, and a
    # pack that is not installed was offered as `--pack marketing`, which cannot answer
    version = forged_version(models, lambda arrays: None)
    manifest = json.loads((models / version / "manifest.json").read_text())
    manifest["pack"] = trained_for
    (models / version / "manifest.json").write_text(json.dumps(manifest))
    code, out, err = trackfit(
        "--models", str(models), "recommend", "--version", version, "--input", str(SAMPLES)
    )
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"model {version} was trained for pack {trained_for}, not engineering@" in err
    assert "to answer with it" not in err


def test_models_list_groups_versions_by_pack_and_stars_each_active_one(trackfit, models):
    code, out, err = trackfit("--models", str(models), "models", "list")
    assert code == 0, err
    for pack, version in Registry(models).pointers().items():
        heading = out.index(f"{pack} (active: {version})")
        assert out.index(f"* {version} ", heading) > heading


def test_an_active_version_that_does_not_read_is_listed_under_its_own_pack(trackfit, models):
    pointers = Registry(models).pointers()
    broken = pointers["product-design"]
    (models / broken / "manifest.json").write_text("garbage", encoding="utf-8")
    shutil.copytree(models / broken, models / "v9")  # and one no pointer names
    code, out, err = trackfit("--models", str(models), "models", "list")
    assert code == 2  # listed, then the damage named: the registry needs a repair
    assert f"product-design (active: {broken})\n* {broken}  (unreadable manifest)" in out
    assert "(no pack: their manifests do not read)\n  v9  (unreadable manifest)" in out
    assert f"{broken}/manifest.json: manifest is not valid JSON" in err
    assert f"engineering (active: {pointers['engineering']})" in out
    code, out, _ = trackfit("--models", str(models), "models", "list", "--pack", "engineering")
    assert "product-design" not in out and "v9" in out  # whose v9 is cannot be known


def test_an_active_version_whose_model_file_was_cut_short_is_listed_and_named(trackfit, models):
    """As `models check` and every answering command refuse it, the list says it cannot be
    used rather than star it as if it could."""
    active = Registry(models).active("engineering")
    model = models / active / "model.npz"
    model.write_bytes(model.read_bytes()[:1000])
    code, out, err = trackfit("--models", str(models), "models", "list")
    assert code == 2
    line = next(line for line in out.splitlines() if line.startswith(f"* {active} "))
    assert line.endswith("(model file unusable: see below)")
    assert f"{active}/model.npz: SHA-256" in err and "does not match the manifest's" in err
    assert sum("unusable" in line for line in out.splitlines()) == 1  # the others read


def test_a_version_whose_parameters_do_not_read_is_listed_unusable_though_its_hash_matches(
    trackfit, models
):
    """A model file changed with its manifest's hash to match (by hand, or by a tool) passed
    the list's hash check and was starred as usable, where `models check` and answering
    refuse it."""

    def spoiled(arrays):
        arrays["covariance_ic"] = np.full_like(arrays["covariance_ic"], np.nan)

    version = forged_version(models, spoiled)
    (models / "active" / "engineering").write_text(f"{version}\n")
    code, out, err = trackfit("--models", str(models), "models", "list")
    assert code == 2
    line = next(line for line in out.splitlines() if line.startswith(f"* {version} "))
    assert line.endswith("(model file unusable: see below)")
    assert "covariance_ic" in err and "NaN" in err
    assert sum("unusable" in line for line in out.splitlines()) == 1  # the others read


def test_models_check_names_the_pointer_to_a_version_that_is_gone(trackfit, models):
    active = Registry(models).active("engineering")
    shutil.rmtree(models / active)
    code, out, err = trackfit("--models", str(models), "models", "check")
    assert code == 2
    assert f"active/engineering: names {active}, which is not in the registry" in err
    assert "models build-default --pack engineering" in err
    assert "product-design: v2 usable" in out  # the other packs are still checked


def test_promoting_the_active_version_is_refused_and_records_nothing(trackfit, models):
    history = (models / "history.jsonl").read_bytes()
    code, out, err = trackfit("--models", str(models), "models", "promote", "v1")
    assert code == 2 and out == ""
    assert "v1 is already the active version for engineering" in err
    assert "Traceback" not in err
    assert (models / "history.jsonl").read_bytes() == history
    assert Registry(models).active("engineering") == "v1"


def test_a_rollback_never_goes_from_a_version_to_itself(trackfit, models):
    # a history written before promoting the active version was refused: v1 -> v4, then v4
    # promoted again (no move at all); rolling back goes to v1, not "from v4 to v4"
    shutil.copytree(models / "v1", models / "v4")
    with (models / "history.jsonl").open("a") as history:
        for previous, to in (("v1", "v4"), ("v4", "v4")):
            move = {"action": "promote", "pack": "engineering", "from": previous, "to": to}
            history.write(json.dumps({"at": "2026-11-30T10:00:00+00:00", **move}) + "\n")
    (models / "active" / "engineering").write_text("v4\n")
    code, out, err = trackfit(
        "--models", str(models), "models", "rollback", "--pack", "engineering"
    )
    assert code == 0, err
    assert out == "active model for engineering: v1 (was v4)\n"
    assert Registry(models).active("engineering") == "v1"


def test_a_rollback_keeps_its_justification_and_refuses_one_that_is_no_reason(
    trackfit, models, monkeypatch
):
    monkeypatch.setenv("LOGNAME", "hana")  # who runs the command, as the history keeps it
    shutil.copytree(models / "v1", models / "v4")
    with (models / "history.jsonl").open("a") as history:
        move = {"action": "promote", "pack": "engineering", "from": "v1", "to": "v4"}
        history.write(json.dumps({"at": "2026-11-30T10:00:00+00:00", **move}) + "\n")
    (models / "active" / "engineering").write_text("v4\n")
    before = (models / "history.jsonl").read_bytes()
    for mash in ("asdf", "qwerty qwerty qwerty qwerty qwerty qwerty", "   ", "x" * 5000):
        code, out, err = trackfit(
            "--models", str(models), "models", "rollback", "--pack", "engineering",
            "--justification", mash,
        )  # fmt: skip
        assert code == 2 and out == ""
        assert "models rollback: nothing was rolled back: --justification: " in err
        assert (models / "history.jsonl").read_bytes() == before
        assert Registry(models).active("engineering") == "v4"
    code, out, err = trackfit(
        "--models", str(models), "models", "rollback", "--pack", "engineering",
        "--justification", f"  {REASON}  ",
    )  # fmt: skip
    assert code == 0, err
    last = Registry(models).history("engineering")[-1]
    assert (last["action"], last["from"], last["to"]) == ("rollback", "v4", "v1")
    assert last["justification"] == REASON and last["by"] == "hana (command line)"


def test_a_move_from_a_machine_with_no_login_name_is_kept_as_the_command_line(
    trackfit, models, monkeypatch
):
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("pwd.getpwuid", lambda uid: (_ for _ in ()).throw(KeyError(uid)))
    shutil.copytree(models / "v1", models / "v4")
    code, _, err = trackfit("--models", str(models), "models", "promote", "v4")
    assert code == 0, err
    assert Registry(models).history("engineering")[-1]["by"] == "the command line"


@pytest.mark.parametrize("action", ["list", "check", "rollback"])
def test_an_unknown_pack_is_named_with_the_known_ones(trackfit, models, action):
    history = (models / "history.jsonl").read_bytes()
    code, out, err = trackfit("--models", str(models), "models", action, "--pack", "nope")
    assert code == 2 and out == "" and "Traceback" not in err
    assert "--pack nope: no pack nope is installed, and no version in the registry" in err
    assert f"(known packs: {', '.join(BUNDLED)})" in err
    assert "build-default --pack nope" not in err
    assert (models / "history.jsonl").read_bytes() == history


def test_a_bare_rollback_undoes_the_newest_promotion_still_in_force_whatever_its_pack(
    trackfit, models
):
    """DESIGN's bare `trackfit models rollback` where several packs have models: it undoes
    promotions newest first, whatever their pack, saying which on stderr, and once no pack has
    a version to go back to it is refused and nothing moves."""
    before = Registry(models).pointers()
    shutil.copytree(models / before["engineering"], models / "v4")
    shutil.copytree(models / before["product-design"], models / "v5")

    def run(*words: str) -> tuple[int, str, str]:
        return trackfit("--models", str(models), "models", *words)

    # engineering's v4, then product-design's v5; engineering rolled back and v4 promoted
    # again: the newest promotion still in force is engineering's, though v5 came after v4
    for words in (
        ("promote", "v4", "--justification", REASON),
        ("promote", "v5", "--justification", REASON),
        ("rollback", "--pack", "engineering"),
        ("promote", "v4", "--justification", REASON),
    ):
        code, out, err = run(*words)
        assert code == 0, err

    code, out, err = run("rollback", "--justification", REASON)
    assert code == 0, err
    assert out == f"active model for engineering: {before['engineering']} (was v4)\n"
    assert (
        "models rollback: undid the newest promotion still in force, v4 for engineering, "
        f"back to {before['engineering']} (--pack P rolls back another pack)"
    ) in err
    last = Registry(models).history()[-1]
    assert (last["action"], last["pack"], last["from"]) == ("rollback", "engineering", "v4")
    assert last["justification"] == REASON

    code, out, err = run("rollback")
    assert code == 0, err
    assert out == f"active model for product-design: {before['product-design']} (was v5)\n"
    assert Registry(models).pointers() == before

    history = (models / "history.jsonl").read_bytes()
    code, out, err = run("rollback")
    assert code == 2 and out == "" and "Traceback" not in err
    assert (
        "models rollback: nothing to roll back: no pack has a version that was active before "
        f"its current one (packs with models: {', '.join(BUNDLED)})"
    ) in err
    assert (models / "history.jsonl").read_bytes() == history
    assert Registry(models).pointers() == before


def test_a_bare_rollback_that_is_refused_names_the_step_it_chose(trackfit, models):
    # the version to go back to does not read: the refusal named its file and "promote a
    # usable version", never which pack's promotion a bare rollback had set out to undo
    before = Registry(models).pointers()
    shutil.copytree(models / before["engineering"], models / "v4")
    code, _, err = trackfit(
        "--models", str(models), "models", "promote", "v4", "--justification", REASON
    )
    assert code == 0, err
    with (models / before["engineering"] / "model.npz").open("ab") as model:
        model.write(b"tampered")
    history = (models / "history.jsonl").read_bytes()
    code, out, err = trackfit("--models", str(models), "models", "rollback")
    assert code == 2 and out == "" and "Traceback" not in err
    assert (
        "models rollback: the newest promotion still in force is v4 for engineering; going "
        f"back to {before['engineering']} was refused, and nothing moved:"
    ) in err
    assert "SHA-256" in err
    assert (models / "history.jsonl").read_bytes() == history


@pytest.mark.parametrize("named", [(), ("--pack", "product-design")], ids=["bare", "pack"])
def test_a_rollback_is_refused_when_the_pointer_was_changed_by_hand(trackfit, models, named):
    """product-design's pointer set back to v2 by hand after v5 was promoted: the rollback
    went from v2 to v2, printed '(was v5)', recorded a move from v5 that never was, and, bare,
    said it undid v5 where engineering's v4 is the promotion still in force. Nothing moves."""
    before = Registry(models).pointers()
    shutil.copytree(models / before["engineering"], models / "v4")
    shutil.copytree(models / before["product-design"], models / "v5")
    for version in ("v4", "v5"):
        code, _, err = trackfit(
            "--models", str(models), "models", "promote", version, "--justification", REASON
        )
        assert code == 0, err
    (models / "active" / "product-design").write_text(f"{before['product-design']}\n")
    history = (models / "history.jsonl").read_bytes()
    code, out, err = trackfit("--models", str(models), "models", "rollback", *named)
    assert code == 2 and out == "" and "Traceback" not in err
    assert (
        f"active/product-design: names {before['product-design']}, but the history's last "
        "move made v5 active"
    ) in err
    assert (models / "history.jsonl").read_bytes() == history
    assert Registry(models).pointers() == before | {"engineering": "v4"}


@pytest.fixture
def unpromoted(tmp_path) -> Path:
    """A registry holding one engineering version that was never made active."""
    shutil.copytree(ROOT / "models" / "v1", tmp_path / "unpromoted" / "v1")
    return tmp_path / "unpromoted"


def test_rollback_without_a_pack_finds_the_one_pack_with_a_version(trackfit, unpromoted):
    code, out, err = trackfit("--models", str(unpromoted), "models", "rollback")
    assert code == 2 and out == ""
    assert "nothing to roll back to for pack engineering" in err
    assert "packs with models: none" not in err


def test_rollback_in_a_registry_without_versions_says_so(trackfit, tmp_path):
    (tmp_path / "empty").mkdir()
    code, out, err = trackfit("--models", str(tmp_path / "empty"), "models", "rollback")
    assert code == 2 and out == ""
    assert "holds no model versions; there is nothing to roll back" in err


def test_listing_a_known_pack_without_versions_says_it_has_none(trackfit, unpromoted):
    code, out, err = trackfit(
        "--models", str(unpromoted), "models", "list", "--pack", "product-design"
    )
    assert code == 0, err
    assert out == "product-design (active: none)\n  no versions trained for this pack\n"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["--justification", REASON], ["--justification goes with --promote"]),
        (["--justification", " ok ", "--promote"], ["--justification: it is 2 characters"]),
        (
            ["--justification", "ok"],
            ["--justification goes with --promote", "--justification: it is 2 characters"],
        ),
        (
            ["--justification", "asdf lkjh; qwer asdf zxcv qwerty hjkl", "--promote"],
            [
                "--justification: 'asdf', 'lkjh', 'qwer' and 3 more read as keys typed at random, "
                "not words; it has 0 different words; a justification is a reason in at least"
            ],
        ),
        (
            ["--justification", "ok ok ok ok ok ok ok ok ok ok ok ok", "--promote"],
            ["--justification: it has 1 different word"],
        ),
    ],
)
def test_a_justification_that_could_never_be_used_is_refused_before_any_training(
    trackfit, models, given, expected
):
    listing = sorted(path.name for path in models.iterdir())
    # the file does not exist: refused before it is read, let alone trained on
    code, out, err = trackfit("--models", str(models), "train", "--data", "nowhere.csv", *given)
    assert code == 2 and out == "" and "Traceback" not in err
    assert all(f"train: {problem}" in err for problem in expected)
    assert "nowhere.csv" not in err
    assert sorted(path.name for path in models.iterdir()) == listing


def test_train_promote_into_a_registry_that_cannot_record_a_move_writes_no_version(
    trackfit, models, tmp_path
):
    """A history whose last line was cut short refuses every move: `train --promote` says so
    before training, and no candidate is left behind by the refused run."""
    data = tmp_path / "people.csv"
    assert trackfit("synth", "--n", "400", "--seed", "7", "--out", str(data))[0] == 0
    with (models / "history.jsonl").open("a", encoding="utf-8") as history:
        history.write('{"at": "2026')
    listing = sorted(path.name for path in models.iterdir())
    code, out, err = trackfit(
        "--models", str(models), "train", "--data", str(data), "--promote",
        "--justification", REASON,
    )  # fmt: skip
    assert code == 2 and out == "" and "Traceback" not in err
    assert "history.jsonl:4: is not valid JSON" in err
    assert sorted(path.name for path in models.iterdir()) == listing


def test_a_promotion_refused_after_training_names_the_candidate_it_wrote(
    trackfit, models, tmp_path, monkeypatch
):
    """When the move is refused once the candidate is written (its trial on sample people
    fails), the summary is still printed and the refusal says the candidate was written."""

    def fails(self, name, pack=None):
        raise ModelRefused(f"model {name} failed its trial")

    monkeypatch.setattr(RegistryWriter, "try_version", fails)
    code, out, err = _train_promoting(trackfit, models, tmp_path)
    assert code == 2 and "Traceback" not in err
    candidate = json.loads(out)["version"]
    assert (models / candidate / "manifest.json").is_file()
    assert json.loads(out)["active"] == "v1" == Registry(models).active("engineering")
    assert (
        f"train: {candidate} was written as a candidate but not promoted: model {candidate} "
        "failed its trial"
    ) in err


def _train_promoting(trackfit, models, tmp_path) -> tuple[int, str, str]:
    """`train --promote` (with a justification) on 400 synthetic people: exit code, out, err."""
    data = tmp_path / "people.csv"
    assert trackfit("synth", "--n", "400", "--seed", "7", "--out", str(data))[0] == 0
    return trackfit(
        "--models", str(models), "train", "--data", str(data), "--promote",
        "--justification", REASON,
    )  # fmt: skip


def test_train_promote_does_not_replace_a_version_made_active_while_it_trained(
    trackfit, models, tmp_path, monkeypatch
):
    """Two trainings with --promote at once on one registry: the candidate was judged against
    the version active when it began, never against one promoted while it trained, so it does
    not replace that one: it is kept as a candidate and the refusal says why."""
    other = forged_version(models, lambda arrays: None)  # an engineering version beside v1
    trained = candidate_module.train_candidate

    def while_another_is_promoted(*args, **kwargs):
        summary = trained(*args, **kwargs)
        RegistryWriter(models).promote(other)  # the other training finished first
        return summary

    monkeypatch.setattr(candidate_module, "train_candidate", while_another_is_promoted)
    code, out, err = _train_promoting(trackfit, models, tmp_path)
    assert code == 2 and "Traceback" not in err
    summary = json.loads(out)
    candidate = summary["version"]
    assert Registry(models).active("engineering") == other == summary["active"]
    assert f"train: {candidate} was written as a candidate but not promoted" in err
    assert f"it was judged against v1, and {other} is active for engineering now" in err
    moves = (models / "history.jsonl").read_text().splitlines()
    assert json.loads(moves[-1])["to"] == other


def test_train_says_its_verdict_is_against_a_version_no_longer_active(
    trackfit, models, tmp_path, monkeypatch
):
    """A promotion by someone else while a training ran: the JSON's active version and the
    verdict's were two versions, and the summary said "keep v1" with v1 no longer active."""
    other = forged_version(models, lambda arrays: None)
    trained = candidate_module.train_candidate

    def while_another_is_promoted(*args, **kwargs):
        summary = trained(*args, **kwargs)
        RegistryWriter(models).promote(other)
        return summary

    monkeypatch.setattr(candidate_module, "train_candidate", while_another_is_promoted)
    data = tmp_path / "outcomes.csv"
    trackfit("synth", "--n", "600", "--seed", "3", "--out", str(data))
    code, out, err = trackfit("--models", str(models), "train", "--data", str(data), "--synthetic")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["active"] == other and summary["compared_with_active"]["version"] == "v1"
    assert (
        f"the verdict is against v1, active when training began; {other} is active now (moved "
        f"while it trained), so compare {summary['version']} with it"
    ) in err


def test_a_record_of_people_that_does_not_read_is_a_warning_of_check_not_a_failure(
    trackfit, models
):
    """The version still answers, so the check passes (and `make serve` keeps it rather than
    rebuilding the default), but says what a retraining will lack."""
    folder = models / "v1"
    np.save(folder / PEOPLE_FILE, np.array([1, 2, 3], dtype=np.uint64))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["sha256"][PEOPLE_FILE] = "0" * 64  # changed since training
    (folder / "manifest.json").write_text(json.dumps(manifest))
    code, out, err = trackfit("--models", str(models), "models", "check", "--pack", "engineering")
    assert code == 0, err
    assert "engineering: v1 usable" in out
    assert "people.npy: does not match its SHA-256 in the manifest" in out
    assert "a candidate trained now cannot tell which of its people v1 learnt from" in out


def test_a_record_of_people_that_does_not_read_is_named_when_that_version_is_checked_or_made_active(
    trackfit, models
):
    """`models check V`, a promotion and a rollback say what `models check` says of the active
    version (an outside check flipped a byte of a candidate's record: checking it by name
    said "usable", and promoting it said nothing)."""
    other = forged_version(models, lambda arrays: None)
    record = models / other / PEOPLE_FILE
    np.save(record, np.array([1, 2, 3], dtype=np.uint64))
    manifest = json.loads((models / other / "manifest.json").read_text())
    manifest["sha256"][PEOPLE_FILE] = "0" * 64  # changed since training
    (models / other / "manifest.json").write_text(json.dumps(manifest))
    warning = f"a candidate trained now cannot tell which of its people {other} learnt from"
    code, out, err = trackfit("--models", str(models), "models", "check", other)
    assert code == 0, err
    assert f"{other}: usable" in out and "does not match its SHA-256" in out and warning in out
    code, out, err = trackfit(
        "--models", str(models), "models", "promote", other, "--justification", REASON
    )
    assert code == 0, err
    assert f"active model for engineering: {other}" in out and warning in out
    code, out, err = trackfit("--models", str(models), "models", "promote", "v1")
    assert code == 0 and warning not in out
    code, out, err = trackfit(
        "--models", str(models), "models", "rollback", "--justification", REASON
    )
    assert code == 0, err
    assert f"active model for engineering: {other} (was v1)" in out and warning in out


@pytest.mark.parametrize("record", [b"", b"PK\x03\x04not a zip"], ids=["empty", "a zip's start"])
def test_a_record_of_people_whose_hash_matches_but_is_no_list_is_a_warning_not_a_traceback(
    trackfit, models, record
):
    """A people.npy that matches its SHA-256 but is no .npy: the promotion is made and says
    so, with the warning; it had moved the pointer, then printed a traceback (an outside
    review of the change)."""
    other = forged_version(models, lambda arrays: None)
    (models / other / PEOPLE_FILE).write_bytes(record)
    manifest = json.loads((models / other / "manifest.json").read_text())
    manifest["sha256"][PEOPLE_FILE] = hashlib.sha256(record).hexdigest()
    (models / other / "manifest.json").write_text(json.dumps(manifest))
    code, out, err = trackfit(
        "--models", str(models), "models", "promote", other, "--justification", REASON
    )
    assert code == 0, err
    assert f"active model for engineering: {other}" in out and "not a list of people" in out
    assert "Traceback" not in err


def test_the_check_warns_of_a_model_card_changed_after_training(trackfit, models):
    from recommender.answer.registry import Registry  # noqa: PLC0415

    model = Registry(models).load("v1").model
    name = RegistryWriter(models).add(model, {"pack": "engineering@1"}, "# Card {version}\n")
    with (models / name / "card.md").open("a") as card:
        card.write("Validated on real outcomes.\n")
    code, out, _ = trackfit("--models", str(models), "models", "check")
    assert code == 0
    assert f"{name}/card.md: does not match its SHA-256 in the manifest" in out


def test_the_next_step_train_offers_names_the_registry_only_when_one_was_named(
    trackfit, models, tmp_path, monkeypatch
):
    monkeypatch.setenv("TRACKFIT_MODELS", str(models))  # the default registry, as a shell has it
    data = tmp_path / "design.csv"
    trackfit("synth", "--pack", "product-design", "--n", "300", "--seed", "4", "--out", str(data))
    code, out, err = trackfit("train", "--pack", "product-design", "--data", str(data))
    assert code == 0, err
    candidate = json.loads(out)["version"]
    assert "--models" not in err
    hinted = shlex.split(re.search(r"try it with `trackfit ([^`]*)`", err).group(1))
    assert hinted == ["recommend", "--version", candidate]
    code, out, err = trackfit(*hinted, "--pack", "product-design", "--input", str(SAMPLES))
    assert code == 0, err


def test_building_the_missing_defaults_replaces_only_what_cannot_answer(
    trackfit, models, monkeypatch
):
    # one pack's pointer does not read, another's active version is damaged; engineering's is
    # fine. Which packs are built is the question here, not the build (test_cli builds a real
    # default through the command line): 2,000 synthetic people, not 20,000, save two minutes
    build = partial(default_model.build_default_model, people=2000)
    monkeypatch.setattr(default_model, "build_default_model", build)
    (models / "active" / "product-design").write_text("garbage!!\n", encoding="utf-8")
    damaged = Registry(models).active("data-science")
    with (models / damaged / "model.npz").open("ab") as model:
        model.write(b"\0")
    code, out, err = trackfit("--models", str(models), "models", "build-default", "--missing")
    assert code == 0, err
    after = Registry(models).pointers()
    assert after["engineering"] == "v1"
    assert "engineering: v1 usable, kept" in err
    assert "product-design: " in err and "data-science: " in err
    built = {pack: version for pack, version in after.items() if pack != "engineering"}
    assert sorted(built.values()) == ["v4", "v5"]
    assert out.splitlines() == [f"active model for {p}: {v}" for p, v in sorted(built.items())]
    code, _, err = trackfit("--models", str(models), "models", "check")
    assert code == 0, err


@pytest.mark.parametrize("action", ["list", "check", "rollback"])
def test_options_of_build_default_are_refused_beside_another_action(trackfit, models, action):
    code, out, err = trackfit("--models", str(models), "models", action, "--missing")
    assert code == 2 and out == ""
    assert f"models {action}: --missing goes only with build-default" in err


def test_building_the_missing_defaults_passes_over_a_pack_no_longer_installed(trackfit, models):
    (models / "active" / "gone").write_text("v1\n", encoding="utf-8")
    code, out, err = trackfit("--models", str(models), "models", "build-default", "--missing")
    assert code == 0, err
    assert "gone: not installed; no default built for it" in err
    assert out == "" and Registry(models).versions() == ["v1", "v2", "v3"]
    code, _, err = trackfit("--models", str(models), "models", "check")
    assert code == 2
    assert "active/gone: points at a model of pack gone, which is not installed" in err


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_an_outcome_file_of_another_discipline_says_which_pack_to_give(
    trackfit, models, tmp_path, command
):
    data = tmp_path / "engineering.csv"
    trackfit("synth", "--pack", "engineering", "--n", "300", "--seed", "2", "--out", str(data))
    code, out, err = trackfit(
        "--models", str(models), command, "--pack", "product-design", "--data", str(data)
    )
    assert code == 2 and out == ""
    first = err.splitlines()[1]
    assert first.startswith("  --pack: the answer columns of engineering.csv are the items of")
    assert first.endswith("give --pack engineering")
    assert "item columns missing" in err  # every problem is still listed
    assert sorted(Registry(models).versions()) == ["v1", "v2", "v3"]  # nothing written


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["models", "rollback", "v1", "--pack", "engineering"], "takes no version"),
        (["models", "list", "v9"], "models list takes no version (v9 given)"),
        (["models", "list", "--justification", "because I say so"], "only with promote or"),
        (["models", "build-default", "v1", "--missing"], "takes no version"),
    ],
)
def test_what_an_action_takes_no_notice_of_is_refused_and_nothing_moves(
    trackfit, models, argv, said
):
    history = (models / "history.jsonl").read_bytes()
    code, out, err = trackfit("--models", str(models), *argv)
    assert code == 2 and out == "" and said in err
    assert (models / "history.jsonl").read_bytes() == history
    assert Registry(models).active("engineering") == "v1"


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_models_folder_is_refused_not_read_as_the_bundled_one(trackfit, blank):
    history = (ROOT / "models" / "history.jsonl").read_bytes()
    for argv in (["models", "list"], ["models", "rollback", "--pack", "engineering"]):
        code, _, err = trackfit("--models", blank, *argv)
        assert code == 2 and "--models: no folder given" in err
    assert (ROOT / "models" / "history.jsonl").read_bytes() == history


def test_a_version_folder_without_its_manifest_is_named_as_such(trackfit, models):
    (models / "v9").mkdir()
    said = "v9/manifest.json: file is missing, so v9 is no version"
    for argv in (["recommend", "--version", "v9"], ["models", "promote", "v9"]):
        code, _, err = trackfit("--models", str(models), *argv, stdin="")
        assert code == 2 and said in err and "no version v9 in the registry" not in err


def test_the_check_warns_of_what_interrupted_commands_left_and_still_passes(trackfit, models):
    (models / "v9").mkdir()
    (models / ".staging-k2j3").mkdir()
    (models / "active" / ".engineering-x1y2").write_text("v1\n")
    code, out, _ = trackfit("--models", str(models), "models", "check")
    assert code == 0
    warnings = [line for line in out.splitlines() if line.startswith("  warning:")]
    assert len(warnings) == 3
    assert "v9/manifest.json: file is missing" in warnings[0]
    assert ".staging-k2j3: a version or pointer being written" in warnings[1]
    assert ".engineering-x1y2: a version or pointer being written" in warnings[2]


def test_the_check_warns_of_a_version_whose_model_file_changed_and_still_passes(trackfit, models):
    """A version no pointer uses whose model file no longer matches its SHA-256 cannot be
    promoted or rolled back to: the check says so, as `models list` marks it (an outside check
    appended a byte to one: the list named it, the check said nothing)."""
    other = forged_version(models, lambda arrays: None)
    with (models / other / "model.npz").open("ab") as file:
        file.write(b"\0")
    code, out, _ = trackfit("--models", str(models), "models", "check")
    assert code == 0 and "engineering: v1 usable" in out
    warnings = [line for line in out.splitlines() if line.startswith("  warning:")]
    assert len(warnings) == 1
    assert f"{other}/model.npz: SHA-256" in warnings[0] and "does not match" in warnings[0]


def test_the_same_rows_in_another_order_train_the_same_candidate(trackfit, tmp_path):
    """Folds and bootstrap samples follow the rows' order: read in the people's order, a file
    and its shuffled copy give one model, one comparison and one verdict."""
    data = tmp_path / "design.csv"
    code, _, err = trackfit(
        "synth", "--pack", "product-design", "--n", "400", "--seed", "5", "--out", str(data)
    )
    assert code == 0, err
    header, *rows = data.read_text(encoding="utf-8").splitlines()
    shuffled = tmp_path / "shuffled.csv"
    order = np.random.default_rng(1).permutation(len(rows))
    shuffled.write_text("\n".join([header, *(rows[i] for i in order)]) + "\n", encoding="utf-8")
    summaries = []
    for name, path in (("a", data), ("b", shuffled)):
        shutil.copytree(ROOT / "models", tmp_path / name)
        code, out, err = trackfit(
            "--models",
            str(tmp_path / name),
            "train",
            "--pack",
            "product-design",
            "--data",
            str(path),
            "--synthetic",
        )
        assert code == 0, err
        summaries.append(json.loads(out))
    for summary in summaries:
        del summary["version"]
    assert summaries[0] == summaries[1]


def test_a_pointer_to_another_packs_version_is_named_by_the_list(trackfit, models):
    pointers = Registry(models).pointers()
    design = pointers["product-design"]
    (models / "active" / "engineering").write_text(design + "\n", encoding="utf-8")
    code, out, err = trackfit("--models", str(models), "models", "list")
    assert code == 2 and "engineering (active: " in out
    assert (
        f"active/engineering: names {design}, which was trained for product-design, not engineering"
    ) in err


def test_a_version_made_before_packs_were_recorded_is_listed_as_the_default_packs(trackfit, models):
    version = Registry(models).pointers()["engineering"]
    path = models / version / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    del manifest["pack"]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    code, out, err = trackfit("--models", str(models), "models", "list", "--pack", "engineering")
    assert code == 0, err
    assert f"* {version}  " in out and "engineering (made before packs were recorded)" in out
    assert "None" not in out


def test_a_history_line_that_does_not_read_is_named_with_the_way_to_mend_it(trackfit, models):
    history = models / "history.jsonl"
    history.write_text(history.read_text() + '{"to": \n[]\n', encoding="utf-8")
    code, _, err = trackfit("--models", str(models), "models", "list")
    assert code == 2
    assert "history.jsonl:" in err and "is not valid JSON" in err
    assert err.count("mend the lines named") == 1  # said once, after the last line named
    assert "or restore the file from a backup, then run `trackfit models check`" in err
