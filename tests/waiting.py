"""Waiting on a condition, with a bound, instead of sleeping and hoping it happened."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import powershai_py as ps

BOUND = 30.0  # seconds: far above any healthy wait; reaching it means the behaviour is broken


def wait_until(condition: Callable[[], object], what: str, timeout: float = BOUND) -> None:
    """Return as soon as ``condition()`` is true; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting until {what}")
        time.sleep(0.01)


class ResultReader:
    """Reads a call's results on a thread; ``started`` is set when the server starts the job
    (the queue's ``process_starts``), so a test can act on a running job, not a queued one."""

    def __init__(self, call: ps.SessionApiEvent) -> None:
        self.started = threading.Event()
        self.results: list[Any] | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._read, args=(call,), daemon=True)
        self._thread.start()

    def _status(self, kind: str, info: Any) -> None:
        if kind == "process_starts":
            self.started.set()

    def _read(self, call: ps.SessionApiEvent) -> None:
        try:
            self.results = call.results(status_hook=self._status)
        except BaseException as exc:  # noqa: BLE001 - handed to the test by join()
            self.error = exc

    def wait_started(self, timeout: float = BOUND) -> None:
        assert self.started.wait(timeout), "the server never started the job"

    def join(self, timeout: float = BOUND) -> list[Any]:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the call did not end within {timeout:g} s"
        if self.error is not None:
            raise self.error
        assert self.results is not None
        return self.results
