"""New-, Get- and Remove-GradioSessionApiProxyFunction, and what a proxy function runs.

A proxy function is a PowerShell function with one parameter per input of a Gradio endpoint
(planning.py decides them, rendering.py writes the text). The worker sends the text and PowerShell
defines it (``{"$directive": "defineFunction"}``); when it runs, it hands its bound parameters back
to the internal cmdlet ``Invoke-GradioProxyFunction``.

New- and Get- write what PowerShai's write: the functions' own ``FunctionInfo`` objects (so
``& $fn -Val x`` works), typed ``PowershaiType:GradioProxyFunction``, with a ``GradioProxy``
note property (its session, endpoint and prefix). Only PowerShell holds FunctionInfo objects,
so the worker sends what to attach (``"emit"``) and the directive writes the function.

Which results a proxy writes (without -Manual), as PowerShai's do: every message Update gives
except heartbeats, the final ``complete`` included, although Gradio repeats the last
``generating`` value in it. So ``Op2 -MaxNums 3 | Op1 -map val=0`` calls Op1 six times:
``--start--``, ``1``..``3``, ``--end--`` and ``--end--`` again. ``error`` results are written
too; an ``error`` result piped into a proxy is passed through unchanged (nothing is called).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from .... import _errors as err
from .... import _protocol as proto
from ...._registry import SessionRegistry
from ...._session import GradioSession
from ..._state import ProxyRecord
from .._base import (
    Args,
    CmdletContext,
    CmdletResult,
    cmdlet,
    resolve_session,
    resolve_sessions,
    session_output,
    wire_for,
)
from .planning import endpoint_plan, function_name, plan_parameters
from .rendering import PROXY_MARKER, proxy_script
from .values import as_result, build_values, mapped_values

PROXY_TYPE = "GradioProxyFunction"
PROXY_INFO_TYPE = "GradioProxyInfo"
NO_SESSION = err.ProxyNoSession.error_id
PROXY_EXISTS = err.ProxyExists.error_id
PROXY_NOT_FOUND = err.ProxyNotFound.error_id


def proxy_info(ctx: CmdletContext, record: ProxyRecord) -> dict[str, Any]:
    """The ``GradioProxy`` property of a proxy's FunctionInfo (PowerShai: session, ApiName)."""
    session = next((s for s in ctx.state.registry if s.SessionId == record.SessionId), None)
    return {"$type": PROXY_INFO_TYPE,
            "session": None if session is None else session_output(ctx.state, session),
            "ApiName": record.ApiName, "SessionName": record.SessionName,
            "SessionId": record.SessionId, "Prefix": record.Prefix,
            "SessionExists": session is not None}


def emit_function(ctx: CmdletContext, record: ProxyRecord) -> dict[str, Any]:
    """Directive: write the FunctionInfo of an existing proxy function (none if it was deleted)."""
    return {"$directive": "emitFunction", "name": record.Name, "type": PROXY_TYPE,
            "emit": proxy_info(ctx, record)}


def _api_filter(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v).lstrip("/") for v in items if v is not None and str(v) != ""]


@cmdlet("New-GradioSessionApiProxyFunction")
def new_proxy_functions(ctx: CmdletContext, a: Args) -> CmdletResult:
    sessions = a.get("Session")
    targets = sessions if isinstance(sessions, list) else [sessions]
    prefix = str(a.get("Prefix") or "Invoke-GradioApi")
    wanted = _api_filter(a.get("ApiName"))
    output: list[Any] = []
    for target in targets:
        session = resolve_session(ctx.state.registry, target)
        endpoints = session.info.get("named_endpoints") or {}
        names = [str(k).lstrip("/") for k in endpoints]
        if wanted:
            lowered = {n.lower() for n in names}
            missing = [w for w in wanted if w.lower() not in lowered]
            if missing:
                raise err.ApiNotFound(f"Api name {missing[0]} not found. "
                                      f"Valid names: {', '.join(names)}")
            names = [n for n in names if n.lower() in {w.lower() for w in wanted}]
        used: set[str] = set()
        for api in names:
            fn = function_name(prefix, api)
            if fn == prefix:
                fn = f"{prefix}Api{len(used)}"
            base, n = fn, 2
            while fn.lower() in used:
                fn = f"{base}{n}"
                n += 1
            if fn != base:
                ctx.warning(f"/{api} would be named {base} like another endpoint; made {fn}")
            used.add(fn.lower())
            params = plan_parameters(session.endpoint(api) or {})
            record = ProxyRecord(fn, api, session.SessionId, session.name, prefix)
            with ctx.state.proxies_lock:
                ctx.state.proxies[fn.lower()] = record
            ctx.verbose(f"Proxy function {fn} -> /{api} of {session.name}")
            output.append({"$directive": "defineFunction", "name": fn,
                           "script": proxy_script(session, api, fn, params),
                           "force": a.flag("Force"), "marker": PROXY_MARKER,
                           "existsErrorId": PROXY_EXISTS,
                           "type": PROXY_TYPE, "emit": proxy_info(ctx, record)})
    return CmdletResult(output)


@cmdlet("Get-GradioSessionApiProxyFunction")
def get_proxy_functions(ctx: CmdletContext, a: Args) -> CmdletResult:
    state = ctx.state
    with state.proxies_lock:
        records = list(state.proxies.values())
    value = a.get("Session", ".")
    if value != "*":
        ids = {s.SessionId for s in resolve_sessions(state.registry, value)}
        records = [r for r in records if r.SessionId in ids]
    return CmdletResult([emit_function(ctx, r) for r in records])


def _function_names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [n for v in value for n in _function_names(v)]
    if isinstance(value, dict):
        for key in ("Name", "name"):
            if key in value:
                return [str(value[key])]
        return []
    return [str(value)]


@cmdlet("Remove-GradioSessionApiProxyFunction")
def remove_proxy_functions(ctx: CmdletContext, a: Args) -> CmdletResult:
    names = _function_names(a.get("Function"))
    if not names:
        raise err.InvalidArgument("-Function is required: a proxy function name, object, "
                                  "wildcard or '*'")
    output: list[Any] = []
    proxies = ctx.state.proxies
    with ctx.state.proxies_lock:
        for name in names:
            if any(c in name for c in "*?["):
                found = [k for k in proxies if fnmatch.fnmatchcase(k, name.lower())]
            elif name.lower() in proxies:
                found = [name.lower()]
            else:
                raise err.ProxyNotFound(f"{name} is not a proxy function")
            for key in found:
                record = proxies.pop(key)
                output.append({"$directive": "removeFunction", "name": record.Name})
                ctx.verbose(f"Removed proxy function {record.Name}")
    return CmdletResult(output)



# -- calling -----------------------------------------------------------------------------------


def _proxy_session(registry: SessionRegistry, a: Args) -> GradioSession:
    """The session a proxy was made for: by id, else (PowerShai) a session of the same name."""
    session_id, name = a.get("Session"), a.get("SessionName")
    sessions: list[GradioSession] = list(registry)
    for session in sessions:
        if session.SessionId == str(session_id):
            return session
    if name is not None:
        for session in sessions:
            if session.name == str(name):
                return session
    raise err.ProxyNoSession(
        f"The session of {a.get('Function') or 'this proxy function'} was removed or renamed "
        f"(SessionId {session_id}, name {name}). Create the proxy functions again with "
        "New-GradioSessionApiProxyFunction.")



def stream_results(ctx: CmdletContext, call: Any, chain: list[Any]) -> Iterator[Any]:
    """Results as a proxy writes them: every one Update gives except heartbeats."""
    wire = wire_for(ctx.state)
    for result in call.update(cancel=ctx.cancelled, warn=ctx.warning):
        if result.event == proto.HEARTBEAT:
            continue
        item = wire.result(result)
        item["pipeline"] = list(chain)
        yield item


@cmdlet("Invoke-GradioProxyFunction", internal=True)
def invoke_proxy_function(ctx: CmdletContext, a: Args) -> CmdletResult:
    """Internal: what a proxy function does with its bound parameters."""
    fn = str(a.get("Function") or "proxy function")
    wire = wire_for(ctx.state)
    session = _proxy_session(ctx.state.registry, a)
    api = str(a.get("ApiName") or "").lstrip("/")
    plan = endpoint_plan(session, api)
    pipe = as_result(a.get("PipeInput"))
    if pipe is not None and pipe.get("event") == proto.ERROR:
        ctx.warning(f"{fn}: the result piped in is an error; passing it on without a call")
        return CmdletResult([pipe])
    mapped = mapped_values(plan, a.get("ApiResultMap"), pipe, fn)
    data = build_values(plan, a.get("Params"), mapped, fn)
    chain: list[Any] = []
    if pipe is not None:
        earlier = pipe.get("pipeline")
        chain = [*(earlier if isinstance(earlier, list) else []), pipe]
    if a.flag("DebugData"):
        return CmdletResult([{
            "$type": "GradioProxyDebugData", "Function": fn, "ApiName": api,
            "SessionName": session.name, "SessionId": session.SessionId,
            "AppUrl": session.AppUrl, "Params": wire.encode(a.get("Params") or {}),
            "Mapped": {plan[i].ps_name: wire.encode(v) for i, v in mapped.items()},
            "Data": wire.encode(data), "Pipeline": chain,
            "ParameterNames": [p.ps_name for p in plan],
        }])
    call = session.invoke(api, data, token=a.get("ApiToken"), warn=ctx.warning)
    ctx.verbose(f"{fn}: called /{api} of {session.name} (event {call.id})")
    if a.flag("Manual"):
        return CmdletResult([wire.encode(call)])
    return CmdletResult([], stream_results(ctx, call, chain))

