"""Registry files are read within size bounds and never through a link: a card, manifest,
history, pointer, model or version folder that is a symbolic link, a FIFO or too large is
refused by name, without reading what it points at or waiting on it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from recommender.answer.registry import MAX_CARD_BYTES, ModelRefused, Registry
from recommender.learn.publishing import RegistryWriter
from tests.registry_forgery import forged_version

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def models(tmp_path) -> Path:
    """A copy of the bundled registry (v1 active)."""
    shutil.copytree(ROOT / "models", tmp_path / "models")
    return tmp_path / "models"


def secret(tmp_path: Path) -> Path:
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:root:/root:/bin/bash\n")
    return path


READS = {
    "card.md": lambda registry: registry.card("v1"),
    "manifest.json": lambda registry: registry.manifest("v1"),
    "model.npz": lambda registry: registry.load("v1"),
}
TOP = {
    "active/engineering": lambda registry: registry.active("engineering"),
    "history.jsonl": lambda registry: registry.history(),
}


@pytest.mark.parametrize("name", [*READS, *TOP])
def test_a_registry_file_that_is_a_link_is_refused_not_followed(models, tmp_path, name):
    target = secret(tmp_path)
    path = models / "v1" / name if name in READS else models / name
    shutil.copy(path, target)  # even a link to the file's own good content is refused
    path.unlink()
    path.symlink_to(target)
    with pytest.raises(ModelRefused, match=f"{name}: is a symbolic link"):
        {**READS, **TOP}[name](Registry(models))


def test_a_version_folder_that_is_a_link_is_refused(models, tmp_path):
    (models / "v1").rename(tmp_path / "elsewhere")
    (models / "v1").symlink_to(tmp_path / "elsewhere")
    for read in READS.values():
        with pytest.raises(ModelRefused, match="v1: is a symbolic link"):
            read(Registry(models))


@pytest.mark.timeout(30)  # opening a FIFO to read waits for a writer: forever
@pytest.mark.parametrize("name", [*READS, *TOP])
def test_a_registry_file_that_is_a_fifo_is_refused_without_waiting(models, name):
    path = models / "v1" / name if name in READS else models / name
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(ModelRefused, match=f"{name}: is not a regular file"):
        {**READS, **TOP}[name](Registry(models))


def test_a_card_larger_than_the_bound_is_refused_without_being_read(models):
    with (models / "v1" / "card.md").open("ab") as card:
        card.truncate(30 << 20)  # 30 MB, mostly a hole: cheap to make
    with pytest.raises(ModelRefused, match=r"card.md: is larger than 256 KB"):
        Registry(models).card("v1")
    (models / "v1" / "card.md").write_bytes(b"# card\n" + b"x" * (MAX_CARD_BYTES - 7))
    assert Registry(models).card("v1").startswith("# card")


def test_promoting_through_a_linked_history_is_refused_and_the_target_is_untouched(
    models, tmp_path
):
    target = secret(tmp_path)
    candidate = forged_version(models, lambda arrays: None)  # v1 is active: not promotable
    (models / "history.jsonl").unlink()
    (models / "history.jsonl").symlink_to(target)
    with pytest.raises(ModelRefused, match=r"history\.jsonl"):
        RegistryWriter(models).promote(candidate)
    assert target.read_text() == "root:x:0:0:root:/root:/bin/bash\n"


def test_a_move_that_cannot_be_made_leaves_no_record_of_it(models, monkeypatch):
    # the disk fills between recording the move and making it: the record is taken back
    candidate = forged_version(models, lambda arrays: None)
    history = (models / "history.jsonl").read_bytes()
    real_replace = os.replace

    def full_disk(source, target):
        if Path(target).parent.name == "active":
            raise OSError(28, "No space left on device", str(target))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(ModelRefused, match="No space left on device"):
        RegistryWriter(models).promote(candidate)
    assert (models / "history.jsonl").read_bytes() == history
    assert Registry(models).active("engineering") == "v1"
    assert not [p.name for p in (models / "active").iterdir() if p.name.startswith(".")]


def test_a_move_that_cannot_be_recorded_is_not_made(models, monkeypatch):
    candidate = forged_version(models, lambda arrays: None)
    real_open = os.open

    def read_only(path, flags, *mode):
        if str(path).endswith("history.jsonl") and flags & os.O_APPEND:
            raise OSError(30, "Read-only file system", str(path))
        return real_open(path, flags, *mode)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(ModelRefused, match=r"history\.jsonl: cannot be written"):
        RegistryWriter(models).promote(candidate)
    assert Registry(models).active("engineering") == "v1"
    assert not [p.name for p in (models / "active").iterdir() if p.name.startswith(".")]


def test_a_card_changed_after_training_is_refused_by_name(models):
    """A version keeps its card's SHA-256 in its manifest, as it keeps its model's: a card
    edited afterwards (an outside check appended to one, and it was shown as the version's)
    is refused, and the one written with it reads."""
    writer = RegistryWriter(models)
    model = Registry(models).load("v1").model
    name = writer.add(model, {"pack": "engineering@1"}, "# Model card {version}\n")
    assert Registry(models).card(name) == f"# Model card {name}\n"
    with (models / name / "card.md").open("a") as card:
        card.write("Validated on real outcomes.\n")
    with pytest.raises(ModelRefused, match=r"card.md: does not match its SHA-256"):
        Registry(models).card(name)


@pytest.mark.parametrize("entry", [5, None, "A" * 64], ids=["a number", "null", "upper case"])
def test_a_cards_sha256_that_is_no_digest_is_named_so_not_blamed_on_the_card(models, entry):
    writer = RegistryWriter(models)
    name = writer.add(Registry(models).load("v1").model, {"pack": "engineering@1"}, "# {version}")
    manifest = json.loads((models / name / "manifest.json").read_text())
    manifest["sha256"]["card.md"] = entry
    (models / name / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelRefused, match=r"card\.md: the manifest's SHA-256 of it is not a hex"):
        Registry(models).card(name)


def test_a_card_the_manifest_keeps_that_is_gone_is_refused_not_taken_for_none(models):
    writer = RegistryWriter(models)
    name = writer.add(Registry(models).load("v1").model, {"pack": "engineering@1"}, "# {version}")
    (models / name / "card.md").unlink()
    with pytest.raises(ModelRefused, match=rf"card\.md: is missing; the manifest says {name} was"):
        Registry(models).card(name)
