"""New-, Get-, Set- and Remove-GradioSession, and the live properties a session object reads."""

from __future__ import annotations

from typing import Any

from ... import _errors as err
from ..._options import options_from_table, with_option
from ._base import (
    Args,
    CmdletContext,
    CmdletResult,
    WorkerState,
    cmdlet,
    event_id_of,
    local_path,
    resolve_session,
    resolve_sessions,
    session_output,
    wire_for,
)

# ApiCalls and its ById table, both live: PowerShai's scripts dropped calls from them.
API_CALLS, API_CALLS_BY_ID = "apicalls", "apicalls.byid"


@cmdlet("New-GradioSession")
def new_session(ctx: CmdletContext, a: Args) -> CmdletResult:
    registry = ctx.state.registry
    credential = a.get("Credential") or {}
    if isinstance(credential, dict) and isinstance(credential.get("$credential"), dict):
        credential = credential["$credential"]
    session = registry.new(
        str(a.get("AppUrl", "")),
        name=a.get("Name"),
        download_path=local_path(ctx, a.get("DownloadPath")),
        force=a.flag("Force"),
        token=a.get("Token"),
        username=credential.get("username") if isinstance(credential, dict) else None,
        password=credential.get("password") if isinstance(credential, dict) else None,
        disable_retry=a.flag("DisableRetry"),
        limits=_limits(a),
    )
    ctx.verbose(f"Session {session.name} -> {session.AppUrl} (Gradio {session.app.version})")
    return CmdletResult([session_output(ctx.state, session)])


TIMEOUT_PARAMETERS = ("ConnectTimeoutSec", "ReadTimeoutSec", "CallTimeoutSec")


def _limits(a: Args) -> dict[str, Any]:
    """The timeout parameters bound, as SessionOptions values (which check them).

    0 means "no limit", as for Invoke-WebRequest -TimeoutSec; Python says None.
    """
    limits: dict[str, Any] = {}
    for name in TIMEOUT_PARAMETERS:
        if a.has(name) and a.get(name) is not None:
            limits[name] = _ps_limit(name, a.get(name))
    return limits


def _is_zero(value: Any) -> bool:
    try:
        return not isinstance(value, bool) and float(value) == 0
    except (TypeError, ValueError):
        return False


@cmdlet("Get-GradioSession")
def get_session(ctx: CmdletContext, a: Args) -> CmdletResult:
    registry = ctx.state.registry
    found = resolve_sessions(registry, a.get("Session", "*"), like=a.flag("Like"),
                             by_id=a.flag("ById"))
    return CmdletResult([session_output(ctx.state, s) for s in found])


@cmdlet("Set-GradioSession")
def set_session(ctx: CmdletContext, a: Args) -> CmdletResult:
    registry = ctx.state.registry
    session = resolve_session(registry, a.get("Session"))
    registry.configure(session, default=a.flag("Default"), max_calls=a.int_or_none("MaxCalls"),
                       max_calls_policy=a.get("MaxCallsPolicy"), protocol=a.get("Protocol"),
                       limits=_limits(a))
    for other in registry:
        ctx.refresh(session_output(ctx.state, other))
    return CmdletResult([])


@cmdlet("Remove-GradioSession")
def remove_session(ctx: CmdletContext, a: Args) -> CmdletResult:
    value = a.get("Name")
    if value is None:
        # PowerShai's default is a literal '*' that matches no session: nothing is removed.
        return CmdletResult([])
    registry = ctx.state.registry
    for session in resolve_sessions(registry, value):
        registry.remove(session)
        ctx.verbose(f"Removed session {session.name}")
    return CmdletResult([])


def _ref_session(state: WorkerState, ref: dict[str, Any]) -> Any:
    if ref.get("$type") != "GradioSession":
        raise err.InvalidArgument(f"{ref.get('$type')} has no live properties")
    return state.registry.get(str(ref.get("$id")), by_id=True)[0]


def set_property(state: WorkerState, ref: dict[str, Any], name: str, value: Any,
                 key: str | None = None) -> Any:
    """object/set: ``$session.options = @{...}`` (key None) or ``$session.options.MaxCalls = 3``
    (key given), as PowerShai's live hashtables take them; ``uploads`` too (the cache of files
    already sent: an entry removed is sent again). A key with a null value removes the entry.
    Returns the new value."""
    session = _ref_session(state, ref)
    if name.lower() == "uploads":
        _set_uploads(session, value, key)
        return get_property(state, ref, name)
    if name.lower() in (API_CALLS, API_CALLS_BY_ID):
        session.keep_calls(_calls_kept(list(session.calls), name.lower(), value, key))
        return get_property(state, ref, name)
    if name.lower() != "options":
        raise err.InvalidArgument(
            f"GradioSession.{name} cannot be set; options, uploads and ApiCalls can")
    if key is not None:
        session.options = with_option(session.options, key, _ps_limit(key, value))
    elif isinstance(value, dict):
        session.options = options_from_table(
            {k: _ps_limit(k, v) for k, v in value.items()})
    else:
        raise err.InvalidArgument(f"GradioSession.options must be a hashtable, not {value!r}")
    return get_property(state, ref, name)


def _calls_kept(current: list[str], name: str, value: Any, key: str | None) -> list[str]:
    """The calls a change to ``ApiCalls`` leaves, read as PowerShai's tables were: the session
    holds the calls listed in ``AllEvents`` or keyed in ``ById``; a ``ById`` entry set to $null
    (or removed) drops that call; setting an entry to a call the session has keeps it."""
    if name == API_CALLS_BY_ID:
        if key is None:
            return _table_ids(value, "ApiCalls.ById")
        return [c for c in current if c != key] if value is None else current + [key]
    if key is None:
        table = value if isinstance(value, dict) else _not_a_table("ApiCalls", value)
        lowered = {str(k).lower(): v for k, v in table.items()}
        return (_list_ids(lowered.get("allevents"))
                + _table_ids(lowered.get("byid") or {}, "ApiCalls.ById"))
    if key.lower() == "allevents":
        return _list_ids(value)
    if key.lower() == "byid":
        return _table_ids(value or {}, "ApiCalls.ById")
    raise err.InvalidArgument(f"ApiCalls has the entries AllEvents and ById, not {key!r}")


def _list_ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else ([] if value is None else [value])
    return [i for i in (event_id_of(v) for v in items) if i is not None]


def _table_ids(value: Any, name: str) -> list[str]:
    table = value if isinstance(value, dict) else _not_a_table(name, value)
    return [str(k) for k in table]


def _not_a_table(name: str, value: Any) -> dict[str, Any]:
    raise err.InvalidArgument(f"GradioSession.{name} must be a hashtable, not {value!r}")


def _set_uploads(session: Any, value: Any, key: str | None) -> None:
    """An upload entry is a local path and the FileData the app gave for it."""
    entries = {key: value} if key is not None else value
    if not isinstance(entries, dict):
        raise err.InvalidArgument(f"GradioSession.uploads must be a hashtable, not {value!r}")
    for path, data in entries.items():
        if data is not None and not (isinstance(data, dict) and data.get("path")):
            raise err.InvalidArgument(
                f"uploads[{path!r}] must be the FileData the app gave for that file "
                f"(a table with its server 'path'), or $null to forget it")
    session.update_uploads({str(p): d for p, d in entries.items()}, replace=key is None)


def _ps_limit(key: str, value: Any) -> Any:
    """PowerShell's words for a timeout: 0 is "no limit" (None in Python)."""
    is_limit = str(key).lower() in {t.lower() for t in TIMEOUT_PARAMETERS}
    return None if is_limit and _is_zero(value) else value


def get_property(state: WorkerState, ref: dict[str, Any], name: str) -> Any:
    """Current value of a live property (object/get)."""
    session = _ref_session(state, ref)
    key = name.lower()
    if key in (API_CALLS, API_CALLS_BY_ID):
        wire = wire_for(state)
        calls = [wire.encode(c) for c in list(session.calls.values())]
        by_id = {c["id"]: c for c in calls}
        return by_id if key == API_CALLS_BY_ID else {"AllEvents": calls, "ById": by_id}
    if key == "uploads":
        return dict(session.uploads)
    if key == "options":
        return {"MaxCalls": wire_for(state).counter(session.options.MaxCalls),
                "MaxCallsPolicy": session.options.MaxCallsPolicy,
                "Protocol": session.options.Protocol,
                # PowerShell's words: 0 is "no limit".
                **{name: getattr(session.options, name) or 0 for name in TIMEOUT_PARAMETERS}}
    raise err.InvalidArgument(f"GradioSession has no live property {name}")
