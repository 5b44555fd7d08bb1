"""JSON-RPC 2.0 dispatch, free of I/O.

``Dispatcher`` maps method names to handlers ``fn(params: dict) -> result``. Each request and each
notification runs on a daemon thread of its own (kept for reuse, see ``_threads``), so a handler
that blocks (``stream/next`` waiting for the next item of a Gradio stream) never holds up the
others. Responses go through a ``send``
callable; the transport behind it serialises writes.

Exceptions become JSON-RPC errors (see ``to_jsonrpc_error``):

- ``JsonRpcError`` (and subclasses such as ``InvalidParams``): their own code, message and data;
- ``powershai_py._errors.PowershaiPyError``: -32000, ``str(exc)``, ``data: {errorId, category}``;
- anything else: -32603 with ``data.errorId = "POWERSHAI_PY_INTERNAL"``; the traceback goes to
  the log (stderr), never to the channel.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ._threads import HandlerThreads

__all__ = [
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "SERVER_ERROR",
    "Dispatcher",
    "Handler",
    "InvalidParams",
    "InvalidRequest",
    "JsonRpcError",
    "MethodNotFound",
    "to_jsonrpc_error",
]

log = logging.getLogger("powershai_py.worker")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000

INTERNAL_ERROR_ID = "POWERSHAI_PY_INTERNAL"

Handler = Callable[[dict[str, Any]], Any]
Send = Callable[[dict[str, Any]], None]


class JsonRpcError(Exception):
    """An error that crosses the channel as it is."""

    code = INTERNAL_ERROR
    error_id = INTERNAL_ERROR_ID
    category = "NotSpecified"

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        if data is None:
            data = {"errorId": self.error_id, "category": self.category}
        self.data: dict[str, Any] = dict(data)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": self.data}


class InvalidRequest(JsonRpcError):
    code = INVALID_REQUEST
    error_id = "POWERSHAI_PY_INVALID_REQUEST"
    category = "ProtocolError"


class MethodNotFound(JsonRpcError):
    code = METHOD_NOT_FOUND
    error_id = "POWERSHAI_PY_METHOD_NOT_FOUND"
    category = "NotImplemented"


class InvalidParams(JsonRpcError):
    """Bad or missing params of a protocol method (not a cmdlet's own argument errors)."""

    code = INVALID_PARAMS
    error_id = "POWERSHAI_PY_INVALID_PARAMS"
    category = "InvalidArgument"

    def __init__(self, message: str, *, error_id: str | None = None) -> None:
        if error_id is not None:
            self.error_id = error_id
        super().__init__(f"{self.error_id}: {message}")


def _package_error_type() -> type[BaseException] | None:
    try:
        from powershai_py._errors import PowershaiPyError
    except ImportError:  # pragma: no cover - the package always ships _errors
        return None
    return PowershaiPyError


def to_jsonrpc_error(exc: BaseException) -> JsonRpcError:
    """Translate any exception raised by a handler into the error that goes on the wire."""
    if isinstance(exc, JsonRpcError):
        return exc
    package_error = _package_error_type()
    if package_error is not None and isinstance(exc, package_error):
        error_id = str(getattr(exc, "error_id", "POWERSHAI_PY_ERROR"))
        category = str(getattr(exc, "category", "NotSpecified"))
        return JsonRpcError(
            str(exc), code=SERVER_ERROR, data={"errorId": error_id, "category": category}
        )
    log.error("internal error in a worker handler", exc_info=exc)
    text = f"{INTERNAL_ERROR_ID}: {type(exc).__name__}: {exc}"
    return JsonRpcError(
        text,
        code=INTERNAL_ERROR,
        data={"errorId": INTERNAL_ERROR_ID, "category": "NotSpecified"},
    )


def error_response(msg_id: Any, error: JsonRpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "error": error.to_dict()}


def result_response(msg_id: Any, result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "result": result}


class Dispatcher:
    """Routes JSON-RPC messages to registered handlers, one thread per message."""

    def __init__(self, send: Send, *, threaded: bool = True) -> None:
        self._send = send
        self._threaded = threaded
        self._handlers: dict[str, Handler] = {}
        self._after: dict[str, Callable[[], None]] = {}
        self._active = 0
        self._idle = threading.Condition()
        self._threads = HandlerThreads("rpc-handler")

    def register(
        self, method: str, fn: Handler, *, after: Callable[[], None] | None = None
    ) -> None:
        """Register ``fn`` for ``method``; ``after`` runs once its response has been sent."""
        self._handlers[method] = fn
        if after is not None:
            self._after[method] = after

    def send_parse_error(self, text: str) -> None:
        error = JsonRpcError(
            f"POWERSHAI_PY_PARSE_ERROR: {text}",
            code=PARSE_ERROR,
            data={"errorId": "POWERSHAI_PY_PARSE_ERROR", "category": "ParserError"},
        )
        self._send(error_response(None, error))

    def dispatch(self, message: dict[str, Any]) -> None:
        """Handle one incoming message, on a handler thread unless the dispatcher is inline."""
        if self._threaded:
            with self._idle:
                self._active += 1
            self._threads.submit(self._handle_counted, message)
            return
        self.handle(message)

    def _handle_counted(self, message: dict[str, Any]) -> None:
        try:
            self.handle(message)
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no handler runs (at most ``timeout`` seconds); True when idle."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout=timeout)

    def handle(self, message: dict[str, Any]) -> None:
        """Handle one message on the calling thread and send its response, if any."""
        is_request = "id" in message
        msg_id = message.get("id")
        method = message.get("method")
        if message.get("jsonrpc") != "2.0" or not isinstance(method, str):
            if "method" not in message and ("result" in message or "error" in message):
                log.warning("ignoring a response message sent to the worker: %r", msg_id)
                return
            if is_request:
                invalid = InvalidRequest("POWERSHAI_PY_INVALID_REQUEST: not a JSON-RPC 2.0 request")
                self._send(error_response(msg_id, invalid))
            else:
                log.warning("ignoring an invalid notification: %r", message)
            return
        try:
            fn = self._handlers.get(method)
            if fn is None:
                raise MethodNotFound(f"POWERSHAI_PY_METHOD_NOT_FOUND: unknown method {method!r}")
            params = message.get("params")
            if params is None:
                params = {}
            if not isinstance(params, dict):
                raise InvalidParams("params must be a JSON object")
            result = fn(params)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a JSON-RPC error
            error = to_jsonrpc_error(exc)
            if is_request:
                self._send(error_response(msg_id, error))
            else:
                log.warning("notification %s failed: %s", method, error.message)
            return
        if is_request:
            self._send_result(msg_id, result)
        after = self._after.get(method)
        if after is not None:
            after()

    def _send_result(self, msg_id: Any, result: Any) -> None:
        try:
            self._send(result_response(msg_id, result))
        except (TypeError, ValueError) as exc:
            # The result could not be encoded: the client must still get an answer.
            self._send(error_response(msg_id, to_jsonrpc_error(exc)))
