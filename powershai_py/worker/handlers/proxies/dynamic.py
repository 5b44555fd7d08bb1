"""Invoke-GradioDynamicApi (an endpoint's parameters given by name, no function made first) and
the internal Get-GradioDynamicApiParameter its DynamicParam block asks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .... import _errors as err
from .._base import (
    Args,
    CmdletContext,
    CmdletResult,
    cmdlet,
    local_file_params,
    resolve_session,
    wire_for,
)
from .functions import stream_results
from .planning import _COMMON_NAMES, ProxyParam, endpoint_plan
from .values import build_values, parse_remaining

# Parameters of Invoke-GradioDynamicApi that are not endpoint parameters.
_DYNAMIC_OWN = {"apiname", "session", "params", "apitoken", "manual"}


def _dynamic_params(a: Args, plan: list[ProxyParam]) -> dict[str, Any]:
    given: dict[str, Any] = {}
    params = a.get("Params")
    if isinstance(params, list):
        given.update(parse_remaining(params, plan))
    elif isinstance(params, Mapping):
        given.update({str(k): v for k, v in params.items()})
    elif params is not None:
        given.update(parse_remaining([params], plan))
    # Dynamic parameters bound by a DynamicParam block arrive as ordinary arguments.
    for key, value in a.items():
        if key in _DYNAMIC_OWN or key in _COMMON_NAMES:
            continue
        given[key] = value
    return given


@cmdlet("Invoke-GradioDynamicApi")
def invoke_dynamic_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    """Call an endpoint with its parameters given by name; results stream like a proxy's."""
    session = resolve_session(ctx.state.registry, a.get("Session"))
    api = str(a.get("ApiName") or "").lstrip("/")
    if not api:
        raise err.ProxyInvokeFailed("-ApiName is required. Valid names: "
                                    + ", ".join(session.endpoint_names()))
    try:
        plan = endpoint_plan(session, api)
    except err.ApiNotFound as missing:
        # PowerShai's Invoke-GradioDynamicApi has its own id for this (its begin block throws it).
        raise err.ProxyInvokeFailed(missing.text) from missing
    data = build_values(plan, _dynamic_params(a, plan), {}, "Invoke-GradioDynamicApi")
    data = local_file_params(ctx, session, api, data)
    call = session.invoke(api, data, token=a.get("ApiToken"), warn=ctx.warning)
    if a.flag("Manual"):
        return CmdletResult([wire_for(ctx.state).encode(call)])
    return CmdletResult([], stream_results(ctx, call, []))


@cmdlet("Get-GradioDynamicApiParameter", internal=True)
def get_dynamic_parameters(ctx: CmdletContext, a: Args) -> CmdletResult:
    """Internal: the endpoint's parameters, for a DynamicParam block (one object each)."""
    try:
        session = resolve_session(ctx.state.registry, a.get("Session"))
        plan = endpoint_plan(session, str(a.get("ApiName") or "").lstrip("/"))
    except err.PowershaiPyError:
        if a.flag("Strict"):
            raise
        return CmdletResult([])  # DynamicParam must not fail while the user is still typing
    wire = wire_for(ctx.state)
    return CmdletResult([{
        "$type": "GradioDynamicParameter", "Name": p.ps_name, "Type": p.ps_type,
        "ValidateSet": list(p.enum), "HelpMessage": p.help_message, "Position": p.index,
        "HasDefault": p.has_default, "Default": wire.encode(p.default),
        "GradioName": p.gradio_name,
        "IsFile": p.kind != "value",
    } for p in plan])
