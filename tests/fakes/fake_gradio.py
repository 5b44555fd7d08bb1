"""A tiny real HTTP server that speaks just enough of Gradio 5/6 for fault tests.

It answers ``/config``, ``/gradio_api/info``, ``POST /gradio_api/call/<api>``, the SSE
``GET /gradio_api/call/<api>/<event_id>``, ``POST /gradio_api/upload`` and
``GET /gradio_api/file=<path>``. What each stream sends is scripted per endpoint with
:class:`Script`; every request is recorded (method, path, headers) so tests can check what the
client sent. ``not_gradio=True`` makes every route answer 404.

    with FakeGradio({"x": Script([("complete", '["ok"]')])}) as fake:
        session = GradioSession(fake.url).connect()
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

PREFIX = "/gradio_api"


@dataclass
class Script:
    """What ``GET /call/<api>/<id>`` sends: ``(event, raw data line text)`` pairs, then ``end``.

    ``end``: ``"close"`` ends the chunked body properly; ``"reset"`` sends a TCP RST (abortive
    close) without the final chunk; ``"eof"`` closes the socket without the final chunk.
    """

    events: list[tuple[str, str]]
    end: str = "close"
    # seconds to wait before ending: a RST discards data the client has not read yet
    pause_before_end: float = 0.0


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class FakeGradio:
    scripts: dict[str, Script] = field(default_factory=dict)
    not_gradio: bool = False
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_root = self.url + PREFIX
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeGradio:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeGradio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what it answers --------------------------------------------------------------------

    def record(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(Recorded(method, path, headers))

    def requests_to(self, fragment: str, method: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests
                    if fragment in r.path and (method is None or r.method == method)]

    def config(self) -> dict[str, Any]:
        components: list[dict[str, Any]] = []
        dependencies: list[dict[str, Any]] = []
        for i, name in enumerate(self.scripts):
            in_id, out_id = 2 * i + 1, 2 * i + 2
            components += [{"id": in_id, "type": "textbox", "props": {}},
                           {"id": out_id, "type": "file", "props": {}}]
            dependencies.append({"id": i, "api_name": name, "inputs": [in_id],
                                 "outputs": [out_id]})
        return {"version": "6.0.0-fake", "api_prefix": PREFIX, "protocol": "sse_v3",
                "components": components, "dependencies": dependencies}

    def info(self) -> dict[str, Any]:
        endpoint = {
            "parameters": [{"label": "Text", "parameter_name": "text",
                            "parameter_has_default": True, "parameter_default": "",
                            "type": {"type": "string"}, "python_type": {"type": "str"},
                            "component": "Textbox"}],
            "returns": [{"label": "Out", "type": {"type": "string"},
                         "python_type": {"type": "str"}, "component": "Textbox"}],
        }
        return {"named_endpoints": {"/" + n: endpoint for n in self.scripts},
                "unnamed_endpoints": {}}


class _Handler(BaseHTTPRequestHandler):
    owner: FakeGradio
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def finish(self) -> None:
        try:
            super().finish()
        except (OSError, ValueError):
            pass  # the socket was closed on purpose (reset / eof scripts)

    # -- helpers ----------------------------------------------------------------------------

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _read_body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    # -- routes -----------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        self.owner.record("GET", self.path, dict(self.headers.items()))
        if self.owner.not_gradio:
            self._json(404, {"detail": "Not Found"})
        elif path.rstrip("/") == "/config":
            self._json(200, self.owner.config())
        elif path.rstrip("/") == PREFIX + "/info":
            self._json(200, self.owner.info())
        elif path.startswith(PREFIX + "/file="):
            server_path = unquote(path[len(PREFIX + "/file="):])
            content = self.owner.files.get(server_path, b"content of " + server_path.encode())
            self.send_response(200)
            self.send_header("content-type", "application/octet-stream")
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        elif path.startswith(PREFIX + "/call/") and path.count("/") == 4:
            api = unquote(path.split("/")[3])
            script = self.owner.scripts.get(api)
            if script is None:
                self._json(404, {"detail": "Not Found"})
            else:
                self._stream(script)
        else:
            self._json(404, {"detail": "Not Found"})

    def do_POST(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        self._read_body()
        self.owner.record("POST", self.path, dict(self.headers.items()))
        if self.owner.not_gradio:
            self._json(404, {"detail": "Not Found"})
        elif path.startswith(PREFIX + "/call/"):
            api = unquote(path[len(PREFIX + "/call/"):])
            if api not in self.owner.scripts:
                self.send_response(500)
                self.send_header("content-type", "text/plain")
                self.send_header("content-length", "21")
                self.end_headers()
                self.wfile.write(b"Internal Server Error")
            else:
                self._json(200, {"event_id": uuid.uuid4().hex})
        elif path == PREFIX + "/upload":
            self._json(200, ["/tmp/fake/upload.bin"])
        else:
            self._json(404, {"detail": "Not Found"})

    def _stream(self, script: Script) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        for event, data in script.events:
            self._chunk(f"event: {event}\ndata: {data}\n\n".encode())
        if script.pause_before_end:
            time.sleep(script.pause_before_end)
        if script.end == "close":
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        self.close_connection = True
        sock = self.connection
        if script.end == "reset":
            # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            sock.shutdown(socket.SHUT_RDWR) if script.end == "eof" else None
        finally:
            sock.close()


def closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
