"""Handler threads kept for reuse: each message still runs on a thread of its own.

The dispatcher runs every request on its own thread so that one that blocks (``stream/next``
waiting for Gradio's next item) never holds up the others. Starting a new thread for each message
cost about 0.15 ms of a round trip here (``threading.Thread.start`` plus the hand-over), against
0.07 ms for handing the message to a thread that is already waiting. So a thread that has run its
message waits a while for the next; the pool grows to as many messages as run at once (a hundred
calls in flight make a hundred threads, as before) and shrinks again when they sit idle.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["HandlerThreads"]

log = logging.getLogger("powershai_py.worker")

Job = tuple[Callable[[Any], None], Any]

IDLE_SECONDS = 30.0


class HandlerThreads:
    """Runs ``fn(arg)`` on an idle thread of the pool, or on a new one when none is idle."""

    def __init__(self, name: str, idle_seconds: float = IDLE_SECONDS) -> None:
        self._name = name
        self._idle_seconds = idle_seconds
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        # Guards _idle, and puts into _jobs, so an idle thread that gives up never strands a job.
        self._lock = threading.Lock()
        self._idle = 0

    @property
    def idle(self) -> int:
        """Threads waiting for a message (for tests and logs)."""
        with self._lock:
            return self._idle

    def submit(self, fn: Callable[[Any], None], arg: Any) -> None:
        with self._lock:
            if self._idle > 0:
                self._idle -= 1
                self._jobs.put((fn, arg))
                return
        threading.Thread(target=self._serve, args=((fn, arg),), name=self._name,
                         daemon=True).start()

    def _serve(self, job: Job) -> None:
        while True:
            fn, arg = job
            try:
                fn(arg)
            except Exception:  # noqa: BLE001 - a handler's failure must not end the thread
                log.exception("handler thread: unexpected failure")
            with self._lock:
                self._idle += 1
            try:
                job = self._jobs.get(timeout=self._idle_seconds)
            except queue.Empty:
                with self._lock:
                    # A submit may have counted on this thread after the wait gave up.
                    if self._jobs.empty():
                        self._idle -= 1
                        return
                    job = self._jobs.get_nowait()
