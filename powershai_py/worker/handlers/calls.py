"""Calls: Invoke-, Update-, Get-, Remove- and Stop-GradioSessionApi, and the session-less
Send-GradioApi / Update-GradioApiResult pair."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ... import _errors as err
from ..._events import GradioApiEvent, SessionApiEvent
from ._base import (
    Args,
    CmdletContext,
    CmdletResult,
    LastItem,
    cmdlet,
    event_id_of,
    local_file_params,
    ref_of,
    resolve_call,
    resolve_session,
    wire_for,
)

QUEUE_PROGRESS_ID, RUN_PROGRESS_ID = 1, 2


@cmdlet("Invoke-GradioSessionApi")
def invoke_session_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    session = resolve_session(ctx.state.registry, a.get("session"))
    api = str(a.get("ApiName", ""))
    call = session.invoke(
        api, local_file_params(ctx, session, api, a.get("Params")), event_id=a.get("EventId"),
        token=a.get("Token"), warn=ctx.warning,
    )
    return CmdletResult([wire_for(ctx.state).encode(call)])


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


def stream_updates(ctx: CmdletContext, holder: Any, event: GradioApiEvent, a: Args,
                   script: bool = False) -> Iterator[Any]:
    """Update's results one by one, with the live objects' changes and side information."""
    shown: set[int] = set()
    updates = holder.update(
        max_heartbeats=a.int_or_none("MaxHeartBeats"), history=a.flag("History"),
        cancel=ctx.cancelled, warn=ctx.warning, status_hook=_status_hook(ctx, event, shown),
    )

    def finish() -> None:
        for progress_id in sorted(shown):
            ctx.progress(event.api_name, "done", id=progress_id, completed=True)
        shown.clear()

    history = a.flag("History")
    wire = wire_for(ctx.state)

    def send_changes(final: bool) -> None:
        # Small per-result patches; the whole history only once, at the end (else each message
        # would re-send everything before it).
        ctx.refresh(wire.event_changes(event, history=history and final))
        if holder is not event:
            ctx.refresh(wire.call_changes(holder))

    try:
        for result in updates:
            last = event.finished
            if last:
                finish()
            send_changes(last)
            if script:
                ctx.invoke("Script", {"event": wire.result(result), "ApiEvent": wire.encode(event)})
            if not a.flag("NoOutput"):
                item = wire.result(result)
                yield LastItem(item) if last else item
    finally:
        finish()
    send_changes(True)


@cmdlet("Update-GradioSessionApiResult")
def update_session_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    _, call = resolve_call(ctx.state.registry, a.get("Id"), a.get("session"))
    return CmdletResult([], stream_updates(ctx, call, call.ApiEvent, a), call.ApiEvent.ready)


@cmdlet("Get-GradioSessionApi")
def get_session_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    session = resolve_session(ctx.state.registry, a.get("Session"))
    wire = wire_for(ctx.state)
    return CmdletResult([wire.encode(c) for c in list(session.calls.values())])


@cmdlet("Remove-GradioSessionApi")
def remove_session_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    registry = ctx.state.registry
    target = a.get("Target")
    targets = target if isinstance(target, list) else [target]
    session_arg = a.get("session")
    removed: list[SessionApiEvent] = []
    for item in targets:
        ref_target = event_id_of(item) if ref_of(item) is not None else item
        if ref_of(item) is not None:
            session, _ = resolve_call(registry, item, session_arg)
        else:
            session = resolve_session(registry, session_arg)
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
    wire = wire_for(ctx.state)
    return CmdletResult([wire.encode(c) for c in removed])


@cmdlet("Stop-GradioSessionApi")
def stop_session_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    session, call = resolve_call(ctx.state.registry, a.get("Id"), a.get("session"))
    session.cancel(call)
    ctx.verbose(f"Cancel sent for {call.id}")
    return CmdletResult([wire_for(ctx.state).encode(call)])


# -- bare events (no session) ----------------------------------------------------------------


@cmdlet("Send-GradioApi")
def send_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    hash_ = a.get("SessionHash")
    session = ctx.state.send_session(str(a.get("AppUrl", "")), a.get("token"),
                                     str(hash_) if hash_ else None)
    api = str(a.get("ApiName", ""))
    call = session.invoke(api, local_file_params(ctx, session, api, a.get("Params")),
                          event_id=a.get("EventId"), token=a.get("token"), warn=ctx.warning)
    session.calls.pop(call.id, None)
    event = call.ApiEvent
    ctx.state.keep_bare_event(event)
    return CmdletResult([wire_for(ctx.state).encode(event)])


@cmdlet("Update-GradioApiResult")
def update_api_result(ctx: CmdletContext, a: Args) -> CmdletResult:
    event_id = event_id_of(a.get("ApiEvent"))
    event = ctx.state.bare_event(event_id or "")
    if event is None and event_id is not None:
        found = ctx.state.registry.find_call(event_id)
        event = found[1].ApiEvent if found else None
    if event is None:
        raise err.EventNotFound(f"Event {event_id} not found")
    script = a.has("Script") and a.get("Script") is not None
    return CmdletResult([], stream_updates(ctx, event, event, a, script=script), event.ready)
