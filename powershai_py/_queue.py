"""Gradio's queue protocol for one session: ``POST {P}/queue/join`` + ``GET {P}/queue/data``.

Why: on Gradio 4 and 5 the /call route loses gr.State between calls and the text of a gr.Error
(docs/GRADIO-PROTOCOL.md 3.6, gotchas 2-3); the queue protocol keeps both, and also tells the
queue position, gr.Progress updates and gr.Info / gr.Warning logs.

One :class:`QueueChannel` per session. Each job is joined with the session's hash; one reader
thread keeps a single ``/queue/data`` stream open while jobs are pending (the server sends every
job of the session on it and closes it after ``close_stream``; a later job opens it again) and
routes each message by ``event_id`` to that job's :class:`QueueJob`. A job turns its messages into
the ``(event, data)`` pairs a :class:`~powershai_py._sse.StreamPump` buffers, in /call's shape:
``generating`` / ``complete`` with the full list of output values (diffs applied), ``error`` with
the server's output dict, ``heartbeat``, ``cut``; and the side information ``estimation``,
``process_starts``, ``progress``, ``log`` (see ``proto.STATUS_EVENTS``).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from . import _errors as err
from . import _protocol as proto
from ._http import drain
from ._protocol import QueueMessage
from ._sse import CUT, StreamPump, strict_data

if TYPE_CHECKING:
    from ._client import GradioClient

log = logging.getLogger("powershai_py.queue")

# Messages that arrive for an event id before its join has returned are kept this long.
MAX_ORPHAN_EVENTS = 64
MAX_ORPHAN_MESSAGES = 256
# A stream that closes at once while jobs are still pending is reopened this many times.
MAX_IDLE_REOPENS = 3

_GENERATING = QueueMessage.PROCESS_GENERATING.value
_COMPLETED = QueueMessage.PROCESS_COMPLETED.value
_SIDE_INFO = frozenset(m.value for m in (QueueMessage.ESTIMATION, QueueMessage.PROCESS_STARTS,
                                         QueueMessage.PROGRESS, QueueMessage.LOG))


# -- diffs (docs/GRADIO-PROTOCOL.md 4.3) ----------------------------------------------------------


def apply_diff(value: Any, ops: list[Any]) -> Any:
    """Apply one output's edit operations ``[action, path, value]``; never mutates ``value``."""
    for op in ops:
        action, path, arg = op[0], list(op[1] or []), op[2] if len(op) > 2 else None
        value = _edit(value, path, str(action), arg)
    return value


def _edit(target: Any, path: list[Any], action: str, arg: Any) -> Any:
    if not path:
        if action == "append":
            return target + arg if target is not None else arg
        if action == "delete":
            return None
        return arg  # replace (and add, which has no meaning without a path)
    key, rest = path[0], path[1:]
    if isinstance(target, list):
        container: Any = list(target)
    elif isinstance(target, dict):
        container = dict(target)
    else:
        raise ValueError(f"diff path {path!r} goes through a {type(target).__name__}")
    if rest:
        container[key] = _edit(container[key], rest, action, arg)
    elif action == "replace":
        container[key] = arg
    elif action == "append":
        container[key] = container[key] + arg
    elif action == "add":
        if isinstance(container, list):
            container.insert(int(key), arg)
        else:
            container[key] = arg
    elif action == "delete":
        del container[key]
    else:
        raise ValueError(f"unknown diff action {action!r}")
    return container


def apply_diffs(previous: list[Any], diffs: list[Any]) -> list[Any]:
    """Full output values from the previous ones and one ``process_generating``'s diffs."""
    if len(previous) != len(diffs):
        raise ValueError(f"{len(diffs)} diffs for {len(previous)} outputs")
    return [apply_diff(p, d if isinstance(d, list) else []) for p, d in zip(previous, diffs,
                                                                            strict=True)]


# -- one job ------------------------------------------------------------------------------------


class QueueJob:
    """The messages of one joined job, as /call-shaped ``(event, data)`` pairs."""

    def __init__(self, event_id: str, *, strip_error_quotes: bool = False) -> None:
        self.event_id = event_id
        self.detached = False
        self._strip_quotes = strip_error_quotes
        self._lock = threading.Lock()
        self._early: list[dict[str, Any]] = []  # messages that came before attach()
        self._pump: StreamPump | None = None
        self._values: list[Any] | None = None  # the last full output values

    def put(self, message: dict[str, Any]) -> None:
        """One message of this job (from the channel's reader thread)."""
        with self._lock:
            if self.detached:
                return
            if self._pump is None:
                self._early.append(message)
                return
            self._feed(self._pump, message)

    def attach(self, pump: StreamPump) -> None:
        """From now on this job's messages go straight into ``pump`` (a fed StreamPump)."""
        with self._lock:
            self._pump = pump
            early, self._early = self._early, []
            for message in early:
                self._feed(pump, message)

    def detach(self) -> None:
        """Stop delivering (the consumer went away)."""
        with self._lock:
            self.detached = True
            self._early.clear()

    def _feed(self, pump: StreamPump, message: dict[str, Any]) -> None:  # lock held
        pair = self.translate(message)
        if pair is not None:
            pump.feed(*pair)

    def translate(self, message: dict[str, Any]) -> tuple[str, Any] | None:
        """One queue message as a pair, or None for messages without meaning here."""
        kind = message.get("msg")
        if kind == _GENERATING:
            output = message.get("output")
            if not message.get("success", True):
                return proto.ERROR, self._error(output)
            values = output.get("data") if isinstance(output, dict) else None
            if self._values is not None and isinstance(values, list):
                try:
                    values = apply_diffs(self._values, values)
                except (ValueError, KeyError, IndexError, TypeError) as exc:
                    log.warning("cannot apply a diff of %s: %s", self.event_id, exc)
            self._values = values if isinstance(values, list) else None
            return proto.GENERATING, values
        if kind == _COMPLETED:
            output = message.get("output")
            if not message.get("success", False):
                return proto.ERROR, self._error(output)
            # success with no data (output {}) means the job was cancelled: /call says null.
            data = output.get("data") if isinstance(output, dict) else None
            return proto.COMPLETE, data
        if kind == QueueMessage.HEARTBEAT:
            return proto.HEARTBEAT, None
        if kind == CUT:
            return CUT, str(message.get("message"))
        if kind in _SIDE_INFO:
            return str(kind), {k: v for k, v in message.items() if k not in ("msg", "event_id")}
        return None

    def _error(self, output: Any) -> dict[str, Any]:
        data = dict(output) if isinstance(output, dict) else {"error": output}
        text = data.get("error")
        # Gradio 4 wraps a gr.Error's text in single quotes (gotcha 13).
        if (self._strip_quotes and isinstance(text, str) and len(text) >= 2
                and text[0] == text[-1] == "'"):
            data["error"] = text[1:-1]
        return data


# -- the session's channel ----------------------------------------------------------------------


class QueueChannel:
    """Joins a session's jobs and reads their messages from one ``/queue/data`` stream."""

    def __init__(self, client: GradioClient, session_hash: str, *,
                 strip_error_quotes: bool = False) -> None:
        self.client = client
        self.session_hash = session_hash
        self._strip_quotes = strip_error_quotes
        self._lock = threading.Lock()
        self._jobs: dict[str, QueueJob] = {}  # joined and not yet completed on the server
        self._orphans: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        # Jobs cut on our side while the server still runs them: their late messages are dropped.
        self._abandoned: OrderedDict[str, None] = OrderedDict()
        self._reader: threading.Thread | None = None
        self._token: str | None | bool = True
        self._closed = False
        self._idle_reopens = 0

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._jobs)

    def join(self, api_name: str, data: list[Any], *, token: str | None | bool = True
             ) -> QueueJob:
        """POST /queue/join and make sure the session's stream is being read."""
        fn_index = self.client.require_app().fn_index.get(api_name)
        if fn_index is None:
            raise err.ApiNotFound(f"Api name {api_name} has no dependency id for the queue")
        if self._closed:
            raise err.SessionError("The session is closed")
        event_id = self.client.queue_join(fn_index, data, self.session_hash, api_name=api_name,
                                          token=token)
        job = QueueJob(event_id, strip_error_quotes=self._strip_quotes)
        with self._lock:
            self._jobs[event_id] = job
            self._token = token
            for message in self._orphans.pop(event_id, []):
                self._deliver(job, message)
            self._ensure_reader()
        return job

    def close(self) -> None:
        """Cut every pending job; the reader ends when the client closes its socket."""
        with self._lock:
            self._closed = True
            jobs = list(self._jobs.values())
            self._jobs.clear()
        for job in jobs:
            job.put({"msg": CUT, "message": f"{err.STREAM_CUT}: the session was closed"})

    # -- reader (lock held where noted) ----------------------------------------------------------

    def _ensure_reader(self) -> None:  # lock held
        if self._reader is None and not self._closed and self._jobs:
            self._reader = threading.Thread(target=self._run, name="powershai-queue",
                                            daemon=True)
            self._reader.start()

    def _deliver(self, job: QueueJob, message: dict[str, Any]) -> None:  # lock held
        if message.get("msg") == _COMPLETED:
            self._jobs.pop(job.event_id, None)
        job.put(message)

    def _route(self, message: dict[str, Any]) -> None:
        event_id = message.get("event_id")
        with self._lock:
            if message.get("msg") == proto.HEARTBEAT:
                for job in self._jobs.values():
                    job.put(message)
                return
            found = self._jobs.get(str(event_id))
            if found is not None:
                self._deliver(found, message)
                return
            if not isinstance(event_id, str) or event_id in self._abandoned:
                return
            # The join of this event has not returned yet: keep its messages for join().
            kept = self._orphans.setdefault(event_id, [])
            if len(kept) < MAX_ORPHAN_MESSAGES:
                kept.append(message)
            while len(self._orphans) > MAX_ORPHAN_EVENTS:
                self._orphans.popitem(last=False)

    def _run(self) -> None:
        reason: str | None = None
        closed_by_server = False
        routed = False
        try:
            with self.client.open_queue_stream(self.session_hash, self._token) as events:
                for sse in events:
                    try:
                        message = strict_data(sse.event, sse.data)
                        if not isinstance(message, dict):
                            raise err.StreamInvalid(
                                f"the queue stream sent {sse.data[:80]!r}, not a message object")
                    except err.StreamInvalid as exc:
                        # Which job it was for is unknown: every pending one ends. The stream stays
                        # open: closing it would make Gradio drop every job of the session when it
                        # notices, including jobs joined after this one.
                        self._abandon_pending(str(exc))
                        continue
                    kind = message.get("msg")
                    if kind == QueueMessage.CLOSE_STREAM:
                        closed_by_server = True
                        drain(events)
                        break
                    if kind == QueueMessage.UNEXPECTED_ERROR:
                        text = message.get("message") or "unexpected error"
                        reason = f"{err.STREAM_CUT}: the queue stream failed: {text}"
                        break
                    routed = routed or kind != proto.HEARTBEAT
                    self._route(message)
        except err.PowershaiPyError as exc:  # the client maps httpx errors to ours
            reason = str(exc)
        except Exception as exc:  # noqa: BLE001 - a reader thread must report, never vanish
            log.exception("queue reader failed")
            reason = f"{err.STREAM_CUT}: {exc}"
        self._finish(reason, closed_by_server, routed)

    def _abandon_pending(self, reason: str) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
            self._jobs.clear()
            for job in jobs:
                self._abandoned[job.event_id] = None
            while len(self._abandoned) > MAX_ORPHAN_EVENTS * 4:
                self._abandoned.popitem(last=False)
        for job in jobs:
            job.put({"msg": CUT, "message": reason})

    def _finish(self, reason: str | None, closed_by_server: bool, routed: bool) -> None:
        with self._lock:
            self._reader = None
            if not self._jobs:
                self._idle_reopens = 0
                return
            if reason is None and closed_by_server and not self._closed:
                # A job joined while the server was closing the stream: read it on a new one.
                self._idle_reopens = 0 if routed else self._idle_reopens + 1
                if self._idle_reopens <= MAX_IDLE_REOPENS:
                    self._ensure_reader()
                    return
                reason = f"{err.STREAM_CUT}: the server keeps closing the queue stream"
            if reason is None:
                reason = f"{err.STREAM_CUT}: the server closed the queue stream before 'complete'"
            jobs = list(self._jobs.values())
            self._jobs.clear()
        for job in jobs:
            job.put({"msg": CUT, "message": reason})
