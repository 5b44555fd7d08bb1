"""A fault-injecting reverse proxy on 127.0.0.1, in front of a real Gradio app.

Everything is forwarded to the upstream app unchanged (bodies streamed as they come, so SSE keeps
its timing) until a fault is injected for a route. A fault hits the next ``times`` requests whose
method and path match, then the route is healthy again: after each fault the same session makes
a real call through the same proxy.

    with FaultProxy(app.url) as proxy:
        proxy.inject("POST", r"/queue/join$", Fault("reset"))
        session = GradioSession(proxy.url).connect()

Faults (``Fault.kind``):

* ``reset``: TCP RST instead of an answer (or, with ``after_events``, after that many events);
* ``cut``: the stream's first ``after_events`` events, then the socket closes without the end;
* ``status``: ``status`` with ``body`` (JSON when it parses, else text);
* ``html``: ``200 text/html`` with a "Space is sleeping" page;
* ``redirect``: ``status`` (302) to ``location``;
* ``garbage``: after ``after_events`` events, one event whose data is not JSON;
* ``nocolon``: after ``after_events`` events, an event whose ``data`` line has no colon;
* ``heartbeats``: a stream of heartbeats only, for ``seconds``, then the socket closes;
* ``slow``: waits ``seconds`` before forwarding.

Control from another process (Pester): ``POST /__faults__`` with a JSON body
``{"method", "route", "kind", ...Fault fields}``, ``DELETE /__faults__`` clears them,
``GET /__faults__/requests`` lists the recorded requests (method, path, headers, body). Run
standalone with ``python -m tests.fakes.fault_proxy <upstream url>``: it prints its URL, serves
until stdin closes.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import struct
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

CONTROL = "/__faults__"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-connection", "content-length", "host"}
SLEEPING_PAGE = (b"<!DOCTYPE html><html><head><title>Space is sleeping</title></head>"
                 b"<body><h1>This Space is sleeping</h1><p>Restart it to use it.</p></body></html>")


@dataclass
class Fault:
    kind: str
    times: int = 1
    status: int = 302
    body: str = ""
    location: str = ""
    after_events: int = 0
    seconds: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    fault: str | None = None
    body: str = ""  # the request body as text (what a client sent, for tests to read back)


@dataclass
class _Rule:
    method: str
    route: re.Pattern[str]
    fault: Fault
    left: int = field(default=0)


class FaultProxy:
    def __init__(self, upstream: str, *, tls: ssl.SSLContext | None = None) -> None:
        """``tls``: a server-side context; the proxy then speaks https (tests of verification)."""
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self._rules: list[_Rule] = []
        self._running = 0
        self._lock = threading.Lock()
        self.requests: list[Seen] = []
        owner = self

        class Handler(_ProxyHandler):
            proxy = owner

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = int(self._server.server_address[1])
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- faults -----------------------------------------------------------------------------

    def inject(self, method: str, route: str, fault: Fault) -> None:
        """The next ``fault.times`` requests matching ``method`` and the ``route`` regex fail."""
        with self._lock:
            self._rules.append(_Rule(method.upper(), re.compile(route), fault, fault.times))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.requests.clear()

    def faults_running(self, change: int = 0) -> int:
        """Answers that replace the real one (a heartbeat-only stream, say) still being sent."""
        with self._lock:
            self._running += change
            return self._running

    def pending(self) -> int:
        """Faults injected and not used yet."""
        with self._lock:
            return sum(r.left for r in self._rules)

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if rule.left > 0 and rule.method == method and rule.route.search(path):
                    rule.left -= 1
                    return rule.fault
        return None

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)

    def seen(self, fragment: str, method: str | None = None) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests
                    if fragment in r.path and (method is None or r.method == method)]


class _ProxyHandler(BaseHTTPRequestHandler):
    proxy: FaultProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def finish(self) -> None:
        try:
            super().finish()
        except (OSError, ValueError):
            pass  # the socket was closed on purpose

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")

    # -- plumbing ---------------------------------------------------------------------------

    def _body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, status: int, body: bytes, kind: str,
                extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _drop(self, reset: bool) -> None:
        self.close_connection = True
        sock = self.connection
        if reset:  # SO_LINGER 0: close() sends RST instead of FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _handle(self, method: str) -> None:
        body = self._body()
        path = self.path
        if path.startswith(CONTROL):
            self._control(method, path, body)
            return
        fault = self.proxy.take(method, urlsplit(path).path)
        self.proxy.record(Seen(method, path, dict(self.headers.items()),
                               fault.kind if fault else None,
                               body.decode("utf-8", errors="replace")))
        if fault is not None:
            self.proxy.faults_running(+1)
            try:
                if self._answer_fault(fault):
                    return
            finally:
                self.proxy.faults_running(-1)
        self._forward(method, path, body, fault)

    def _control(self, method: str, path: str, body: bytes) -> None:
        if method == "POST":
            spec = json.loads(body or b"{}")
            fields = {k: v for k, v in spec.items() if k in Fault.__dataclass_fields__}
            self.proxy.inject(str(spec.get("method", "GET")), str(spec["route"]), Fault(**fields))
        elif method == "DELETE":
            self.proxy.clear()
        seen = [asdict(s) for s in self.proxy.requests] if path.endswith("/requests") else []
        self._answer(200, json.dumps(seen).encode(), "application/json")

    def _answer_fault(self, fault: Fault) -> bool:
        """Faults that replace the answer; False for those applied while forwarding."""
        if fault.kind == "reset" and not fault.after_events:
            self._drop(reset=True)
        elif fault.kind == "status":
            try:
                json.loads(fault.body)
                kind = "application/json"
            except ValueError:
                kind = "text/plain"
            self._answer(fault.status, fault.body.encode(), kind)
        elif fault.kind == "html":
            self._answer(200, SLEEPING_PAGE, "text/html; charset=utf-8")
        elif fault.kind == "redirect":
            self._answer(fault.status, b"", "text/plain", {"location": fault.location})
        elif fault.kind == "heartbeats":
            self._heartbeats(fault.seconds)
        elif fault.kind == "slow":
            time.sleep(fault.seconds)
            return False
        else:
            return False
        return True

    def _heartbeats(self, seconds: float) -> None:
        queue = "/queue/data" in self.path
        beat = b'data: {"msg": "heartbeat"}\n\n' if queue else b"event: heartbeat\ndata: null\n\n"
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                self._chunk(beat)
                time.sleep(0.1)
        except OSError:
            return
        self._drop(reset=False)

    def _forward(self, method: str, path: str, body: bytes, fault: Fault | None) -> None:
        upstream = http.client.HTTPConnection(self.proxy.upstream_host, self.proxy.upstream_port,
                                              timeout=300)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["host"] = f"{self.proxy.upstream_host}:{self.proxy.upstream_port}"
        if body:
            headers["content-length"] = str(len(body))
        try:
            upstream.request(method, path, body=body or None, headers=headers)
            response = upstream.getresponse()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            if response.getheader("content-length") is not None:
                data = response.read()
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            self._stream(response, fault)
        except (OSError, http.client.HTTPException):
            self.close_connection = True
        finally:
            upstream.close()

    def _stream(self, response: http.client.HTTPResponse, fault: Fault | None) -> None:
        """Forward a streamed body event by event, applying a stream fault on the way."""
        pending = b""
        events = 0
        while True:
            data = response.read1(65536)
            if not data:
                break
            pending += data
            while b"\n\n" in pending:
                event, pending = pending.split(b"\n\n", 1)
                if fault is not None and events >= fault.after_events:
                    if self._stream_fault(fault):
                        return
                    fault = None
                self._chunk(event + b"\n\n")
                events += 1
        if pending:
            self._chunk(pending)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _stream_fault(self, fault: Fault) -> bool:
        """Apply a fault inside a stream; True when the stream ends there."""
        queue = "/queue/data" in self.path
        if fault.kind in ("cut", "reset"):
            self._drop(reset=fault.kind == "reset")
            return True
        if fault.kind == "garbage":
            self._chunk(b"data: this is {not json\n\n" if queue
                        else b"event: generating\ndata: this is {not json\n\n")
        elif fault.kind == "nocolon":
            self._chunk(b"data\n\n" if queue else b"event: generating\ndata\n\n")
        return False


def main() -> None:
    with FaultProxy(sys.argv[1]) as proxy:
        sys.stdout.write(proxy.url + "\n")
        sys.stdout.flush()
        sys.stdin.read()


if __name__ == "__main__":
    main()
