"""Calls released together from many threads, for the tests of races."""

from __future__ import annotations

import threading


def all_at_once(count: int, call) -> list:
    """`call(index)` from `count` threads released together by a barrier; in index order, each
    call's result, or the exception it raised (left for the test's assertions to report)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        barrier.wait()
        try:
            results[index] = call(index)
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
