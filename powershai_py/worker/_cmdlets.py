"""One handler per cmdlet: PowerShai's semantics over the session model, for the worker.

Each handler takes the cmdlet's bound parameters (names as PowerShell binds them, matched without
regard to case) and returns a :class:`CmdletResult` of wire-encoded objects.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from .. import _errors as err
from .._auth import resolve_token, token_headers
from .._client import GradioClient
from .._events import GradioApiEvent, SessionApiEvent
from .._files import file_data_from_server_path
from .._registry import SessionRegistry
from .._session import GradioSession
from ._context import CmdletContext, CmdletResult, LastItem
from ._wire import encode, encode_call_changes, encode_event_changes, encode_result

Handler = Callable[[CmdletContext, "Args"], CmdletResult]
CMDLETS: dict[str, Callable[[CmdletContext, dict[str, Any]], CmdletResult]] = {}

REGISTRY = SessionRegistry()
# Events made with Send-GradioApi belong to no session; they live here until the worker exits.
_BARE_EVENTS: dict[str, GradioApiEvent] = {}
_BARE_SESSIONS: dict[str, GradioSession] = {}
_LOCK = threading.Lock()


class Args:
    """Bound parameters with PowerShell's case-insensitive names."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = {str(k).lower(): v for k, v in (raw or {}).items()}

    def get(self, name: str, default: Any = None) -> Any:
        value = self._raw.get(name.lower(), default)
        return default if value is None else value

    def has(self, name: str) -> bool:
        return name.lower() in self._raw

    def flag(self, name: str) -> bool:
        return bool(self._raw.get(name.lower(), False))

    def int_or_none(self, name: str) -> int | None:
        value = self._raw.get(name.lower())
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise err.InvalidArgument(f"-{name} must be a number, not {value!r}") from exc


def cmdlet(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        CMDLETS[name] = lambda ctx, raw: fn(ctx, Args(raw))
        return fn

    return register


# -- argument resolution ---------------------------------------------------------------------


def ref_of(value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, dict):
            return ref
        if "$type" in value and "$id" in value:
            return value
    return None


def resolve_session(value: Any, default: str = ".") -> GradioSession:
    ref = ref_of(value)
    if ref is not None and ref.get("$type") == "GradioSession":
        return REGISTRY.get(str(ref["$id"]), by_id=True)[0]
    if isinstance(value, list) and len(value) == 1:
        return resolve_session(value[0], default)
    return REGISTRY.resolve(default if value is None else value)


def resolve_sessions(value: Any, *, like: bool = False, by_id: bool = False
                     ) -> list[GradioSession]:
    if isinstance(value, list):
        return [s for v in value for s in resolve_sessions(v, like=like, by_id=by_id)]
    ref = ref_of(value)
    if ref is not None and ref.get("$type") == "GradioSession":
        return REGISTRY.get(str(ref["$id"]), by_id=True)
    return REGISTRY.get("*" if value is None else value, like=like, by_id=by_id)


def event_id_of(value: Any) -> str | None:
    ref = ref_of(value)
    if ref is not None:
        return str(ref["$id"])
    if isinstance(value, dict):
        for key in ("id", "EventId"):
            if key in value:
                return str(value[key])
    return None if value is None else str(value)


def resolve_call(value: Any, session_arg: Any) -> tuple[GradioSession, SessionApiEvent]:
    """A session's call from an id or an event object (the event knows its session)."""
    event_id = event_id_of(value)
    if event_id is not None and ref_of(value) is not None:
        found = REGISTRY.find_call(event_id)
        if found is not None:
            session, call = found
            return session, call
    session = resolve_session(session_arg)
    if event_id is None:
        if not session.calls:
            raise err.EventNotFound(f"The session {session.name} has no calls")
        return session, next(reversed(session.calls.values()))
    return session, session.get_call(event_id)


def session_output(session: GradioSession) -> Any:
    return encode(session, is_default=REGISTRY.is_default(session))


# -- sessions --------------------------------------------------------------------------------


@cmdlet("New-GradioSession")
def new_session(ctx: CmdletContext, a: Args) -> CmdletResult:
    credential = a.get("Credential") or {}
    if isinstance(credential, dict) and isinstance(credential.get("$credential"), dict):
        credential = credential["$credential"]
    session = REGISTRY.new(
        str(a.get("AppUrl", "")),
        name=a.get("Name"),
        download_path=a.get("DownloadPath"),
        force=a.flag("Force"),
        token=a.get("Token"),
        username=credential.get("username") if isinstance(credential, dict) else None,
        password=credential.get("password") if isinstance(credential, dict) else None,
        disable_retry=a.flag("DisableRetry"),
    )
    ctx.verbose(f"Session {session.name} -> {session.AppUrl} (Gradio {session.app.version})")
    return CmdletResult([session_output(session)])


@cmdlet("Get-GradioSession")
def get_session(ctx: CmdletContext, a: Args) -> CmdletResult:
    found = resolve_sessions(a.get("Session", "*"), like=a.flag("Like"), by_id=a.flag("ById"))
    return CmdletResult([session_output(s) for s in found])


@cmdlet("Set-GradioSession")
def set_session(ctx: CmdletContext, a: Args) -> CmdletResult:
    session = resolve_session(a.get("Session"))
    REGISTRY.configure(session, default=a.flag("Default"), max_calls=a.int_or_none("MaxCalls"),
                       max_calls_policy=a.get("MaxCallsPolicy"), protocol=a.get("Protocol"))
    for other in REGISTRY:
        ctx.refresh(encode(other, is_default=REGISTRY.is_default(other)))
    return CmdletResult([])


@cmdlet("Remove-GradioSession")
def remove_session(ctx: CmdletContext, a: Args) -> CmdletResult:
    value = a.get("Name")
    if value is None:
        # PowerShai's default is a literal '*' that matches no session: nothing is removed.
        return CmdletResult([])
    for session in resolve_sessions(value):
        REGISTRY.remove(session)
        ctx.verbose(f"Removed session {session.name}")
    return CmdletResult([])


# -- calls -----------------------------------------------------------------------------------


@cmdlet("Invoke-GradioSessionApi")
def invoke_session_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    session = resolve_session(a.get("session"))
    call = session.invoke(
        str(a.get("ApiName", "")), a.get("Params"), event_id=a.get("EventId"),
        token=a.get("Token"), warn=ctx.warning,
    )
    return CmdletResult([encode(call)])


QUEUE_PROGRESS_ID, RUN_PROGRESS_ID = 1, 2


def _status_hook(ctx: CmdletContext, event: GradioApiEvent, shown: set[int]
                 ) -> Callable[[str, dict[str, Any]], None]:
    """Queue side information as Write-Progress / Write-Warning / Write-Verbose messages."""

    def hook(kind: str, info: dict[str, Any]) -> None:
        if kind == "estimation" and isinstance(info.get("rank"), int):
            status = f"position {info['rank'] + 1} of {info.get('queue_size')}"
            ctx.progress("Gradio queue", status, id=QUEUE_PROGRESS_ID)
            shown.add(QUEUE_PROGRESS_ID)
        elif kind == "process_starts" and QUEUE_PROGRESS_ID in shown:
            ctx.progress("Gradio queue", "started", id=QUEUE_PROGRESS_ID, completed=True)
            shown.discard(QUEUE_PROGRESS_ID)
        elif kind == "progress" and event.Progress:
            unit = event.Progress[0]
            done, length = unit.get("progress"), unit.get("length")
            if not isinstance(done, (int, float)) and isinstance(length, (int, float)) and length:
                done = (unit.get("index") or 0) / length
            percent = int(done * 100) if isinstance(done, (int, float)) else -1
            ctx.progress(event.api_name, str(unit.get("desc") or unit.get("unit") or ""),
                         percent=max(-1, min(100, percent)), id=RUN_PROGRESS_ID)
            shown.add(RUN_PROGRESS_ID)
        elif kind == "log":
            text = str(info.get("log", ""))
            if str(info.get("level", "")).lower() == "warning":
                ctx.warning(text)
            else:
                ctx.verbose(text)

    return hook


def _stream_updates(ctx: CmdletContext, holder: Any, event: GradioApiEvent, a: Args,
                    script: bool = False) -> Iterator[Any]:
    updates = holder.update(
        max_heartbeats=a.int_or_none("MaxHeartBeats"), history=a.flag("History"),
        cancel=ctx.cancelled, warn=ctx.warning,
    )
    shown: set[int] = set()
    event.status_hook = _status_hook(ctx, event, shown)

    def finish() -> None:
        event.status_hook = None
        for progress_id in sorted(shown):
            ctx.progress(event.api_name, "done", id=progress_id, completed=True)
        shown.clear()

    history = a.flag("History")

    def send_changes(final: bool) -> None:
        # Small per-result patches; the whole history only once, at the end (else each message
        # would re-send everything before it).
        ctx.refresh(encode_event_changes(event, history=history and final))
        if holder is not event:
            ctx.refresh(encode_call_changes(holder))

    try:
        for result in updates:
            last = event.finished
            if last:
                finish()
            send_changes(last)
            if script:
                ctx.invoke("Script", {"event": encode_result(result), "ApiEvent": encode(event)})
            if not a.flag("NoOutput"):
                item = encode_result(result)
                yield LastItem(item) if last else item
    finally:
        finish()
    send_changes(True)


@cmdlet("Update-GradioSessionApiResult")
def update_session_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    _, call = resolve_call(a.get("Id"), a.get("session"))
    return CmdletResult([], _stream_updates(ctx, call, call.ApiEvent, a), call.ApiEvent.ready)


@cmdlet("Get-GradioSessionApi")
def get_session_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    session = resolve_session(a.get("Session"))
    return CmdletResult([encode(c) for c in list(session.calls.values())])


@cmdlet("Remove-GradioSessionApi")
def remove_session_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    target = a.get("Target")
    if isinstance(target, list):
        targets = target
    else:
        targets = [target]
    session_arg = a.get("session")
    removed: list[SessionApiEvent] = []
    for item in targets:
        ref_target = event_id_of(item) if ref_of(item) is not None else item
        if ref_of(item) is not None:
            session, _ = resolve_call(item, session_arg)
        else:
            session = resolve_session(session_arg)
        plan = ctx.dry_run or a.flag("Elegible") or ctx.approved is not None
        chosen = session.remove_calls(ref_target, force=a.flag("Force"), eligible_only=plan)
        if ctx.approved is not None and not ctx.dry_run and not a.flag("Elegible"):
            approved = set(ctx.approved)
            for call in chosen:
                if call.id in approved:
                    session.remove_calls(call.id, force=True)
                    removed.append(call)
        else:
            removed.extend(chosen)
    return CmdletResult([encode(c) for c in removed])


@cmdlet("Stop-GradioSessionApi")
def stop_session_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    session, call = resolve_call(a.get("Id"), a.get("session"))
    session.cancel(call)
    ctx.verbose(f"Cancel sent for {call.id}")
    return CmdletResult([encode(call)])


# -- bare events (no session) ----------------------------------------------------------------


def _bare_session(app_url: str, token: str | None) -> GradioSession:
    key = f"{app_url}|{bool(token)}"
    with _LOCK:
        session = _BARE_SESSIONS.get(key)
        if session is None:
            session = GradioSession(app_url, token=token).connect()
            session.options.MaxCalls = 1 << 30
            _BARE_SESSIONS[key] = session
        return session


@cmdlet("Send-GradioApi")
def send_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    session = _bare_session(str(a.get("AppUrl", "")), a.get("token"))
    call = session.invoke(str(a.get("ApiName", "")), a.get("Params"),
                          event_id=a.get("EventId"), token=a.get("token"), warn=ctx.warning)
    session.calls.pop(call.id, None)
    event = call.ApiEvent
    if a.get("SessionHash"):
        event.SessionHash = str(a.get("SessionHash"))
    with _LOCK:
        _BARE_EVENTS[event.EventId] = event
    return CmdletResult([encode(event)])


@cmdlet("Update-GradioApiResult")
def update_api_result(ctx: CmdletContext, a: Args) -> CmdletResult:
    event_id = event_id_of(a.get("ApiEvent"))
    event = _BARE_EVENTS.get(event_id or "")
    if event is None and event_id is not None:
        found = REGISTRY.find_call(event_id)
        event = found[1].ApiEvent if found else None
    if event is None:
        raise err.EventNotFound(f"Event {event_id} not found")
    script = a.has("Script") and a.get("Script") is not None
    return CmdletResult([], _stream_updates(ctx, event, event, a, script=script), event.ready)


# -- info, http, files ------------------------------------------------------------------------


def _client_for(value: Any) -> tuple[GradioClient, Any]:
    """A discovered client for a URL, a session object or '.', and the session if any."""
    if value is None or value == "." or ref_of(value) is not None:
        session = resolve_session(value)
        return session.client, session
    return _bare_session(str(value), None).client, None


@cmdlet("Get-GradioInfo")
def get_info(ctx: CmdletContext, a: Args) -> CmdletResult:
    value = a.get("AppUrl")
    if value is None or value == "." or ref_of(value) is not None:
        app = resolve_session(value).app
    else:
        client = GradioClient(str(value), token=resolve_token(None))
        try:
            app = client.discover(disable_retry=a.flag("DisableRetry"))
        finally:
            client.close()
    return CmdletResult([{**app.info, "RealAppUrl": app.api_root}])


@cmdlet("Invoke-GradioHttp")
def invoke_http(ctx: CmdletContext, a: Args) -> CmdletResult:
    url = str(a.get("url", ""))
    method = str(a.get("method", "GET")).upper()
    data = a.get("data")
    headers = token_headers(resolve_token(a.get("token")))
    kwargs: dict[str, Any] = {"headers": headers}
    if data is not None:
        if isinstance(data, (dict, list)):
            kwargs["json"] = data
        else:
            kwargs["content"] = str(data).encode("utf-8")
            headers["content-type"] = str(a.get("ContentType", "application/json"))
    redirects = a.int_or_none("MaxRedirects")
    with httpx.Client(timeout=httpx.Timeout(10.0, read=120.0), follow_redirects=bool(redirects),
                      max_redirects=redirects or 0) as http:
        try:
            with http.stream(method, url, **kwargs) as response:
                if a.has("StreamCallback"):
                    for line in response.iter_lines():
                        ctx.invoke("StreamCallback", line)
                    return CmdletResult([])
                body = response.read().decode(response.encoding or "utf-8", "replace")
        except httpx.HTTPError as exc:
            raise err.GradioConnectionError(f"{method} {url} failed: {exc}",
                                            error_id=err.UNREACHABLE) from exc
    if response.status_code >= 400:
        raise err.GradioConnectionError(f"{method} {url}: HTTP {response.status_code} {body[:300]}",
                                        error_id=err.HTTP_STATUS)
    return CmdletResult([body])


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@cmdlet("Send-GradioFile")
def send_file(ctx: CmdletContext, a: Args) -> CmdletResult:
    client, session = _client_for(a.get("AppUrl"))
    paths = [str(p) for p in _as_list(a.get("Files"))]
    server_paths = client.upload(paths)
    if a.flag("Raw"):
        return CmdletResult(list(server_paths))

    root = client.require_app().api_root
    return CmdletResult([file_data_from_server_path(root, sp, os.path.basename(p))
                         for sp, p in zip(server_paths, paths, strict=True)])


@cmdlet("Send-GradioSessionFiles")
def send_session_files(ctx: CmdletContext, a: Args) -> CmdletResult:
    session = resolve_session(a.get("Session"))
    return CmdletResult(session.send_files(_as_list(a.get("files"))))


# -- object/get --------------------------------------------------------------------------------


def get_property(ref: dict[str, Any], name: str) -> Any:
    """Current value of a live property (object/get)."""
    if ref.get("$type") != "GradioSession":
        raise err.InvalidArgument(f"{ref.get('$type')} has no live properties")
    session = REGISTRY.get(str(ref.get("$id")), by_id=True)[0]
    key = name.lower()
    if key == "apicalls":
        calls = [encode(c) for c in list(session.calls.values())]
        return {"AllEvents": calls, "ById": {c["id"]: c for c in calls}}
    if key == "uploads":
        return dict(session.uploads)
    if key == "options":
        return {"MaxCalls": session.options.MaxCalls,
                "MaxCallsPolicy": session.options.MaxCallsPolicy,
                "Protocol": session.options.Protocol}
    raise err.InvalidArgument(f"GradioSession has no live property {name}")


# The other cmdlet families register themselves through @cmdlet when imported.
from . import _proxy_cmdlets, _space_cmdlets  # noqa: E402, F401
