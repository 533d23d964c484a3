"""A training run's separate process leaves no zombie behind when it is killed."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from webapp import jobs
from webapp.settings import JOBS_IN_A_PROCESS


def children() -> set[int]:
    """The processes this test process started and the kernel still remembers."""
    found = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found.update(int(pid) for pid in (task / "children").read_text().split())
    return found


def state(pid: int) -> str | None:
    """The process's state letter (Z for a zombie), or None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def test_a_killed_training_process_is_reaped_at_once(app):
    before = children()
    with app.app_context():
        jobs.RUNNERS[JOBS_IN_A_PROCESS](app, 999_999)  # a run that does not exist
    [child] = children() - before
    os.kill(child, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while state(child) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert state(child) is None  # not "Z": nobody needs to start another run to reap it
