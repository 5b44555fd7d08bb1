"""A Gradio call and its results, with PowerShai's semantics.

``GradioApiEvent`` is one /call event (PowerShai's GradioApiEvent); ``SessionApiEvent`` is that
event as a session records it; ``ApiEventResult`` is one message of its stream
(PowerShai's GradioApiEventResult).
"""

from __future__ import annotations

import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING, Any

from . import _errors as err
from . import _protocol as proto
from ._sse import CUT, RawMessage, StreamPump, sse_pairs

if TYPE_CHECKING:
    from ._client import GradioClient

Warn = Callable[[str], None]
ResultHook = Callable[["ApiEventResult"], None]
ValueHook = Callable[[Any], Any]
# Called with (kind, info) for queue side information: kind is one of proto.STATUS_EVENTS.
StatusHook = Callable[[str, dict[str, Any]], None]


class PowershaiPyWarning(UserWarning):
    """Warnings PowerShai wrote with Write-Warning (completed events, MaxCalls, ...)."""


def default_warn(text: str) -> None:
    """Warn through :mod:`warnings`, pointing at the first caller outside this package (the
    user's line, however deep the generators that led here)."""
    level = 2
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("powershai_py"):
        frame, level = frame.f_back, level + 1
    warnings.warn(text, PowershaiPyWarning, stacklevel=level)


@dataclass
class ApiEventResult:
    """One server-sent message: ``num`` (1, 2, ...), ``ts`` (local time), ``event``, ``data``."""

    num: int
    ts: datetime
    event: str
    data: Any


@dataclass
class GradioApiEvent:
    """One call (on the /call route or the queue) and everything its stream has told us so far.

    Queue jobs also tell side information, kept here and passed to update()'s ``status_hook``
    as it is read: ``QueueRank`` (0 = next), ``QueueSize``, ``Eta`` (seconds), ``Progress``
    (the last gr.Progress ``progress_data``), ``Logs`` (every gr.Info / gr.Warning:
    ``{level, log, ...}``).
    """

    EventId: str
    api_name: str
    client: GradioClient = field(repr=False)
    SessionHash: str | None = None
    req: dict[str, Any] = field(default_factory=dict)
    token: str | None | bool = field(default=True, repr=False)
    Status: str | None = None
    LastQueryStatus: str | None = None
    LastEventNum: int = 0
    error: Any = None
    # Set by GradioSession.cancel: the call's end is then reported as "cancelled", not "complete".
    cancel_requested: bool = field(default=False, repr=False)
    data: list[Any] = field(default_factory=list)
    events: list[ApiEventResult] = field(default_factory=list)
    value_hook: ValueHook | None = field(default=None, repr=False)
    QueueRank: int | None = None
    QueueSize: int | None = None
    Eta: float | None = None
    Progress: list[dict[str, Any]] = field(default_factory=list)
    Logs: list[dict[str, Any]] = field(default_factory=list)
    # Where the messages come from when not the /call stream: a queue job, which feeds a
    # thread-less pump (QueueJob.attach); and what to run when the reading stops.
    source: Callable[[StreamPump], None] | None = field(default=None, repr=False)
    on_close: Callable[[], None] | None = field(default=None, repr=False)
    # The whole-call limit: a monotonic time (from the invoke) and the limit in seconds it came
    # from. Only messages that end the call stop the clock: heartbeats and partials do not.
    deadline: float | None = field(default=None, repr=False)
    call_limit: float | None = field(default=None, repr=False)
    # Asks the server to cancel the job when the whole-call limit passes (the session sets it):
    # giving up on reading alone would leave a model running there for nobody.
    on_timeout: Callable[[], None] | None = field(default=None, repr=False)
    _pump: StreamPump | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def finished(self) -> bool:
        return self.Status in (proto.COMPLETE, proto.CANCELLED)

    def update(
        self,
        *,
        max_heartbeats: int | None = None,
        history: bool = False,
        callback: ResultHook | None = None,
        cancel: threading.Event | None = None,
        warn: Warn = default_warn,
        status_hook: StatusHook | None = None,
    ) -> Iterator[ApiEventResult]:
        """Yield the stream's messages as they arrive, until ``complete``/``error``.

        ``max_heartbeats`` stops after that many heartbeats in a row (LastQueryStatus becomes
        ``HeartBeatExpired``); a later update continues the same stream. ``history`` keeps every
        result in ``events`` and every payload in ``data``. ``cancel`` stops waiting without
        losing the message being waited for. ``status_hook(kind, info)`` sees the queue's side
        information as it is read (kind: one of ``proto.STATUS_EVENTS``).
        """
        if self.finished:
            # Never GET a finished event again: Gradio would answer with heartbeats forever.
            warn(f"Event already completed: {self.EventId}")
            return
        pump = self._ensure_pump()
        self.LastQueryStatus = proto.QUERY_RUNNING
        heartbeats = 0
        while True:
            message = self._take_in_time(pump, cancel)
            if message is None:
                if (cancel is not None and cancel.is_set()) or not pump.finished or self.finished:
                    return
                # The reader ended without a last word (closed session, dropped reader): say so
                # with an error result rather than ending silently.
                text = f"{err.STREAM_CUT}: the stream ended before 'complete'"
                message = RawMessage(CUT, text, datetime.now().astimezone())
            if message.event in proto.STATUS_EVENTS:
                self._status(message, status_hook)
                continue
            result = self._apply(message, history)
            if result.event == proto.ERROR and message.event != CUT:
                # A crash keeps PowerShai's result shape (an "error" result) but is not silent.
                warn(app_error_warning(self.api_name, self.error))
            if callback is not None:
                callback(result)
            yield result
            if result.event == proto.HEARTBEAT:
                heartbeats += 1
                if max_heartbeats and heartbeats >= max_heartbeats:
                    self.LastQueryStatus = proto.QUERY_HEARTBEAT_EXPIRED
                    return
            else:
                heartbeats = 0
            if self.finished:  # _apply saw the terminal message
                return

    def _take_in_time(self, pump: StreamPump, cancel: threading.Event | None
                      ) -> RawMessage | None:
        """The next message, or a ``cut`` with CallTimeout once the whole-call limit passed."""
        deadline = self.deadline
        if deadline is None:
            return pump.take(cancel)
        message = None if time.monotonic() >= deadline else pump.take(cancel, deadline=deadline)
        if message is not None or (cancel is not None and cancel.is_set()) or pump.finished:
            return message
        # Stop reading (the socket closes, a queue job leaves the session's channel): the call
        # is over for us, whatever the server still sends; and ask the server to stop it.
        pump.close()
        if self.on_timeout is not None:
            self.on_timeout()
        text = (f"{err.CallTimeout.error_id}: the call to {self.api_name} did not end within "
                f"its {self.call_limit:g} s limit (CallTimeoutSec)")
        return RawMessage(CUT, text, datetime.now().astimezone())

    def results(self, **kwargs: Any) -> list[ApiEventResult]:
        """Read the whole stream and return its results (convenience for scripts)."""
        return list(self.update(**kwargs))

    def settle(self) -> None:
        """Read the stream to its end in the background buffer (results stay for update())."""
        self._ensure_pump().wait_settled(self.deadline)

    def close(self) -> None:
        if self._pump is not None:
            self._pump.close()
        elif self.on_close is not None:
            self.on_close()

    def start_reading(self) -> None:
        """Read the stream in the background from now on, so results wait in the buffer.

        Gradio holds a /call result until it is read anyway; reading it as soon as the call is
        made hides that round trip behind whatever the caller does before update().
        """
        if not self.finished:
            self._ensure_pump()

    def ready(self) -> bool:
        """True when update() would hand out its next result without waiting."""
        pump = self._pump
        return pump is not None and pump.has_news()

    def _ensure_pump(self) -> StreamPump:
        with self._lock:
            if self._pump is None:
                client, api, event_id, token = self.client, self.api_name, self.EventId, self.token
                if self.source is not None:
                    self._pump = StreamPump.fed(on_close=self.on_close)
                    self.source(self._pump)
                else:
                    opener = sse_pairs(lambda: client.open_stream(api, event_id, token))
                    self._pump = StreamPump(opener, on_close=self.on_close)
                    self._pump.start()
            return self._pump

    def _apply(self, message: RawMessage, history: bool) -> ApiEventResult:
        with self._lock:
            self.LastEventNum += 1
            event, data = message.event, message.data
            if event == CUT:
                self._end_cut(str(data))
                event, data = proto.ERROR, {"error": str(data)}
            elif event in (proto.GENERATING, proto.COMPLETE) and self.value_hook is not None:
                data = self.value_hook(data)
            result = ApiEventResult(self.LastEventNum, message.received, event, data)
            if event in proto.TERMINAL_EVENTS:
                self.Status = proto.CANCELLED if self.cancel_requested else proto.COMPLETE
            else:
                self.Status = event
            if event == proto.ERROR and self.error is None:
                self.error = error_text(data)
            if self.finished and self.LastQueryStatus != proto.QUERY_STREAM_CUT:
                self.LastQueryStatus = proto.QUERY_COMPLETE
            if history:
                self.events.append(result)
                if event in (proto.GENERATING, proto.COMPLETE):
                    self.data.append(data)
            return result

    def _status(self, message: RawMessage, hook: StatusHook | None) -> None:
        info: dict[str, Any] = message.data if isinstance(message.data, dict) else {}
        with self._lock:
            if message.event == proto.ESTIMATION:
                self.QueueRank = _int_or_none(info.get("rank"))
                self.QueueSize = _int_or_none(info.get("queue_size"))
                self.Eta = _float_or_none(info.get("rank_eta"))
            elif message.event == proto.PROCESS_STARTS:
                self.QueueRank = None
                self.Eta = _float_or_none(info.get("eta"))
            elif message.event == proto.PROGRESS:
                data = info.get("progress_data")
                self.Progress = [p for p in data if isinstance(p, dict)] if isinstance(
                    data, list) else []
            elif message.event == proto.LOG:
                self.Logs.append(dict(info))
        if hook is not None:
            hook(message.event, info)

    def _end_cut(self, text: str) -> None:
        self.Status = proto.COMPLETE
        self.LastQueryStatus = proto.QUERY_STREAM_CUT
        self.error = text


def error_text(data: Any) -> str:
    """The readable text of an error event's data, as PowerShai keeps it in ``ApiEvent.error``:
    the server's message, or ``"UnknownError"`` when it sent none (an app launched without
    ``show_error=True`` hides the reason of a crash)."""
    if isinstance(data, dict):
        data = data.get("error")
    if isinstance(data, str) and data.strip():
        return data
    return proto.UNKNOWN_ERROR


def app_error_warning(api_name: str, error: Any) -> str:
    """What the user is told when the app answered a call with an error."""
    if error == proto.UNKNOWN_ERROR or not error:
        return (f"The app failed on {api_name} without saying why: the server hides error "
                "messages unless the app is launched with show_error=True (or raises gr.Error).")
    return f"The app failed on {api_name}: {error}"


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None


def _float_or_none(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


@dataclass
class SessionApiEvent:
    """A call as a session records it (PowerShai's SessionApiEvent)."""

    id: str
    ApiEvent: GradioApiEvent
    Received: int = 0
    LastReceivedIndex: int = 0

    def update(self, **kwargs: Any) -> Iterator[ApiEventResult]:
        for result in self.ApiEvent.update(**kwargs):
            self.Received += 1
            self.LastReceivedIndex = result.num
            yield result

    def results(self, **kwargs: Any) -> list[ApiEventResult]:
        return list(self.update(**kwargs))
