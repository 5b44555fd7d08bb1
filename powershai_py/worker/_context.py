"""Per-invocation state handed to cmdlet handlers: messages, ShouldProcess answers, cancellation,
and the worker's lasting state (``state``, owned by the server)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ._state import WorkerState

__all__ = ["CmdletContext", "CmdletResult", "LastItem"]


@dataclass
class LastItem:
    """A stream item its handler knows to be the last: the reply says ``done`` at once, which
    spares PowerShell one more ``stream/next`` round trip per call."""

    value: Any


@dataclass
class CmdletResult:
    """What a handler returns: objects written at once, and an optional stream pulled one by one."""

    output: list[Any] = field(default_factory=list)  # JSON-ready values (already wire-encoded)
    stream: Iterator[Any] | None = None  # each item JSON-ready; pulled one per stream/next
    # True when the stream's next item is already at hand: the cmdlet reply then carries it,
    # sparing a stream/next round trip. Only consulted for clients that did not choose the stream
    # token; a client that did can close the stream before the reply, so the reply waits.
    ready: Callable[[], bool] | None = None


class CmdletContext:
    """One per cmdlet invocation; kept alive with its stream.

    Messages queued here (from any thread) are drained into the response of the request that is
    running when they are drained, in the order they were queued.
    """

    def __init__(
        self,
        *,
        name: str = "",
        dry_run: bool = False,
        approved: list[str] | None = None,
        state: WorkerState | None = None,
        cwd: str | None = None,
    ) -> None:
        self.name = name
        # PowerShell's current folder when the cmdlet ran: relative paths mean this, not the
        # worker's own folder.
        self.cwd = cwd if isinstance(cwd, str) and cwd else None
        # The server passes its own; a handler run on its own (a test) gets a fresh, empty one.
        self.state = state if state is not None else WorkerState()
        self.dry_run = dry_run
        self.approved = approved
        self.cancelled = threading.Event()
        self._messages: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def _queue(self, message: dict[str, Any]) -> None:
        with self._lock:
            self._messages.append(message)

    def warning(self, text: str) -> None:
        self._queue({"level": "warning", "text": text})

    def verbose(self, text: str) -> None:
        self._queue({"level": "verbose", "text": text})

    def progress(
        self,
        activity: str,
        status: str,
        percent: int = -1,
        id: int = 1,  # noqa: A002 - the name Write-Progress uses
        completed: bool = False,
    ) -> None:
        self._queue(
            {
                "level": "progress",
                "id": id,
                "activity": activity,
                "status": status,
                "percent": percent,
                "completed": completed,
            }
        )

    def refresh(self, obj: Any) -> None:
        """Give PowerShell the new state of a live object (wire-encoded) without writing it."""
        self._queue({"level": "refresh", "object": obj})

    def invoke(self, param: str, arg: Any) -> None:
        """Ask PowerShell to run the ScriptBlock bound to parameter ``param`` with ``arg``."""
        self._queue({"level": "invoke", "param": param, "arg": arg})

    def drain(self) -> list[dict[str, Any]]:
        """Take every queued message, oldest first."""
        with self._lock:
            messages, self._messages = self._messages, []
        return messages
