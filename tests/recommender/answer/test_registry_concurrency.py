"""The registry under concurrent writers: promotions, rollbacks and new versions from many
threads and from separate processes (the CLI, as gunicorn's workers would) take turns, so
the pack's pointer, `history.jsonl` and what each caller is told always agree."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recommender.learn.publishing import RegistryWriter, RollbackMoved
from tests.concurrency import all_at_once
from tests.recommender.answer.test_registry import _add, _model

ROOT = Path(__file__).resolve().parents[3]
THREADS = 12


def assert_consistent(registry: RegistryWriter) -> list[dict]:
    """The history is one unbroken chain of moves ending at the pack's pointer; the moves."""
    moves = registry.history()
    for before, after in itertools.pairwise(moves):
        assert after["from"] == before["to"], (before, after)
    assert registry.active("tiny") == moves[-1]["to"]
    left = [p.name for p in registry.root.iterdir() if p.name.startswith(".")]
    left += [p.name for p in (registry.root / "active").iterdir() if p.name.startswith(".")]
    assert sorted(left) == [".lock"], "a temporary file was left behind"
    return moves


@pytest.fixture
def registry(tmp_path) -> RegistryWriter:
    registry = RegistryWriter(tmp_path / "models")
    for shift in range(THREADS + 1):
        _add(registry, float(shift))
    registry.promote("v1")
    return registry


def test_simultaneous_promotions_from_threads_keep_pointer_history_and_answers_agreeing(
    registry,
):
    names = [f"v{i + 2}" for i in range(THREADS)]
    told = all_at_once(THREADS, lambda i: registry.promote(names[i]))
    assert not [t for t in told if isinstance(t, Exception)], told
    moves = assert_consistent(registry)
    assert len(moves) == THREADS + 1
    # each promotion was told the version its own history line replaced
    assert {(m["from"], m["to"]) for m in moves[1:]} == set(zip(told, names, strict=True))
    # a rollback goes back one step of that same chain
    assert registry.rollback("tiny") == moves[-1]["from"]
    assert_consistent(registry)


def test_simultaneous_rollbacks_and_promotions_from_threads_stay_one_chain(registry):
    for name in ("v2", "v3", "v4", "v5", "v6"):
        registry.promote(name)

    def move(index):
        if index % 2:
            return registry.roll_back("tiny")
        return registry.promote(f"v{7 + index // 2}")

    results = all_at_once(8, move)
    assert not [r for r in results if isinstance(r, Exception)], results
    moves = assert_consistent(registry)
    rollbacks = [(m["to"], m["from"]) for m in moves if m["action"] == "rollback"]
    assert sorted(rollbacks) == sorted(r for r in results if isinstance(r, tuple))


def test_a_confirmed_rollback_is_made_as_confirmed_or_not_at_all(registry, monkeypatch):
    registry.promote("v2")
    registry.promote("v3")
    tried = registry.try_version

    def a_colleague_promotes_meanwhile(name, pack=None):
        tried(name, pack)
        monkeypatch.setattr(registry, "try_version", tried)
        registry.promote("v4")

    monkeypatch.setattr(registry, "try_version", a_colleague_promotes_meanwhile)
    with pytest.raises(RollbackMoved) as moved:
        registry.roll_back("tiny", confirmed=("v2", "v3"))
    assert moved.value.step == ("v3", "v4")
    assert "changed since the rollback from v3 to v2 was confirmed" in str(moved.value)
    assert registry.active("tiny") == "v4"  # the colleague's promotion stands; nothing else
    with pytest.raises(RollbackMoved):  # a stale confirmation is refused before any trial
        registry.roll_back("tiny", confirmed=("v2", "v3"))
    assert registry.roll_back("tiny", confirmed=("v3", "v4")) == ("v3", "v4")
    assert [m["to"] for m in assert_consistent(registry)] == ["v1", "v2", "v3", "v4", "v3"]
    registry.roll_back("tiny")
    registry.roll_back("tiny")  # back at v1: nothing left to go back to
    with pytest.raises(RollbackMoved) as moved:
        registry.roll_back("tiny", confirmed=("v1", "v2"))
    assert moved.value.step is None and "nothing to roll back to now" in str(moved.value)


def test_new_versions_finishing_at_once_each_get_a_name_of_their_own(tmp_path):
    registry = RegistryWriter(tmp_path / "models")
    names = all_at_once(THREADS, lambda i: _add(registry, float(i)))
    assert sorted(names, key=lambda n: int(n[1:])) == [f"v{i + 1}" for i in range(THREADS)]
    for name in names:
        assert registry.manifest(name)["version"] == name
        assert registry.load(name).model.feature_names == _model().feature_names


def test_simultaneous_promotions_from_processes_keep_one_chain(registry):
    """Separate processes (the CLI) promoting at once: the lock holds across processes."""
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    script = (
        "import sys, time\n"
        "from recommender.cli import main\n"
        "start = float(sys.argv[1])\n"
        "time.sleep(max(0.0, start - time.time()))\n"
        "sys.exit(main(sys.argv[2:]))\n"
    )
    start = time.time() + 4  # every process imported and waiting by then
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(start)]
            + ["--models", str(registry.root), "models", "promote", name],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("v2", "v3", "v4", "v5")
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0] * 4, outputs
    moves = assert_consistent(registry)
    told = {out.strip() for out, _ in outputs}
    assert told == {f"active model for tiny: {m['to']} (was {m['from']})" for m in moves[1:]}
    assert (registry.root / "active" / "tiny").read_text().strip() == moves[-1]["to"]
