"""Message transports for the worker: newline-delimited JSON over byte streams, or in-memory queues.

A transport moves whole JSON-RPC messages (``dict``). It knows nothing about methods or ids.
Framing is one compact UTF-8 JSON object per line (``\\n``); compact JSON never contains a raw
newline, because JSON escapes control characters inside strings.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from typing import IO, Any, Protocol, runtime_checkable

__all__ = [
    "MemoryTransport",
    "ParseError",
    "StdioTransport",
    "Transport",
    "encode_message",
]

log = logging.getLogger("powershai_py.worker")


class ParseError(Exception):
    """A line on the channel was not a JSON object; ``line`` holds the raw bytes."""

    def __init__(self, text: str, line: bytes = b"") -> None:
        super().__init__(text)
        self.line = line


@runtime_checkable
class Transport(Protocol):
    """What the server needs from a channel."""

    def read_message(self) -> dict[str, Any] | None:
        """Return the next message, ``None`` at end of input; raise ``ParseError`` on garbage."""
        ...

    def write_message(self, message: dict[str, Any]) -> None:
        """Send one message; safe to call from several threads."""
        ...


def encode_message(message: dict[str, Any]) -> bytes:
    """Encode one message as a compact UTF-8 JSON line."""
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8") + b"\n"


def decode_line(line: bytes) -> dict[str, Any]:
    """Decode one framed line; raise ``ParseError`` unless it is a JSON object.

    A leading UTF-8 BOM is dropped: Windows PowerShell's process plumbing may write one.
    """
    if line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]
    try:
        value = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParseError(f"invalid JSON: {exc}", line) from exc
    if not isinstance(value, dict):
        raise ParseError("a message must be a JSON object", line)
    return value


class StdioTransport:
    """Line-framed JSON over binary streams (the worker's real stdin and stdout)."""

    def __init__(self, reader: IO[bytes], writer: IO[bytes]) -> None:
        self._reader = reader
        self._writer = writer
        self._write_lock = threading.Lock()

    def read_message(self) -> dict[str, Any] | None:
        while True:
            line = self._reader.readline()
            if not line:
                return None
            if not line.strip():
                continue
            return decode_line(line)

    def write_message(self, message: dict[str, Any]) -> None:
        data = encode_message(message)
        with self._write_lock:
            self._writer.write(data)
            self._writer.flush()


class MemoryTransport:
    """Two queues, for tests: ``send()`` feeds the server, ``receive()`` reads what it wrote.

    ``send_raw()`` injects a raw line (to test parse errors); ``close()`` signals end of input.
    """

    _EOF = object()

    def __init__(self) -> None:
        self._incoming: queue.Queue[object] = queue.Queue()
        self.outgoing: queue.Queue[dict[str, Any]] = queue.Queue()

    # client side
    def send(self, message: dict[str, Any]) -> None:
        self._incoming.put(encode_message(message))

    def send_raw(self, line: bytes) -> None:
        self._incoming.put(line)

    def close(self) -> None:
        self._incoming.put(self._EOF)

    def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        return self.outgoing.get(timeout=timeout)

    # server side
    def read_message(self) -> dict[str, Any] | None:
        item = self._incoming.get()
        if item is self._EOF:
            return None
        assert isinstance(item, bytes)
        return decode_line(item)

    def write_message(self, message: dict[str, Any]) -> None:
        # Round-trip through the encoder so tests see exactly what would go on the wire.
        self.outgoing.put(json.loads(encode_message(message)))
