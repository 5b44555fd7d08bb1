"""A STAND-IN for the Hugging Face Hub's Spaces API, for tests only (no internet in tests).

It is not the Hub and copies none of its code: it is a small real HTTP server (stdlib
``http.server``) on 127.0.0.1 that answers the routes powershai-py reads, with the fields
powershai-py uses, shaped like the Hub's public answers:

* ``GET /api/spaces/<owner>/<name>`` -> ``{"id", "author", "sdk", "cardData": {"sdk_version"},
  "private", "host", "subdomain", "runtime": {"stage", "errorMessage"?}}``
* ``GET /api/spaces/by-subdomain/<subdomain>`` -> the same.
* ``GET /api/spaces?author=<name>`` -> a list of short entries (``id``, ``author``, ``sdk``,
  ``private``, ``likes``); private Spaces only for their token. This does not move the scripts.
* ``GET /api/whoami-v2`` -> ``{"type": "user", "name", "fullname", "auth": {...}}`` for the token
  of a user added with ``add_user``; 401 otherwise.
* ``HEAD`` or ``GET`` of any other path -> 200 ``{}``: a stand-in for a Space's own host when a
  test gives a Space ``host=hub.url + "/hosts/<name>"`` (so a test sees the Space was touched).

Each Space has a script of stages: every GET of its info moves one step along the script and the
last stage repeats, e.g. ``["SLEEPING", "BUILDING", "RUNNING"]``. ``host`` points wherever the test
says, normally at a locally running Gradio test app. A private Space answers 401 unless the
request carries ``Authorization: Bearer <its token>`` (the real Hub answers 401 or 404). Every
request is recorded in ``requests`` (method, path, Authorization header) for assertions.

    with HubStandIn() as hub:
        hub.add_space("powershai/tests-gradio", host=app.url,
                      stages=["SLEEPING", "BUILDING", "RUNNING"])
        os.environ["POWERSHAI_HF_HUB_URL"] = hub.url

Run by hand: ``python tests/hub_standin.py <gradio app url>`` serves ``powershai/tests-gradio``
(public, asleep then running), ``powershai/private-tests-gradio`` (token ``hf_standin``, which is
also user ``powershai``'s), ``powershai/tests-sleeper`` (asleep twice, building, then running; its
host is the stand-in), ``powershai/tests-static`` (static SDK), ``powershai/tests-waiter``
(asleep, building, running) and ``powershai/tests-building`` (always building). A test in another
process reads what the stand-in received from ``GET /api/_standin/requests`` (not a Hub route:
a list of ``{method, path, query, authorization}``, the requests before this one).
"""

from __future__ import annotations

import json
import re
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs


@dataclass
class StandInSpace:
    id: str
    host: str
    stages: list[str]
    sdk: str = "gradio"
    sdk_version: str = "6.31.0"
    token: str | None = None  # set: the Space is private and needs this bearer token
    error_message: str | None = None
    looks: int = 0

    @property
    def author(self) -> str:
        return self.id.split("/")[0]

    @property
    def subdomain(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.id.lower()).strip("-")

    def next_info(self) -> dict[str, Any]:
        stage = self.stages[min(self.looks, len(self.stages) - 1)]
        self.looks += 1
        runtime: dict[str, Any] = {"stage": stage, "hardware": {"current": "cpu-basic"}}
        if self.error_message and stage.endswith("ERROR"):
            runtime["errorMessage"] = self.error_message
        return {
            "_id": "standin-" + self.subdomain,
            "id": self.id,
            "author": self.author,
            "sdk": self.sdk,
            "cardData": {"sdk": self.sdk, "sdk_version": self.sdk_version},
            "private": self.token is not None,
            "host": self.host,
            "subdomain": self.subdomain,
            "runtime": runtime,
        }


@dataclass
class RecordedRequest:
    method: str
    path: str
    authorization: str | None
    query: str = ""


@dataclass
class _State:
    spaces: dict[str, StandInSpace] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # token -> user name
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        pass

    def _send(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(code)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self, method: str) -> tuple[str, str, str | None]:
        path, _, query = self.path.partition("?")
        auth = self.headers.get("Authorization")
        self.server.state.requests.append(RecordedRequest(method, path, auth, query))
        return path, query, auth

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib's name
        with self.server.state.lock:
            self._record("HEAD")
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802 - stdlib's name
        state = self.server.state
        with state.lock:
            path, query, auth = self._record("GET")
            code, body = self._answer(state, path, parse_qs(query), auth)
        self._send(code, body)

    @staticmethod
    def _answer(state: _State, path: str, query: dict[str, list[str]],
                auth: str | None) -> tuple[int, Any]:
        token = auth[len("Bearer "):] if auth and auth.startswith("Bearer ") else None
        if path == "/api/_standin/requests":
            return 200, [vars(r) for r in state.requests[:-1]]
        if path == "/api/whoami-v2":
            name = state.users.get(token or "")
            if name is None:
                return 401, {"error": "Invalid credentials in Authorization header"}
            return 200, {"type": "user", "id": "standin-" + name, "name": name,
                         "fullname": name.title(), "orgs": [],
                         "auth": {"type": "access_token",
                                  "accessToken": {"displayName": "tests", "role": "read"}}}
        if path == "/api/spaces":
            author = (query.get("author") or [""])[0]
            return 200, [{"_id": "standin-" + s.subdomain, "id": s.id, "author": s.author,
                          "sdk": s.sdk, "private": s.token is not None, "likes": 0}
                         for s in state.spaces.values()
                         if s.author == author and (s.token is None or s.token == token)]
        if not path.startswith("/api/"):
            return 200, {}  # a Space host stand-in (see the module's docstring)
        space: StandInSpace | None = None
        match = re.fullmatch(r"/api/spaces/by-subdomain/([^/]+)", path)
        if match:
            space = next((s for s in state.spaces.values()
                          if s.subdomain == match.group(1)), None)
        else:
            match = re.fullmatch(r"/api/spaces/([^/]+/[^/]+)", path)
            if match:
                space = state.spaces.get(match.group(1))
        if space is None:
            return 404, {"error": "Repository not found"}
        if space.token is not None and token != space.token:
            return 401, {"error": "Invalid credentials in Authorization header"}
        return 200, space.next_info()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: _State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class HubStandIn:
    """The stand-in server; a context manager (starts on enter, stops on exit)."""

    def __init__(self) -> None:
        self._state = _State()
        self._server = _Server(self._state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> HubStandIn:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HubStandIn:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def add_space(self, space_id: str, *, host: str, stages: list[str] | None = None,
                  sdk: str = "gradio", sdk_version: str = "6.31.0", token: str | None = None,
                  error_message: str | None = None) -> StandInSpace:
        space = StandInSpace(space_id, host.rstrip("/"), list(stages or ["RUNNING"]), sdk,
                             sdk_version, token, error_message)
        with self._state.lock:
            self._state.spaces[space_id] = space
        return space

    def add_user(self, name: str, token: str) -> None:
        """A Hub user whose token ``whoami-v2`` knows."""
        with self._state.lock:
            self._state.users[token] = name

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)


def main() -> None:
    app_url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7860"
    with HubStandIn() as hub:
        hub.add_space("powershai/tests-gradio", host=app_url,
                      stages=["SLEEPING", "BUILDING", "RUNNING"])
        hub.add_space("powershai/private-tests-gradio", host=app_url, token="hf_standin")
        hub.add_space("powershai/tests-sleeper", host=hub.url + "/hosts/tests-sleeper",
                      stages=["SLEEPING", "SLEEPING", "BUILDING", "RUNNING"])
        hub.add_space("powershai/tests-static", host=hub.url + "/hosts/tests-static",
                      sdk="static")
        hub.add_space("powershai/tests-waiter", host=hub.url + "/hosts/tests-waiter",
                      stages=["SLEEPING", "BUILDING", "RUNNING"])
        hub.add_space("powershai/tests-building", host=hub.url + "/hosts/tests-building",
                      stages=["BUILDING"])
        hub.add_user("powershai", "hf_standin")
        print(hub.url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
