"""Hugging Face Spaces: look a Space up on the Hub, wake it, wait until it runs.

Facts this follows (the Hub's public API, and what Gradio's own JavaScript client does):

* ``GET {hub}/api/spaces/{owner}/{name}`` answers the Space's info: ``id``, ``sdk``,
  ``cardData.sdk_version``, ``private``, ``host`` (``https://<subdomain>.hf.space``),
  ``subdomain`` and ``runtime.stage``. ``GET {hub}/api/spaces/by-subdomain/{subdomain}`` answers
  the same for a ``*.hf.space`` host. Private Spaces need ``Authorization: Bearer <token>``.
* Stages: ``RUNNING`` and ``RUNNING_BUILDING`` serve; ``SLEEPING`` and ``STOPPED`` wake up when
  their host receives a request; ``BUILDING``, ``APP_STARTING`` and ``RUNNING_APP_STARTING`` are on
  their way; ``PAUSED`` (by its author) and the error stages (``RUNTIME_ERROR``, ``BUILD_ERROR``,
  ``CONFIG_ERROR``, ``NO_APP_FILE``, ...) will not come up by waiting.
* Waking is a plain request to the Space's host (the restart API needs write access to the Space,
  so it is not used; PowerShai's Start-HuggingFaceSpace does the same with a HEAD request).
* ``GET {hub}/api/whoami-v2`` answers who a token belongs to (401 for a bad one);
  ``GET {hub}/api/spaces?author=<name>`` lists an author's Spaces.

The Hub's address is ``$POWERSHAI_HF_HUB_URL``, else ``$HF_ENDPOINT`` (the variable Hugging Face's
own tools read), else ``https://huggingface.co``. TLS is always verified.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from . import _errors as err
from ._auth import token_headers
from ._http import http_errors, send
from ._tls import verifying_context

log = logging.getLogger("powershai_py.spaces")

DEFAULT_HUB = "https://huggingface.co"
HUB_ENV_VARS = ("POWERSHAI_HF_HUB_URL", "HF_ENDPOINT")

RUNNING_STAGES = frozenset({"RUNNING", "RUNNING_BUILDING"})
ASLEEP_STAGES = frozenset({"SLEEPING", "STOPPED"})
STARTING_STAGES = frozenset({"BUILDING", "APP_STARTING", "RUNNING_APP_STARTING"})

SPACE_ERROR = err.SpaceError.error_id
SPACE_NOT_FOUND = err.SpaceNotFound.error_id
SPACE_TIMEOUT = err.SpaceTimeout.error_id
SPACE_PAUSED = err.SpacePaused.error_id
SPACE_FAILED = err.SpaceFailed.error_id
SPACE_NOT_GRADIO = err.SpaceNotGradio.error_id
# Redirects the Hub may answer (a renamed Space): followed, credentials only to the same origin.
MAX_HUB_REDIRECTS = 5

# Seconds between two looks at a Space that is not running yet (tests make it shorter).
POLL_INTERVAL = 2.0
HUB_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=30.0)
WAKE_TIMEOUT = httpx.Timeout(connect=10.0, read=5.0, write=10.0, pool=10.0)

StageHook = Callable[[str, dict[str, Any]], None]


def hub_url() -> str:
    for name in HUB_ENV_VARS:
        value = os.environ.get(name)
        if value:
            return value.rstrip("/")
    return DEFAULT_HUB


_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def parse_space(value: Any) -> tuple[str, str]:
    """``("id", owner/name)`` or ``("subdomain", sub)`` for what a user may pass as -space.

    Accepted: ``owner/name``, ``https://huggingface.co/spaces/owner/name[/...]``,
    ``https://<subdomain>.hf.space[/...]``, or a Space object (a dict with ``id``).
    """
    if isinstance(value, dict):
        if value.get("id"):
            return "id", str(value["id"])
        raise err.InvalidArgument("The Space object has no id")
    text = str(value or "").strip()
    if not text:
        raise err.InvalidArgument("-space is required (owner/name or a Space URL)")
    if "://" in text:
        parts = urlsplit(text)
        host = parts.hostname or ""
        if host.endswith(".hf.space"):
            return "subdomain", host[: -len(".hf.space")]
        match = re.match(r"/spaces/([^/]+/[^/]+)", parts.path)
        if match:
            return "id", match.group(1)
        raise err.InvalidArgument(f"Not a Space URL: {text}")
    text = text.removeprefix("spaces/")
    if not _ID.fullmatch(text):
        raise err.InvalidArgument(f"Not a Space id (owner/name): {text}")
    return "id", text


def subdomain_of(space_id: str) -> str:
    """The *.hf.space subdomain the Hub derives from an id (used when the info lacks one)."""
    return re.sub(r"[^a-z0-9]+", "-", space_id.lower()).strip("-")


def space_host(info: dict[str, Any]) -> str:
    host = info.get("host")
    if isinstance(host, str) and host:
        return host.rstrip("/")
    subdomain = info.get("subdomain") or subdomain_of(str(info.get("id") or ""))
    return f"https://{subdomain}.hf.space"


def sdk_version(info: dict[str, Any]) -> str | None:
    card = info.get("cardData") if isinstance(info.get("cardData"), dict) else {}
    value = info.get("sdk_version") or (card or {}).get("sdk_version")
    return str(value) if value else None


def stage_of(info: dict[str, Any]) -> str:
    runtime = info.get("runtime") if isinstance(info.get("runtime"), dict) else {}
    return str((runtime or {}).get("stage") or "UNKNOWN").upper()


class HubClient:
    """The few Hub calls a Space connection needs (one pooled httpx client)."""

    def __init__(self, base_url: str | None = None, *, token: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = (base_url or hub_url()).rstrip("/")
        self.token = token
        self._http = httpx.Client(timeout=HUB_TIMEOUT, transport=transport,
                                  verify=verifying_context(),
                                  follow_redirects=False, headers={"user-agent": "powershai-py"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str, params: dict[str, str] | None = None,
             token: str | None = None) -> httpx.Response:
        url = self.base_url + path
        with http_errors(f"GET {url} (the Hub)"):
            return send(self._http, "GET", url, params=params,
                        headers=token_headers(token or self.token),
                        max_redirects=MAX_HUB_REDIRECTS)

    @staticmethod
    def _json(response: httpx.Response, what: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise err.SpaceError(f"{what}: the Hub did not answer JSON") from None

    def get_space(self, value: Any, *, full: bool = False) -> dict[str, Any]:
        """The Hub's info of a Space (``GET /api/spaces/{id}``), as the Hub answered it.

        ``full`` asks for the long form (``?full=true``, what PowerShai asks for).
        """
        kind, key = parse_space(value)
        path = (f"/api/spaces/{quote(key, safe='/')}" if kind == "id"
                else f"/api/spaces/by-subdomain/{quote(key, safe='')}")
        response = self._get(path, {"full": "true"} if full else None)
        if response.status_code in (401, 403, 404):
            hint = "" if self.token else " (a private Space needs a token: token= or HF_TOKEN)"
            raise err.SpaceNotFound(
                f"Space {key} not found or not visible (HTTP {response.status_code}){hint}")
        if response.status_code >= 400:
            raise err.SpaceError(f"GET {path}: HTTP {response.status_code} "
                                 f"{response.text[:200].strip()}")
        info = self._json(response, f"GET {path}")
        if not isinstance(info, dict):
            raise err.SpaceError(f"GET {path}: the Hub sent no Space object")
        return info

    def list_spaces(self, author: str) -> list[Any]:
        """The Spaces of one author (``GET /api/spaces?author=...``), as the Hub listed them."""
        response = self._get("/api/spaces", {"author": author})
        if response.status_code >= 400:
            raise err.SpaceError(f"GET /api/spaces?author={author}: HTTP {response.status_code} "
                                 f"{response.text[:200].strip()}")
        found = self._json(response, "GET /api/spaces")
        if not isinstance(found, list):
            raise err.SpaceError("GET /api/spaces: the Hub sent no list")
        return found

    def whoami(self, token: str | None = None) -> dict[str, Any]:
        """Who the token belongs to (``GET /api/whoami-v2``); InvalidToken when the Hub refuses it.

        ``token`` overrides the client's own token for this one call.
        """
        used = token or self.token
        response = self._get("/api/whoami-v2", token=used)
        if response.status_code == 401:
            # Never the token itself: only whether there was one.
            raise err.InvalidToken("Token is not valid!" if used
                                   else "no Hugging Face token was given (-Token, HF_API_TOKEN "
                                        "or HF_TOKEN)")
        if response.status_code >= 400:
            raise err.SpaceError(f"GET /api/whoami-v2: HTTP {response.status_code} "
                                 f"{response.text[:200].strip()}")
        me = self._json(response, "GET /api/whoami-v2")
        if not isinstance(me, dict):
            raise err.SpaceError("GET /api/whoami-v2: the Hub sent no user object")
        return me

    def touch(self, host: str) -> int | None:
        """One HEAD request to a Space's host, which starts a sleeping Space (what PowerShai's
        Start-HuggingFaceSpace does); the HTTP status, or ``None`` when no answer came in time."""
        try:
            with http_errors(f"HEAD {host} (starting the Space)"):
                response = send(self._http, "HEAD", host, headers=token_headers(self.token),
                                timeout=WAKE_TIMEOUT)
        except err.RequestTimeout:
            return None
        response.close()
        return response.status_code

    def wake(self, host: str) -> None:
        """Touch the Space's host so a sleeping Space starts; any answer (or none) will do."""
        try:
            with http_errors(f"GET {host} (waking the Space)"):
                send(self._http, "GET", host, headers=token_headers(self.token),
                     max_redirects=MAX_HUB_REDIRECTS, timeout=WAKE_TIMEOUT)
        except err.PowershaiPyError as exc:
            log.debug("waking %s: %s", host, exc.text)

    def wait_running(self, value: Any, *, timeout: float, on_stage: StageHook | None = None,
                     poll: float | None = None) -> dict[str, Any]:
        """Wake the Space if it sleeps and poll until it runs; the last info it answered.

        ``on_stage(stage, info)`` is called after every look. Raises SpaceError
        (SPACE_TIMEOUT, SPACE_PAUSED, SPACE_FAILED) when it will not run.
        """
        interval = POLL_INTERVAL if poll is None else poll
        deadline = time.monotonic() + max(0.0, float(timeout))
        woken = False
        while True:
            info = self.get_space(value)
            stage = stage_of(info)
            if on_stage is not None:
                on_stage(stage, info)
            space_id = info.get("id") or value
            if stage in RUNNING_STAGES:
                return info
            if stage == "PAUSED":
                raise err.SpacePaused(
                    f"Space {space_id} was paused by its author; it will not start until they "
                    "restart it (you may duplicate it)")
            if stage not in ASLEEP_STAGES and stage not in STARTING_STAGES:
                runtime = info.get("runtime") if isinstance(info.get("runtime"), dict) else {}
                detail = (runtime or {}).get("errorMessage") or ""
                raise err.SpaceFailed(
                    f"Space {space_id} is in stage {stage}: it will not run by waiting"
                    + (f" ({str(detail)[:300]})" if detail else ""))
            if stage in ASLEEP_STAGES and not woken:
                self.wake(space_host(info))
                woken = True
            if time.monotonic() >= deadline:
                raise err.SpaceTimeout(
                    f"Space {space_id} did not reach RUNNING within {timeout:g} s "
                    f"(last stage {stage})")
            time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
