"""Objects to JSON for the PowerShell side (see docs/DESIGN.md, "Objects on the wire")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..._events import ApiEventResult, GradioApiEvent, SessionApiEvent
from ..._session import GradioSession

# Properties the PowerShell side reads through object/get each time, so they are never stale.
SESSION_LIVE = ["ApiCalls", "uploads", "options"]


def encode(value: Any, *, is_default: bool = False) -> Any:
    """Any core object (or plain value holding them) as JSON-ready data."""
    if isinstance(value, GradioSession):
        return encode_session(value, is_default=is_default)
    if isinstance(value, SessionApiEvent):
        return encode_session_event(value)
    if isinstance(value, GradioApiEvent):
        return encode_api_event(value)
    if isinstance(value, ApiEventResult):
        return encode_result(value)
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def plain(value: Any) -> Any:
    """Server JSON that holds no typed objects, marked so PowerShell can take it as parsed."""
    if isinstance(value, (dict, list)) and value:
        return {"$plain": value}
    return value


def encode_session(session: GradioSession, *, is_default: bool = False) -> dict[str, Any]:
    return {
        "$type": "GradioSession",
        "$id": session.SessionId,
        "$live": SESSION_LIVE,
        "$toString": "name",
        "SessionId": session.SessionId,
        "name": session.name,
        "AppUrl": session.AppUrl,
        "info": plain(session.info),
        "DownloadPath": session.DownloadPath,
        "GradioVersion": session.app.version,
        "IsDefault": is_default,
        "version": session.version,
    }


def encode_api_event(event: GradioApiEvent) -> dict[str, Any]:
    return {
        "$type": "GradioApiEvent",
        "$id": event.EventId,
        "EventId": event.EventId,
        "ApiName": event.api_name,
        "Status": event.Status,
        "LastQueryStatus": event.LastQueryStatus,
        "LastEventNum": event.LastEventNum,
        "error": plain(event.error),
        "data": plain(event.data),
        "events": [encode_result(r) for r in event.events],
        "req": plain(event.req),
        "SessionHash": event.SessionHash,
        # queue side information (stays empty on the /call route)
        "QueueRank": event.QueueRank,
        "QueueSize": event.QueueSize,
        "Eta": event.Eta,
        "Progress": plain(event.Progress),
        "Logs": plain(event.Logs),
    }


def encode_event_changes(event: GradioApiEvent, *, history: bool) -> dict[str, Any]:
    """What a stream message can change on a live event: sent after each result.

    The history (``data``, ``events``) goes only when it is being kept; PowerShell updates the
    properties a message names and leaves the others as they were.
    """
    changes: dict[str, Any] = {
        "$type": "GradioApiEvent",
        "$id": event.EventId,
        "Status": event.Status,
        "LastQueryStatus": event.LastQueryStatus,
        "LastEventNum": event.LastEventNum,
        "error": plain(event.error),
        "QueueRank": event.QueueRank,
        "QueueSize": event.QueueSize,
        "Eta": event.Eta,
    }
    if event.Progress:
        changes["Progress"] = plain(event.Progress)
    if event.Logs:
        changes["Logs"] = plain(event.Logs)
    if history:
        changes["data"] = plain(event.data)
        changes["events"] = [encode_result(r) for r in event.events]
    return changes


def encode_call_changes(call: SessionApiEvent) -> dict[str, Any]:
    return {"$type": "SessionApiEvent", "$id": call.id, "Received": call.Received,
            "LastReceivedIndex": call.LastReceivedIndex}


def encode_session_event(call: SessionApiEvent) -> dict[str, Any]:
    return {
        "$type": "SessionApiEvent",
        "$id": call.id,
        "id": call.id,
        "ApiEvent": encode_api_event(call.ApiEvent),
        "Received": call.Received,
        "LastReceivedIndex": call.LastReceivedIndex,
    }


def encode_result(result: ApiEventResult) -> dict[str, Any]:
    return {
        "$type": "GradioApiEventResult",
        "num": result.num,
        "ts": {"$datetime": result.ts.isoformat()},
        "event": result.event,
        "data": encode(result.data),
    }
