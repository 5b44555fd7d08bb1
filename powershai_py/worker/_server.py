"""The worker's methods: ``initialize``, ``cmdlet``, ``stream/next``, ``stream/close``,
``object/get`` and ``shutdown``, wired onto a ``Dispatcher`` and a ``Transport``.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from ._context import CmdletContext, CmdletResult, LastItem
from ._environment import WATCHED_ENV_VARS, apply_environment
from ._jsonrpc import Dispatcher, InvalidParams, JsonRpcError, to_jsonrpc_error
from ._state import WorkerState
from ._transport import ParseError, Transport
from .handlers import get_property as state_property
from .handlers import handler_table
from .handlers import set_property as state_set_property

__all__ = ["PROTOCOL_VERSION", "Server", "package_version", "parent_alive", "serve"]

log = logging.getLogger("powershai_py.worker")

PROTOCOL_VERSION = "1"
PARENT_POLL_SECONDS = 1.0
EOF_GRACE_SECONDS = 5.0  # on end of input, requests still running get this long to answer

CmdletHandler = Callable[[CmdletContext, dict[str, Any]], CmdletResult]
PropertyGetter = Callable[[dict[str, Any], str], Any]
ExitFn = Callable[[int], None]


def _app_error(error_id: str, text: str, category: str) -> Exception:
    try:
        from powershai_py._errors import PowershaiPyError
    except ImportError:  # pragma: no cover
        return JsonRpcError(
            f"{error_id}: {text}", code=-32000, data={"errorId": error_id, "category": category}
        )
    return PowershaiPyError(text, error_id=error_id, category=category)


def package_version() -> str:
    try:
        from powershai_py import __version__
    except ImportError:
        pass
    else:
        return str(__version__)
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return "0.0.0"
    try:
        return version("powershai-py")
    except PackageNotFoundError:
        return "0.0.0"


def parent_alive(pid: int) -> bool:
    """True while process ``pid`` exists (best effort, no third-party packages)."""
    if pid <= 0:
        return True
    if sys.platform == "win32":
        import ctypes

        synchronize = 0x00100000
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(synchronize, False, pid)
        if not handle:
            # 87 = ERROR_INVALID_PARAMETER: no such process. Anything else (access denied): alive.
            return bool(kernel32.GetLastError() != 87)
        try:
            return bool(kernel32.WaitForSingleObject(handle, 0) != 0)  # 0 = WAIT_OBJECT_0
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")
_CLIENT_CLOSED_LIMIT = 1024


def _reply(messages: list[Any], output: list[Any], items: list[Any],
           stream: str | None) -> dict[str, Any]:
    """A cmdlet or stream/next answer. Every key is always there, and messages come first: the
    module decodes in document order, so live-object refreshes land before the output."""
    return {"messages": messages, "output": output, "items": items, "stream": stream,
            "done": stream is None}


class _Stream:
    def __init__(self, iterator: Iterator[Any], ctx: CmdletContext) -> None:
        self.iterator = iterator
        self.ctx = ctx
        self.lock = threading.Lock()  # one next() at a time
        self.closed = False

    def is_closed(self) -> bool:
        return self.closed


def _close_iterator(iterator: Iterator[Any]) -> None:
    close = getattr(iterator, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # noqa: BLE001 - a stream that fails to close is only logged
            log.warning("closing a stream failed", exc_info=True)


def _object_params(method: str, params: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The object reference (bare or wrapped as {"$ref": ...}) and property name of object/*."""
    ref = params.get("ref")
    prop = params.get("property")
    if isinstance(ref, dict) and "$ref" in ref and isinstance(ref["$ref"], dict):
        ref = ref["$ref"]
    if not isinstance(ref, dict) or not isinstance(prop, str):
        raise InvalidParams(f"{method}: needs 'ref' (object) and 'property' (string)")
    return ref, prop


class Server:
    """Holds the open streams and implements the protocol methods."""

    def __init__(
        self,
        transport: Transport,
        *,
        cmdlets: Mapping[str, CmdletHandler] | None = None,
        get_property: PropertyGetter | None = None,
        exit_process: ExitFn | None = None,
        threaded: bool = True,
        state: WorkerState | None = None,
        watch_parent: bool = True,
    ) -> None:
        self.transport = transport
        # In-process (worker._inprocess) the "parent" is this very process: nothing to watch.
        self._watch_parent = watch_parent
        # The server owns the worker's state; handlers reach it through their CmdletContext.
        self.state = state if state is not None else WorkerState()
        self._cmdlets: Mapping[str, CmdletHandler] = (
            cmdlets if cmdlets is not None else handler_table())
        self._get_property: PropertyGetter = (
            get_property if get_property is not None else partial(state_property, self.state))
        self._exit = exit_process if exit_process is not None else _hard_exit
        self._streams: dict[str, _Stream] = {}
        # Tokens the client closed (insertion-ordered, the oldest forgotten beyond the limit): a
        # cmdlet still starting under one stops at once, and a stream/next that was overtaken by
        # its stream/close (requests run on threads of their own) answers "done", not an error.
        self._client_closed: dict[str, bool] = {}
        self._streams_lock = threading.Lock()
        self.client_pid: int | None = None
        self._watcher: threading.Thread | None = None
        self.dispatcher = Dispatcher(transport.write_message, threaded=threaded)
        d = self.dispatcher
        d.register("initialize", self.initialize)
        d.register("cmdlet", self.cmdlet)
        d.register("stream/next", self.stream_next)
        d.register("stream/close", self.stream_close)
        d.register("object/get", self.object_get)
        d.register("object/set", self.object_set)
        d.register("shutdown", self.shutdown, after=self._after_shutdown)

    # -- methods ----------------------------------------------------------------------------
    def initialize(self, params: dict[str, Any]) -> dict[str, Any]:
        client_pid = params.get("clientPid")
        if isinstance(client_pid, int) and not isinstance(client_pid, bool) and client_pid > 0:
            self.client_pid = client_pid
            if self._watch_parent:
                self._start_parent_watch(client_pid)
        self.state.set_host(params)
        requested = params.get("protocolVersion")
        if requested is not None and str(requested) != PROTOCOL_VERSION:
            log.warning("client speaks protocol %r, worker speaks %r", requested, PROTOCOL_VERSION)
        return {
            "protocolVersion": PROTOCOL_VERSION,
            "packageVersion": package_version(),
            "pid": os.getpid(),
            # Sent back with each cmdlet request as PowerShell has them (see _environment).
            "environment": list(WATCHED_ENV_VARS),
        }

    def cmdlet(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidParams("cmdlet: 'name' must be a non-empty string")
        args = params.get("args")
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise InvalidParams("cmdlet: 'args' must be an object")
        approved = params.get("approved")
        if approved is not None:
            if not isinstance(approved, list):
                raise InvalidParams("cmdlet: 'approved' must be a list")
            approved = [str(item) for item in approved]
        handler = self._cmdlets.get(name)
        if handler is None:
            raise _app_error(
                "POWERSHAI_PY_UNKNOWN_CMDLET",
                f"the worker has no cmdlet named '{name}' (module and package versions differ?)",
                "NotImplemented",
            )
        wanted = params.get("token")
        if wanted is not None and not (isinstance(wanted, str) and _TOKEN.fullmatch(wanted)):
            raise InvalidParams("cmdlet: 'token' must be 8 to 64 letters, digits, '-' or '_'")
        apply_environment(params.get("env"))
        ctx = CmdletContext(name=name, dry_run=bool(params.get("dryRun")), approved=approved,
                            state=self.state, cwd=params.get("cwd"))
        try:
            result = handler(ctx, args)
        except Exception as exc:  # noqa: BLE001
            raise _with_messages(exc, ctx) from exc
        output = list(result.output) if result.output is not None else []
        token: str | None = None
        if result.stream is not None:
            token = wanted or uuid.uuid4().hex
            stream = _Stream(iter(result.stream), ctx)
            with self._streams_lock:
                if token in self._streams:
                    raise InvalidParams(f"cmdlet: stream token {token!r} is in use")
                self._streams[token] = stream
                closed_early = self._client_closed.pop(token, False)
            if closed_early:  # the caller gave up before this answer: stop at once
                self.stream_close({"token": token})
                return _reply(ctx.drain(), output, [], None)
            # A client that chose the token can stop the stream before this answer arrives, so
            # the answer may wait for the first item (one round trip less per streaming cmdlet).
            if wanted is not None or (result.ready is not None and result.ready()):
                first = self.stream_next({"token": token})
                return _reply(first["messages"], output, first["items"],
                              None if first["done"] else token)
        return _reply(ctx.drain(), output, [], token)

    def stream_next(self, params: dict[str, Any]) -> dict[str, Any]:
        token = params.get("token")
        if not isinstance(token, str):
            raise InvalidParams("stream/next: 'token' must be a string")
        with self._streams_lock:
            stream = self._streams.get(token)
            closed_by_client = stream is None and token in self._client_closed
        if closed_by_client:
            return _reply([], [], [], None)
        if stream is None:
            raise InvalidParams(
                f"no open stream with token {token!r}", error_id="POWERSHAI_PY_UNKNOWN_STREAM"
            )
        with stream.lock:
            if stream.closed:
                self._drop(token, stream)
                return _reply(stream.ctx.drain(), [], [], None)
            try:
                item = next(stream.iterator)
            except StopIteration:
                self._drop(token, stream)
                return _reply(stream.ctx.drain(), [], [], None)
            except Exception as exc:  # noqa: BLE001
                self._drop(token, stream)
                raise _with_messages(exc, stream.ctx) from exc
            last = isinstance(item, LastItem)
            if last:
                item = item.value
            # The last item, or closed while next() ran: either way nothing follows.
            done = last or stream.is_closed()
            if done:
                self._drop(token, stream)
        return _reply(stream.ctx.drain(), [], [item], None if done else token)

    def stream_close(self, params: dict[str, Any]) -> None:
        token = params.get("token")
        if not isinstance(token, str):
            return None
        with self._streams_lock:
            stream = self._streams.get(token)
            # Perhaps its cmdlet is still starting, or a stream/next is about to ask for it.
            self._client_closed[token] = True
            while len(self._client_closed) > _CLIENT_CLOSED_LIMIT:
                self._client_closed.pop(next(iter(self._client_closed)))
            if stream is None:
                return None
        stream.closed = True
        stream.ctx.cancelled.set()
        # If a next() is running, the thread running it drops the stream when it returns.
        if stream.lock.acquire(blocking=False):
            try:
                self._drop(token, stream)
            finally:
                stream.lock.release()
        return None

    def object_get(self, params: dict[str, Any]) -> Any:
        ref, prop = _object_params("object/get", params)
        return self._get_property(ref, prop)

    def object_set(self, params: dict[str, Any]) -> Any:
        """A live property assigned in PowerShell (``$s.options.MaxCalls = 3``); "key" names one
        entry of a hashtable property, else "value" replaces the whole property."""
        ref, prop = _object_params("object/set", params)
        key = params.get("key")
        if not (key is None or isinstance(key, str)):
            raise InvalidParams("object/set: 'key' must be a string when given")
        return state_set_property(self.state, ref, prop, params.get("value"), key)

    def shutdown(self, params: dict[str, Any]) -> None:
        return None

    # -- helpers ----------------------------------------------------------------------------
    def cancel_all_streams(self) -> None:
        """Ask every open stream to stop (their generators see ``ctx.cancelled``)."""
        with self._streams_lock:
            streams = list(self._streams.values())
        for stream in streams:
            stream.closed = True
            stream.ctx.cancelled.set()

    def open_streams(self) -> int:
        with self._streams_lock:
            return len(self._streams)

    def _drop(self, token: str, stream: _Stream) -> None:
        with self._streams_lock:
            if self._streams.get(token) is stream:
                del self._streams[token]
        stream.ctx.cancelled.set()
        _close_iterator(stream.iterator)

    def _after_shutdown(self) -> None:
        log.info("shutdown requested")
        self._exit(0)

    def _start_parent_watch(self, pid: int) -> None:
        if self._watcher is not None:
            return

        def watch() -> None:
            while True:
                time.sleep(PARENT_POLL_SECONDS)
                if not parent_alive(pid):
                    log.warning("parent process %d is gone; worker exits", pid)
                    self._exit(0)
                    return

        self._watcher = threading.Thread(target=watch, name="parent-watch", daemon=True)
        self._watcher.start()

    # -- loop -------------------------------------------------------------------------------
    def run(self) -> int:
        """Read and dispatch until end of input; returns the exit code (0)."""
        while True:
            try:
                message = self.transport.read_message()
            except ParseError as exc:
                log.warning("parse error on the channel: %s", exc)
                self.dispatcher.send_parse_error(str(exc))
                continue
            if message is None:
                log.info("end of input; worker exits")
                self.cancel_all_streams()
                if not self.dispatcher.wait_idle(EOF_GRACE_SECONDS):
                    log.warning("requests still running at exit were abandoned")
                return 0
            self.dispatcher.dispatch(message)


def _with_messages(exc: Exception, ctx: CmdletContext) -> JsonRpcError:
    """The wire error for ``exc``, carrying the messages queued before it (played first)."""
    error = to_jsonrpc_error(exc)
    messages = ctx.drain()
    if messages:
        data = {**error.data, "messages": messages}
        error = JsonRpcError(error.message, code=error.code, data=data)
    return error


def _hard_exit(code: int) -> None:
    for stream in (sys.stderr, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except Exception:  # noqa: BLE001,S110 - nothing left to report to
            pass
    os._exit(code)


def serve(
    transport: Transport,
    *,
    cmdlets: Mapping[str, CmdletHandler] | None = None,
    get_property: PropertyGetter | None = None,
    exit_process: ExitFn | None = None,
) -> int:
    """Serve the worker protocol on ``transport`` until end of input."""
    server = Server(
        transport, cmdlets=cmdlets, get_property=get_property, exit_process=exit_process
    )
    return server.run()
