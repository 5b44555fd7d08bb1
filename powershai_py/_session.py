"""GradioSession: PowerShai's session over one app (calls registry, MaxCalls, uploads, files)."""

from __future__ import annotations

import fnmatch
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

import httpx

from . import _errors as err
from . import _files as files
from . import _protocol as proto
from ._auth import resolve_token
from ._client import AppInfo, GradioClient
from ._events import GradioApiEvent, SessionApiEvent, Warn, default_warn
from ._options import POOL_TIMEOUT, PROTOCOLS, UNSET, SessionOptions, Unset
from ._predict import final_value, merge_params
from ._queue import QueueChannel

log = logging.getLogger("powershai_py")


class GradioSession:
    """One app, its calls and its uploads.

    Create with a URL, then :meth:`connect` (network I/O happens there, never in ``__init__``)::

        session = GradioSession("http://127.0.0.1:7860").connect()
        call = session.invoke("echo", ["hi"])
        for result in call.update():
            print(result.event, result.data)
    """

    version = 1

    def __init__(
        self,
        app_url: str,
        *,
        name: str | None = None,
        download_path: str | None = None,
        token: str | None = None,
        client: GradioClient | None = None,
        connect_timeout: float | None | Unset = UNSET,
        read_timeout: float | None | Unset = UNSET,
        call_timeout: float | None = None,
    ) -> None:
        self.SessionId = str(uuid.uuid4())
        self.client = client or GradioClient(app_url, token=resolve_token(token))
        self._name = name
        self.DownloadPath = os.path.abspath(download_path) if download_path else None
        self.options = SessionOptions()
        if client is not None:
            # A client built with its own timeout= keeps it unless a limit is given here.
            given = client.timeouts()
            self.options.ConnectTimeoutSec = given.connect
            self.options.ReadTimeoutSec = given.read
        if not isinstance(connect_timeout, Unset):
            self.options.ConnectTimeoutSec = connect_timeout
        if not isinstance(read_timeout, Unset):
            self.options.ReadTimeoutSec = read_timeout
        self.options.CallTimeoutSec = call_timeout
        self.client.timeout_source = self._timeouts
        self.uploads: dict[str, dict[str, Any]] = {}
        self.calls: OrderedDict[str, SessionApiEvent] = OrderedDict()
        # One hash per session: Gradio 6 keeps gr.State per session_hash on /call.
        self.session_hash = uuid.uuid4().hex
        self._lock = threading.RLock()
        self._downloader: files.Downloader | None = None
        self._last_stateful: GradioApiEvent | None = None
        self._queue: QueueChannel | None = None

    def _timeouts(self) -> httpx.Timeout:
        """The HTTP limits of the session's options, read at each request (so a change holds)."""
        read = self.options.ReadTimeoutSec
        return httpx.Timeout(connect=self.options.ConnectTimeoutSec, read=read, write=read,
                             pool=POOL_TIMEOUT)

    # -- identity ---------------------------------------------------------------------------

    @property
    def app(self) -> AppInfo:
        return self.client.require_app()

    @property
    def AppUrl(self) -> str:  # noqa: N802 - PowerShai's property name
        return self.app.api_root

    @property
    def name(self) -> str:
        return self._name or self.AppUrl

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    @property
    def info(self) -> dict[str, Any]:
        return self.app.info

    def __str__(self) -> str:
        return self.name

    def connect(self, *, username: str | None = None, password: str | None = None,
                disable_retry: bool = False) -> GradioSession:
        """Log in when credentials are given, then discover the app (/config, /info)."""
        if username is not None:
            self.client.login(username, password or "")
        self.client.discover(disable_retry=disable_retry)
        return self

    def submit(self, api_name: str, *args: Any, **kwargs: Any) -> SessionApiEvent:
        """Start a call with values by position and by name; iterate ``call.update()`` for its
        results as they arrive, or pass it to :func:`final_value`."""
        return self.invoke(api_name, merge_params(self, api_name, args, kwargs))

    def predict(self, api_name: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``api_name`` and return its final value: one output as itself, several as a
        tuple. Raises :class:`AppError` with the app's message when the app fails."""
        return final_value(self.submit(api_name, *args, **kwargs))

    def __enter__(self) -> GradioSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        app = self.client.app  # no network I/O: only what discovery already learnt
        if app is None:
            return f"<GradioSession {self._name or self.client.base_url!r} (not connected)>"
        named = f" {self._name!r}" if self._name else ""
        version = f" Gradio {app.version}" if app.version else ""
        return f"<GradioSession{named} {app.api_root}{version}, {len(self.calls)} calls>"

    def close(self) -> None:
        """Stop reading every call, close the queue stream and the HTTP connections."""
        for call in self.calls.values():
            call.ApiEvent.close()
        if self._queue is not None:
            self._queue.close()
        self.client.close()

    def matches(self, pattern: str) -> bool:
        pat = pattern.lower()
        return fnmatch.fnmatchcase(self.name.lower(), pat) or fnmatch.fnmatchcase(
            self.AppUrl.lower(), pat)

    # -- endpoints and params ---------------------------------------------------------------

    def endpoint_names(self) -> list[str]:
        names = [k.lstrip("/") for k in self.info.get("named_endpoints", {})]
        hidden = [n for n in self.app.fn_index if n not in names]
        return names + hidden

    def endpoint(self, api_name: str) -> dict[str, Any] | None:
        found = self.info.get("named_endpoints", {}).get("/" + api_name)
        return found if isinstance(found, dict) else None

    def _check_api(self, api_name: str) -> None:
        if self.endpoint(api_name) is None and api_name not in self.app.fn_index:
            valid = ", ".join(self.endpoint_names())
            raise err.ApiNotFound(f"Api name {api_name} not found. Valid names: {valid}")

    def build_data(self, api_name: str, params: Any) -> list[Any]:
        """Positional data for /call: lists as given, dicts mapped by /info parameter names."""
        parameters = (self.endpoint(api_name) or {}).get("parameters", [])
        if params is None:
            values: list[Any] = []
        elif isinstance(params, Mapping):
            values = self._map_named(api_name, parameters, params)
        elif isinstance(params, (list, tuple)):
            values = list(params)
        else:
            values = [params]
        values = [self._file_value(parameters[i], v) if i < len(parameters) else v
                  for i, v in enumerate(values)]
        return self._with_state_slots(api_name, values, len(parameters))

    def _map_named(self, api_name: str, parameters: list[dict[str, Any]],
                   params: Mapping[str, Any]) -> list[Any]:
        names = [str(p.get("parameter_name") or p.get("label")) for p in parameters]
        lowered = {n.lower(): i for i, n in enumerate(names)}
        unknown = [k for k in params if str(k).lower() not in lowered]
        if unknown:
            raise err.InvalidParams(
                f"Unknown parameter {unknown[0]!r} for {api_name}. Valid names: {', '.join(names)}"
            )
        values: list[Any] = []
        given = {lowered[str(k).lower()]: v for k, v in params.items()}
        for i, parameter in enumerate(parameters):
            if i in given:
                values.append(given[i])
            elif parameter.get("parameter_has_default"):
                values.append(parameter.get("parameter_default"))
            else:
                values.append(None)
        return values

    def _with_state_slots(self, api_name: str, values: list[Any], visible: int) -> list[Any]:
        """Gradio 4 and 5 want a null for each gr.State input that /info does not list."""
        slots = self.app.state_slots.get(api_name)
        if not slots or not any(slots) or len(values) != visible:
            return values
        it = iter(values)
        return [None if is_state else next(it, None) for is_state in slots]

    def _file_value(self, parameter: dict[str, Any], value: Any) -> Any:
        if value is None or not parameter or not proto.is_file_schema(parameter):
            return value
        if isinstance(value, list):
            return [self._file_value(parameter, v) for v in value]
        return self.file_data(value)

    # -- files ------------------------------------------------------------------------------

    def file_data(self, value: Any) -> dict[str, Any]:
        """A local path (uploaded once, recorded in ``uploads``), URL or FileData, as FileData."""
        if isinstance(value, Mapping):
            return files.with_meta(dict(value))
        if files.is_url(value):
            return files.file_data_from_url(str(value))
        path = os.path.abspath(os.fspath(value))
        with self._lock:
            if path in self.uploads:
                return self.uploads[path]
        if not os.path.isfile(path):
            raise err.FileNotFoundForUpload(f"File not found: {value}")
        server_path = self.client.upload([path])[0]
        fd = files.file_data_from_server_path(self.AppUrl, server_path, os.path.basename(path))
        with self._lock:
            self.uploads[path] = fd
        return fd

    def update_uploads(self, entries: Mapping[str, dict[str, Any] | None], *,
                       replace: bool = False) -> None:
        """Change the record of files already sent (local path -> FileData): a None value
        forgets that path, so its next use uploads it again; ``replace`` starts from empty."""
        with self._lock:
            if replace:
                self.uploads.clear()
            for path, data in entries.items():
                if data is None:
                    self.uploads.pop(path, None)
                else:
                    self.uploads[path] = data

    def send_files(self, values: Iterable[Any]) -> list[dict[str, Any]]:
        """PowerShai's Send-GradioSessionFiles."""
        return [self.file_data(v) for v in values]

    def _fix_result_files(self, value: Any) -> Any:
        def fix(fd: dict[str, Any]) -> dict[str, Any]:
            fixed = dict(fd)
            if isinstance(fixed.get("path"), str):
                fixed["url"] = proto.file_url(self.AppUrl, fixed["path"])
            if self.DownloadPath:
                fixed["local_path"] = self._get_downloader().save(fixed)
            return fixed

        return files.map_file_data(value, fix)

    def _get_downloader(self) -> files.Downloader:
        with self._lock:
            if self._downloader is None:
                assert self.DownloadPath is not None
                self._downloader = files.Downloader(self.client, self.DownloadPath)
            return self._downloader

    # -- calls ------------------------------------------------------------------------------

    def invoke(
        self,
        api_name: str,
        params: Any = None,
        *,
        event_id: str | None = None,
        token: str | None = None,
        warn: Warn = default_warn,
        **named: Any,
    ) -> SessionApiEvent:
        """Start a call (or attach to ``event_id``) and record it in the session.

        ``params`` is a list (positional values) or a dict (by /info parameter name); keyword
        arguments are parameters by name too: ``invoke("tell", topic="tea")``.
        """
        if named:
            if params is not None and not isinstance(params, dict):
                raise err.InvalidParams("give values as a list or by name, not both")
            params = {**(params or {}), **named}
        api = str(api_name or "").lstrip("/")
        if not api:
            raise err.ApiNotFound("Api name is empty. Valid names: " + ", ".join(
                self.endpoint_names()))
        self._check_api(api)
        self._enforce_max_calls(warn)
        call_token: str | None | bool = True if token is None else resolve_token(token) or False
        limit = self.options.CallTimeoutSec
        deadline = None if limit is None else time.monotonic() + limit
        event = None
        if event_id is None and self._uses_queue(api):
            try:
                event = self._join_queue(api, params, call_token)
            except err.GradioConnectionError as exc:
                # A server with /call but no queue routes: take /call from now on, unless the
                # user asked for the queue.
                if exc.status != 404 or self._protocol() != "auto":
                    raise
                self.app.queue_routes = False
        if event is None:
            event = self._submit_call(api, params, event_id, call_token)
        event.deadline, event.call_limit = deadline, limit
        if limit is not None:
            event.on_timeout = partial(self._cancel_in_background, event)
        event.start_reading()
        hash_ = event.SessionHash
        call = SessionApiEvent(id=event.EventId, ApiEvent=event)
        with self._lock:
            self.calls[call.id] = call
            if hash_ is not None and (event.source is None or self._is_stateful(api)):
                self._last_stateful = event
        return call

    def _submit_call(self, api: str, params: Any, event_id: str | None,
                     token: str | None | bool) -> GradioApiEvent:
        """The /call route (or attach to an existing /call event)."""
        hash_ = self._session_hash_for(api)
        if hash_ is not None:
            self._settle_previous_stateful_call()
        data: list[Any] = []
        if event_id is None:
            data = self.build_data(api, params)
            event_id = self.client.submit(api, data, session_hash=hash_, token=token)
        return GradioApiEvent(
            EventId=str(event_id), api_name=api, client=self.client, SessionHash=hash_,
            req={"api_name": api, "data": data, "url": self.AppUrl}, token=token,
            value_hook=self._fix_result_files,
        )

    def _join_queue(self, api: str, params: Any, token: str | None | bool) -> GradioApiEvent:
        """The queue protocol: the session's hash, read on the session's one queue stream."""
        # A stateful /call of Gradio 6 reads the same per-hash message queue, and a stateful job
        # must see the state its predecessor left: let the previous one end first.
        previous = self._last_stateful
        if previous is not None and (previous.source is None or self._is_stateful(api)):
            self._settle_previous_stateful_call()
        data = self.build_data(api, params)
        job = self._queue_channel().join(api, data, token=token)
        return GradioApiEvent(
            EventId=job.event_id, api_name=api, client=self.client,
            SessionHash=self.session_hash,
            req={"api_name": api, "data": data, "url": self.AppUrl},
            token=token, value_hook=self._fix_result_files, source=job.attach,
            on_close=job.detach,
        )

    def _is_stateful(self, api_name: str) -> bool:
        return any(self.app.state_slots.get(api_name, []))

    def _uses_queue(self, api_name: str) -> bool:
        """Which route a new call takes (``options.Protocol``)."""
        protocol = self._protocol()
        if protocol == "call" or api_name not in self.app.fn_index:
            return False
        if protocol == "queue":
            return True
        return self.app.queue_routes and api_name not in self.app.unqueued

    def _protocol(self) -> str:
        protocol = str(self.options.Protocol or "auto").lower()
        if protocol not in PROTOCOLS:
            raise err.InvalidArgument(
                f"Protocol must be one of {', '.join(PROTOCOLS)}, not {self.options.Protocol!r}")
        return protocol

    def _queue_channel(self) -> QueueChannel:
        with self._lock:
            if self._queue is None:
                self._queue = QueueChannel(self.client, self.session_hash,
                                           strip_error_quotes=self.app.major == 4)
            return self._queue

    def _session_hash_for(self, api_name: str) -> str | None:
        """The session's hash, sent only where it buys something.

        Gradio 6 keeps gr.State per session_hash on /call (4 and 5 then lose the stream). Calls
        sharing a hash also share one message queue on the server, so overlapping calls of a
        stateless endpoint would read each other's messages: those get no hash.
        """
        if self.app.major < 6 or not self._is_stateful(api_name):
            return None
        return self.session_hash

    def _settle_previous_stateful_call(self) -> None:
        """Let the previous stateful call end before the next one is submitted.

        Gradio 6 serves every event of a session_hash from one queue, and reading one event's
        stream to its end closes that queue: a second stateful call submitted meanwhile would get
        '404: Not Found'. State calls are sequential by nature (call n+1 sees the state of call
        n), so we read the previous one's stream into its buffer first; its results stay there
        for the user's own update(). Through the queue (4, 5) two stateful jobs running at once
        would both start from the same state, so they wait the same way.
        """
        previous = self._last_stateful
        if previous is not None and not previous.finished:
            previous.settle()

    def _enforce_max_calls(self, warn: Warn) -> None:
        with self._lock:
            limit, policy = self.options.MaxCalls, self.options.MaxCallsPolicy.lower()
            if limit is None or len(self.calls) < int(limit):
                return
            if policy == "error":
                raise err.MaxCallsReached(
                    f"The session {self.name} has reached its MaxCalls ({limit}). "
                    "Remove calls with Remove-GradioSessionApi or raise the limit."
                )
            if policy == "remove":
                while self.calls and len(self.calls) >= int(limit):
                    _, oldest = self.calls.popitem(last=False)
                    oldest.ApiEvent.close()
                return
            warn(f"The session {self.name} has {len(self.calls)} calls (MaxCalls {limit}).")

    def get_call(self, ref: Any) -> SessionApiEvent:
        """A call by id, by its SessionApiEvent or GradioApiEvent object."""
        key = ref.id if isinstance(ref, SessionApiEvent) else (
            ref.EventId if isinstance(ref, GradioApiEvent) else str(ref))
        with self._lock:
            found = self.calls.get(key)
        if found is None:
            raise err.EventNotFound(f"Event {key} not found in session {self.name}")
        return found

    def remove_calls(self, target: Any = None, *, force: bool = False,
                     eligible_only: bool = False) -> list[SessionApiEvent]:
        """PowerShai's Remove-GradioSessionApi: ``clean`` (completed), ``all``, or one call."""
        with self._lock:
            if target is None or (isinstance(target, str) and target.lower() in ("clean", "all")):
                # Without force only finished calls go; force takes running ones too.
                candidates = list(self.calls.values())
            else:
                candidates = [self.get_call(target)]
            chosen = [c for c in candidates if force or c.ApiEvent.finished]
            if not eligible_only:
                self._forget(chosen)
            return chosen

    def keep_calls(self, ids: Iterable[str]) -> None:
        """What assigning ``ApiCalls`` does (PowerShai's hashtables were the session's memory of
        its calls): the calls not named are forgotten, running or not, which frees MaxCalls.
        Naming a call this session does not have is an error, and then nothing changes."""
        wanted = set(ids)
        with self._lock:
            unknown = sorted(wanted - self.calls.keys())
            if unknown:
                raise err.EventNotFound(f"Event {unknown[0]} not found in session {self.name}")
            self._forget([c for c in self.calls.values() if c.id not in wanted])

    def _forget(self, calls: Iterable[SessionApiEvent]) -> None:
        for call in list(calls):
            self.calls.pop(call.id, None)
            call.ApiEvent.close()

    def _cancel_in_background(self, event: GradioApiEvent) -> None:
        """POST /cancel for a call past its CallTimeoutSec, without holding up the timeout error
        (the request has its own connect and read limits). Best effort: the call has already
        ended for the caller, so a refusal is only logged."""

        def send() -> None:
            try:
                self.client.cancel(event.EventId, event.api_name, event.SessionHash)
            except err.PowershaiPyError as exc:
                log.info("cancel after CallTimeoutSec of %s failed: %s", event.EventId, exc)

        threading.Thread(target=send, name=f"cancel-{event.EventId}", daemon=True).start()

    def cancel(self, ref: Any) -> SessionApiEvent:
        """Ask the server to cancel a running call (POST /cancel)."""
        call = self.get_call(ref)
        event = call.ApiEvent
        if not event.finished:
            event.cancel_requested = True
        self.client.cancel(event.EventId, event.api_name, event.SessionHash)
        return call
