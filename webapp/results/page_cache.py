"""Rendered result bodies, kept per worker: a finished assessment's result never changes.

A result page is a pure function of the stored recommendation and answers, the assessment
before it (for "what changed") and the pack that words it. A body is kept per assessment and
`version` (whatever else it depends on: its completion time, the previous assessment's id),
and pack version; a pack version's bodies are dropped when its files are reloaded, so a kept
body is always the one a fresh render would give. Who may see it is checked on every request
before the cache is asked; a body lives at most `lifetime` seconds and is dropped at once in
the worker where its assessment is deleted.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from markupsafe import Markup

from webapp.answering import Pack


class RenderedResults:
    """A bounded, least-recently-used store of result bodies, per pack version."""

    def __init__(self, capacity: int = 512, lifetime: float = 600.0):
        self.capacity = capacity
        self.lifetime = lifetime
        self._bodies: OrderedDict[tuple[int, Hashable, str], tuple[float, Markup]] = OrderedDict()
        self._packs: dict[str, Pack] = {}  # the pack object each version's bodies came from
        self._lock = threading.Lock()

    def body(
        self, assessment_id: int, version: Hashable, pack: Pack, render: Callable[[], Markup]
    ) -> Markup:
        """The body of this assessment's result in `pack`'s wording, rendered by `render` the
        first time it is asked for with this `version`."""
        key = (assessment_id, version, pack.ref)
        with self._lock:
            if self._packs.get(pack.ref) is not pack:  # first seen, or its files were edited
                for stale in [k for k in self._bodies if k[2] == pack.ref]:
                    del self._bodies[stale]
                self._packs[pack.ref] = pack
            kept = self._bodies.get(key)
            if kept is not None and time.monotonic() - kept[0] < self.lifetime:
                self._bodies.move_to_end(key)
                return kept[1]
        body = render()
        with self._lock:
            if self._packs.get(pack.ref) is pack:
                self._bodies[key] = (time.monotonic(), body)
                self._bodies.move_to_end(key)
                while len(self._bodies) > self.capacity:
                    self._bodies.popitem(last=False)
        return body

    def forget(self, assessment_id: int) -> None:
        """Drop every kept body of an assessment."""
        with self._lock:
            for key in [k for k in self._bodies if k[0] == assessment_id]:
                del self._bodies[key]

    def __len__(self) -> int:
        return len(self._bodies)


rendered_results = RenderedResults()
