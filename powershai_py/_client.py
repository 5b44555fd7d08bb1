"""GradioClient: the HTTP side of one Gradio app (discovery, calls, files, login, cancel).

It knows the wire and nothing of PowerShai's sessions. One pooled ``httpx.Client`` per instance;
the constructor does no network I/O: :meth:`discover` does.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import httpx_sse

from . import _errors as err
from . import _protocol as proto
from ._auth import token_headers
from ._http import check_http_url, http_errors, keeps_credentials
from ._tls import verifying_context

log = logging.getLogger("powershai_py.client")

# Connect fast, read long: a /call stream is silent for 15 s between heartbeats, so the read
# timeout must outlast several of them before we call the stream dead.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=30.0)


@dataclass
class AppInfo:
    """What discovery learnt about an app."""

    base_url: str  # the app root as the user gave it, normalised (no /gradio_api, no slash)
    api_root: str  # base_url + api_prefix: PowerShai's RealAppUrl
    info: dict[str, Any]  # the /info answer, unchanged
    version: str | None = None  # Gradio version from /config (None when /config was unusable)
    config: dict[str, Any] | None = None
    fn_index: dict[str, int] = field(default_factory=dict)  # api_name -> dependency id
    # api_name -> one flag per input: True where the input is a gr.State
    state_slots: dict[str, list[bool]] = field(default_factory=dict)
    # api_names of listeners declared with queue=False (the official clients skip the queue there)
    unqueued: set[str] = field(default_factory=set)
    queue_routes: bool = True  # False once POST /queue/join answered 404 (not a full Gradio app)

    @property
    def major(self) -> int:
        try:
            return int((self.version or "0").split(".")[0])
        except ValueError:
            return 0


def normalize_app_url(url: str) -> str:
    """Accept any URL a user would paste and return the app root (no query, no /gradio_api)."""
    text = str(url).strip()
    if not text:
        raise err.InvalidUrl("The app URL is empty")
    if "://" not in text:
        # "host:7860" and "host" mean http; "javascript:..." or "host:notaport" are refused.
        text = "http://" + text
    parts = urlsplit(check_http_url(text))
    path = parts.path.rstrip("/")
    for suffix in (proto.INFO, proto.CONFIG):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    if path.endswith(proto.GRADIO_API_PREFIX):
        path = path[: -len(proto.GRADIO_API_PREFIX)]
    return urlunsplit((parts.scheme, parts.netloc, path.rstrip("/"), "", ""))


class GradioClient:
    """HTTP access to one Gradio app.

    Parameters: ``url`` any app URL; ``token`` a Hugging Face token (already resolved, or None);
    ``timeout`` an ``httpx.Timeout``; ``transport`` an httpx transport (tests); ``verify`` TLS
    verification (on by default and meant to stay on).
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        verify: bool = True,
    ) -> None:
        self.base_url = normalize_app_url(url)
        self.token = token
        self.app: AppInfo | None = None
        # Where each request takes its limits from: a session points this at its options, so a
        # change of ConnectTimeoutSec / ReadTimeoutSec holds from the next request on.
        self.timeout_source: Callable[[], httpx.Timeout] | None = None
        self._http = httpx.Client(
            timeout=timeout,
            transport=transport,
            verify=verifying_context() if verify else False,
            follow_redirects=False,
            headers={"user-agent": "powershai-py"},
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    # -- plumbing ---------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def _headers(self, token: str | None | bool = True, url: str | None = None
                 ) -> dict[str, str]:
        """Token headers; ``True`` means the client's own token, a string overrides it.

        None for a ``url`` of another origin than the app's: a token goes only where it was
        given for (a file URL a server names may point anywhere).
        """
        if url is not None and not keeps_credentials(self.base_url, url):
            return {}
        if token is True:
            return token_headers(self.token)
        if token is False or token is None:
            return {}
        return token_headers(str(token))

    def timeouts(self) -> httpx.Timeout:
        """The limits of the next request (the session's, else the client's own)."""
        source = self.timeout_source
        return source() if source is not None else self._http.timeout

    def request(self, method: str, url: str, *, token: str | None | bool = True,
                **kwargs: Any) -> httpx.Response:
        """One request with errors translated into our tree (never leaks the token)."""
        headers = {**self._headers(token, url), **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", self.timeouts())
        with http_errors(f"{method} {url}"):
            return self._http.request(method, url, headers=headers, **kwargs)

    @staticmethod
    def raise_for_status(response: httpx.Response, what: str) -> None:
        code = response.status_code
        if code < 400:
            return
        response.read()  # a streamed response (download, SSE) has not read its body yet
        body = response.text[:300].strip()
        if code == 401:
            raise err.AuthenticationFailed(
                f"{what}: the app needs a login (HTTP 401); connect with a username and password",
                status=code)
        if code == 503 and "queue is full" in body.lower():
            raise err.QueueFullError(f"{what}: the app's queue is full ({body})", status=code)
        # Gradio 5 sends whole Python tracebacks in 500 bodies; keep only the last line.
        if "Traceback" in body:
            body = response.text.strip().splitlines()[-1][:300]
        raise err.HttpStatusError(f"{what}: HTTP {code} {body}", status=code)

    @staticmethod
    def json_answer(response: httpx.Response, what: str) -> Any:
        """The JSON body of a successful answer; NotGradio when it is HTML or not JSON.

        A sleeping Space, a login wall or a proxy's error page answers 200 with an HTML page.
        """
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if kind == "text/html":
                raise ValueError("an HTML page")
            return response.json()
        except ValueError as exc:
            raise err.NotGradio(
                f"{what}: the server answered {kind or 'a body'} that is not Gradio's JSON "
                f"(HTTP {response.status_code}; a sleeping Space or a proxy page?): "
                f"{response.text[:120].strip()!r}") from exc

    def api_url(self, route: str) -> str:
        return self.require_app().api_root + route

    def require_app(self) -> AppInfo:
        if self.app is None:
            self.discover()
        assert self.app is not None
        return self.app

    # -- discovery --------------------------------------------------------------------------

    def discover(self, *, disable_retry: bool = False) -> AppInfo:
        """Find the API root from /config; else PowerShai's /info then /gradio_api/info."""
        config = self._get_config()
        if config is not None:
            prefix = str(config.get("api_prefix") or "")
            api_root = self.base_url + prefix
            info = self._get_info(api_root)
            if info is None:
                raise err.NotGradio(f"{self.base_url} answered /config but not {prefix}/info")
        else:
            api_root, info = self._probe_info(disable_retry)
        self.app = AppInfo(self.base_url, api_root, info, config=config)
        if config is not None:
            self.app.version = str(config.get("version") or "") or None
            self._index_dependencies(self.app, config)
        return self.app

    def _get_config(self) -> dict[str, Any] | None:
        response = self.request("GET", self.base_url + proto.CONFIG)
        if response.status_code == 401:
            self.raise_for_status(response, f"GET {self.base_url}/config")
        if response.status_code != 200:
            return None
        try:
            data = response.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) and "components" in data else None

    def _get_info(self, api_root: str) -> dict[str, Any] | None:
        response = self.request("GET", api_root + proto.INFO)
        if response.status_code in (404, 302, 307, 308):
            return None
        self.raise_for_status(response, f"GET {api_root}/info")
        try:
            data = response.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) and "named_endpoints" in data else None

    def _probe_info(self, disable_retry: bool) -> tuple[str, dict[str, Any]]:
        candidates = [self.base_url]
        if not disable_retry:
            candidates.append(self.base_url + proto.GRADIO_API_PREFIX)
        for root in candidates:
            info = self._get_info(root)
            if info is not None:
                return root, info
        raise err.NotGradio(
            f"{self.base_url} does not look like a Gradio app (no /config nor /info)")

    @staticmethod
    def _index_dependencies(app: AppInfo, config: dict[str, Any]) -> None:
        kinds = {c.get("id"): str(c.get("type", "")) for c in config.get("components", [])}
        for position, dep in enumerate(config.get("dependencies", [])):
            name = dep.get("api_name")
            if not isinstance(name, str) or not name or name == "false":
                continue
            app.fn_index[name] = int(dep.get("id", position))
            app.state_slots[name] = [kinds.get(i) == "state" for i in dep.get("inputs", [])]
            if dep.get("queue") is False:
                app.unqueued.add(name)

    # -- calls ------------------------------------------------------------------------------

    def submit(self, api_name: str, data: list[Any], *, session_hash: str | None = None,
               token: str | None | bool = True) -> str:
        """POST {P}/call/<api>; returns the event id."""
        body: dict[str, Any] = {"data": data}
        if session_hash:
            body["session_hash"] = session_hash
        url = self.api_url(proto.CALL.format(api=proto.api_path(api_name)))
        response = self.request("POST", url, json=body, token=token)
        return self._event_id(response, api_name, f"POST /call/{api_name}")

    def _event_id(self, response: httpx.Response, api_name: str, what: str) -> str:
        """The event id of a job-creating POST, or the error it earned."""
        if response.status_code == 500:
            # Gradio answers an unknown api name with a bare 500 (5.x adds a traceback).
            raise err.ApiNotFound(
                f"Api name {api_name} not found or failed on the server (HTTP 500)"
            )
        if response.status_code == 422:
            raise err.InvalidParams(f"The app rejected the parameters: {response.text[:300]}")
        self.raise_for_status(response, what)
        answer = self.json_answer(response, what)
        event_id = answer.get("event_id") if isinstance(answer, dict) else None
        if not isinstance(event_id, str):
            raise err.NotGradio(f"{what}: no event_id in the answer: {response.text[:200]}")
        return event_id

    @contextlib.contextmanager
    def open_stream(
        self, api_name: str, event_id: str, token: str | None | bool = True
    ) -> Iterator[Iterator[httpx_sse.ServerSentEvent]]:
        """GET {P}/call/<api>/<event_id> as server-sent events (parsed by httpx-sse)."""
        url = self.api_url(proto.CALL_STREAM.format(api=proto.api_path(api_name) or "x",
                                                    event_id=event_id))
        headers = self._headers(token, url)
        with http_errors(f"GET /call/{api_name}/{event_id} (the result stream)", stream=True), \
                httpx_sse.connect_sse(self._http, "GET", url, headers=headers,
                                      timeout=self.timeouts()) as source:
            self.raise_for_status(source.response, f"GET /call/{api_name}/{event_id}")
            yield source.iter_sse()

    def queue_join(self, fn_index: int, data: list[Any], session_hash: str, *,
                   api_name: str = "", token: str | None | bool = True) -> str:
        """POST {P}/queue/join (every input, State slots included); returns the event id."""
        body = {"data": data, "fn_index": fn_index, "session_hash": session_hash,
                "event_data": None, "trigger_id": None}
        url = self.api_url(proto.QUEUE_JOIN)
        response = self.request("POST", url, json=body, token=token)
        if response.status_code == 404:
            # One 404 may come from a proxy or a restarting app: the caller takes a 404 as "no
            # queue routes" for the session's whole life, so only a second one in a row counts.
            log.info("POST /queue/join answered 404; trying once more")
            response = self.request("POST", url, json=body, token=token)
        return self._event_id(response, api_name, f"POST /queue/join ({api_name})")

    @contextlib.contextmanager
    def open_queue_stream(
        self, session_hash: str, token: str | None | bool = True
    ) -> Iterator[Iterator[httpx_sse.ServerSentEvent]]:
        """GET {P}/queue/data?session_hash=... : the messages of every job of that session."""
        url = self.api_url(proto.QUEUE_DATA)
        headers = self._headers(token, url)
        with http_errors("GET /queue/data (the queue stream)", stream=True), \
                httpx_sse.connect_sse(self._http, "GET", url, headers=headers,
                                      params={"session_hash": session_hash},
                                      timeout=self.timeouts()) as source:
            self.raise_for_status(source.response, "GET /queue/data")
            yield source.iter_sse()

    def cancel(self, event_id: str, api_name: str, session_hash: str | None) -> None:
        """POST {P}/cancel: Gradio cancels by (session_hash, fn_index)."""
        app = self.require_app()
        fn_index = app.fn_index.get(api_name.lstrip("/"))
        if fn_index is None:
            raise err.ApiNotFound(f"Api name {api_name} has no dependency id to cancel with")
        body = {"session_hash": session_hash or event_id, "fn_index": fn_index,
                "event_id": event_id}
        response = self.request("POST", self.api_url(proto.CANCEL), json=body)
        self.raise_for_status(response, "POST /cancel")
        self.request("POST", self.api_url(proto.RESET), json={"event_id": event_id})

    # -- files ------------------------------------------------------------------------------

    def upload(self, paths: list[str]) -> list[str]:
        """Multipart POST {P}/upload (part name ``files``); returns the server paths in order."""
        missing = [p for p in paths if not os.path.isfile(p)]
        if missing:
            raise err.FileNotFoundForUpload(f"File not found: {missing[0]}")
        with contextlib.ExitStack() as stack:
            parts = []
            for path in paths:
                handle = stack.enter_context(open(path, "rb"))
                kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
                parts.append(("files", (os.path.basename(path), handle, kind)))
            response = self.request("POST", self.api_url(proto.UPLOAD), files=parts)
        self.raise_for_status(response, "POST /upload")
        result = self.json_answer(response, "POST /upload")
        if not isinstance(result, list) or len(result) != len(paths):
            raise err.NotGradio(f"POST /upload: unexpected answer: {response.text[:200]}")
        return [str(p) for p in result]

    def download(self, url: str, destination: str) -> None:
        """Stream a file to ``destination`` (the caller has made that path safe)."""
        headers = self._headers(True, url)
        with http_errors(f"GET {url} (download)"), \
                self._http.stream("GET", check_http_url(url), headers=headers,
                                  timeout=self.timeouts()) as response:
            self.raise_for_status(response, "GET file")
            with open(destination, "wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)

    # -- login ------------------------------------------------------------------------------

    def login(self, username: str, password: str) -> None:
        """Form POST /login (never prefixed); Gradio's cookies stay in this client's jar."""
        response = self.request("POST", self.base_url + proto.LOGIN,
                                data={"username": username, "password": password})
        if response.status_code == 400:
            raise err.AuthenticationFailed(f"Login to {self.base_url} failed: wrong credentials",
                                           status=400)
        self.raise_for_status(response, "POST /login")
