"""Shared by the core tests: many threads calling one session at once."""

from __future__ import annotations

import threading
from collections.abc import Callable

import powershai_py as ps


def echo_from_threads(session: ps.GradioSession, count: int,
                      last_data: Callable[[ps.SessionApiEvent], object]) -> dict[int, object]:
    """Call ``echo`` with ``n<i>`` from ``count`` threads; each thread's result or exception."""
    outcomes: dict[int, object] = {}

    def worker(i: int) -> None:
        try:
            outcomes[i] = last_data(session.invoke("echo", [f"n{i}"]))
        except Exception as exc:  # noqa: BLE001 - the caller compares outcomes
            outcomes[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    return outcomes
