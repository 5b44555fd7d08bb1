"""StreamPump: reads one event's messages on a background thread.

Why a thread: a consumer must see partial 1 before the server produces partial 2, must be able
to stop reading (Ctrl+C, ``Select-Object -First 1``) and continue later on the same stream, and
must never block another event's stream. The pump reads as messages arrive into a small bounded
buffer (backpressure keeps memory flat on long streams); consumers take from it.

The pump reads ``(event, data)`` pairs from any source (a ``PairOpener``): :func:`sse_pairs` makes
one from a /call SSE stream; the queue protocol (``_queue.py``) feeds one per job.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx_sse

from . import _errors as err
from . import _protocol as proto
from ._http import drain

log = logging.getLogger("powershai_py.sse")

StreamOpener = Callable[[], AbstractContextManager[Iterator[httpx_sse.ServerSentEvent]]]
Pairs = Iterator[tuple[str, Any]]
PairOpener = Callable[[], AbstractContextManager[Pairs]]


@dataclass
class RawMessage:
    """One message off the wire (``event`` is ``cut`` when the stream broke before its end)."""

    event: str
    data: Any
    received: datetime


CUT = "cut"
_ENDS = proto.TERMINAL_EVENTS | {CUT}


def sse_pairs(opener: StreamOpener) -> PairOpener:
    """A pair source over an SSE stream: ``(sse.event, JSON-decoded sse.data)``.

    Gradio writes JSON in every ``data`` (``null`` at least): anything else (text, an empty
    ``data`` line) is not its protocol, and ends the stream with StreamInvalid rather than
    becoming a result.
    """

    @contextlib.contextmanager
    def open_pairs() -> Iterator[Pairs]:
        last: list[str] = [""]

        def pairs(events: Iterator[httpx_sse.ServerSentEvent]) -> Pairs:
            for sse in events:
                last[0] = sse.event
                yield sse.event, strict_data(sse.event, sse.data)

        with opener() as events:
            yield pairs(events)
            if last[0] in proto.TERMINAL_EVENTS:
                drain(events)

    return open_pairs


class StreamPump:
    """Buffers the pairs of one source; ends after ``complete``/``error``/``cut`` or its end.

    ``on_close`` runs when :meth:`close` is called (a source that waits on something other than
    a socket uses it to wake its reader up).
    """

    def __init__(self, opener: PairOpener, *, max_buffered: int = 256,
                 on_close: Callable[[], None] | None = None) -> None:
        self._opener = opener
        self._on_close = on_close
        self._max = max_buffered
        self._buffer: collections.deque[RawMessage] = collections.deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False
        self._fed = False  # see fed()
        self.finished = False  # the reader thread has ended (terminal message or cut)

    @classmethod
    def fed(cls, *, on_close: Callable[[], None] | None = None) -> StreamPump:
        """A pump without a reader thread of its own: a producer calls :meth:`feed` (a ``cut`` or a
        terminal message ends it).

        For queue jobs, whose messages already arrive on the session's reader thread: a thread per
        job would only move them from one buffer to another, and on a busy machine every extra
        thread hop costs a wake-up.
        """
        pump = cls(_no_source, on_close=on_close)
        pump._fed = True
        return pump

    def feed(self, event: str, data: Any) -> None:
        """Add one message (fed pumps). Never blocks: one producer serves a whole session."""
        with self._cond:
            if self._closing or self.finished:
                return
            self._buffer.append(RawMessage(event, data, datetime.now().astimezone()))
            if event in _ENDS:
                self.finished = True
            self._cond.notify_all()

    def start(self) -> None:
        with self._cond:
            if self._thread is None and not self._fed:
                self._thread = threading.Thread(target=self._run, name="powershai-sse", daemon=True)
                self._thread.start()

    def close(self) -> None:
        """Stop reading (the socket closes when the reader next wakes up)."""
        with self._cond:
            self._closing = True
            if self._fed:  # no reader thread will end it: nothing more comes
                self.finished = True
            self._cond.notify_all()
        if self._on_close is not None:
            self._on_close()

    def has_news(self) -> bool:
        """True when ``take`` would not wait (a message is buffered, or the reader has ended)."""
        with self._cond:
            return bool(self._buffer) or self.finished

    def wait_settled(self, deadline: float | None = None) -> None:
        """Wait until the stream has ended or the buffer is full (then waiting more would hang),
        or until the monotonic ``deadline`` (a call's whole-call limit) has passed."""
        with self._cond:
            while not self.finished and len(self._buffer) < self._max and not self._closing:
                if deadline is not None and time.monotonic() >= deadline:
                    return
                self._cond.wait(_wait_for(1.0, deadline))

    def take(self, cancel: threading.Event | None = None,
             poll: float = 0.1, deadline: float | None = None) -> RawMessage | None:
        """The next message, waiting as long as needed; None once ``cancel`` is set or the
        monotonic ``deadline`` has passed.

        The message is removed from the buffer only when it is handed out, so a cancelled
        consumer loses nothing: the next ``take`` gets it.
        """
        with self._cond:
            while not self._buffer:
                if cancel is not None and cancel.is_set():
                    return None
                if self.finished and not self._buffer:
                    return None
                if deadline is not None and time.monotonic() >= deadline:
                    return None
                self._cond.wait(_wait_for(poll if cancel is not None else 1.0, deadline))
            if cancel is not None and cancel.is_set():
                return None
            message = self._buffer.popleft()
            self._cond.notify_all()
            return message

    def _put(self, message: RawMessage) -> bool:
        with self._cond:
            while len(self._buffer) >= self._max and not self._closing:
                self._cond.wait(1.0)
            if self._closing:
                return False
            self._buffer.append(message)
            self._cond.notify_all()
            return True

    def _run(self) -> None:
        try:
            self._read()
        except err.PowershaiPyError as exc:  # the client maps httpx errors to ours
            self._put(RawMessage(CUT, str(exc), datetime.now().astimezone()))
        except Exception as exc:  # noqa: BLE001 - a reader thread must report, never vanish
            log.exception("stream reader failed")
            self._put(RawMessage(CUT, f"{err.STREAM_CUT}: {exc}", datetime.now().astimezone()))
        finally:
            with self._cond:
                self.finished = True
                self._cond.notify_all()

    def _read(self) -> None:
        with self._opener() as pairs:
            for event, data in pairs:
                if not self._put(RawMessage(event, data, datetime.now().astimezone())):
                    return
                if event in _ENDS:
                    return
        text = f"{err.STREAM_CUT}: the server closed the stream before 'complete'"
        self._put(RawMessage(CUT, text, datetime.now().astimezone()))


def _wait_for(longest: float, deadline: float | None) -> float:
    """How long one wait may last: ``longest``, or less when a deadline comes first."""
    if deadline is None:
        return longest
    return max(0.0, min(longest, deadline - time.monotonic()))


@contextlib.contextmanager
def _no_source() -> Iterator[Pairs]:
    yield iter(())


def decode_data(text: str) -> Any:
    """Lenient: None for an empty text, the text itself when it is not JSON."""
    if text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def strict_data(event: str, text: str) -> Any:
    """The JSON value of one SSE ``data``; StreamInvalid when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        shown = text[:80] if text else "an empty data line (a 'data' line without ':'?)"
        raise err.StreamInvalid(
            f"the server sent {shown!r} as the data of a {event!r} event, which is not JSON"
        ) from None
