"""Objects to JSON for the PowerShell side (see docs/DESIGN.md, "Objects on the wire").

What PowerShai's objects look like depends on the PowerShell that runs it, because it parses
each server message with ``ConvertFrom-Json``: PowerShell 7 unrolls a one-element array into the
element itself (and an empty one into ``$null``); Windows PowerShell 5.1 does not. So a
single-output result's ``data`` is the value on 7 and a one-element array on 5.1. ``Wire`` is
told which (from ``initialize``) and shapes ``data`` the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ... import _protocol as proto
from ..._events import ApiEventResult, GradioApiEvent, SessionApiEvent
from ..._session import GradioSession

# Properties the PowerShell side reads through object/get each time, so they are never stale.
SESSION_LIVE = ["ApiCalls", "uploads", "options"]
# Live properties a script may assign, as PowerShai's hashtables took them (object/set);
# "ApiCalls.ById" is the ById table inside ApiCalls, live as well.
SESSION_SETTABLE = ["options", "uploads", "ApiCalls", "ApiCalls.ById"]


def plain(value: Any) -> Any:
    """Server JSON that holds no typed objects, marked so PowerShell can take it as parsed."""
    if isinstance(value, (dict, list)) and value:
        return {"$plain": value}
    return value


def _ps_truthy(value: Any) -> bool:
    """PowerShell's truth of a value (``if ($x)``)."""
    if isinstance(value, list):
        return len(value) > 1 or (len(value) == 1 and _ps_truthy(value[0]))
    return bool(value) if isinstance(value, (bool, int, float, str)) else value is not None


@dataclass(frozen=True)
class Wire:
    """Encodes core objects for one PowerShell host.

    ``unroll``: the host's ConvertFrom-Json unrolls one-element arrays (PowerShell 6 and later).
    ``int32``: the module decodes ``{"$int": n}`` as ``[int]``, the type PowerShai's own counters
    have (``num``, ``LastEventNum``, ``version``, ``MaxCalls``); without it they stay Int64.
    """

    unroll: bool = True
    int32: bool = False

    # -- values -------------------------------------------------------------------------------
    def counter(self, value: int | None) -> Any:
        if value is None or not self.int32:
            return value
        return {"$int": value}

    def data(self, value: Any) -> Any:
        """A message's ``data`` as PowerShai's ``ConvertFrom-Json`` gives it on this host."""
        if self.unroll and isinstance(value, list) and len(value) <= 1:
            return self.encode(value[0]) if value else None
        return self.encode(value)

    def history(self, results: list[ApiEventResult]) -> list[Any]:
        """``ApiEvent.data`` under -History: PowerShai does ``$data += $result.data`` for each
        result whose data is not null, and ``+=`` with an array adds its elements (flat)."""
        flat: list[Any] = []
        for result in results:
            value = self.data(result.data)
            if isinstance(value, list):
                if _ps_truthy([v for v in value if v is not None]):
                    flat.extend(value)
            elif value is not None:
                flat.append(value)
        return flat

    def encode(self, value: Any, *, is_default: bool = False) -> Any:
        """Any core object (or plain value holding them) as JSON-ready data."""
        if isinstance(value, GradioSession):
            return self.session(value, is_default=is_default)
        if isinstance(value, SessionApiEvent):
            return self.session_event(value)
        if isinstance(value, GradioApiEvent):
            return self.api_event(value)
        if isinstance(value, ApiEventResult):
            return self.result(value)
        if isinstance(value, datetime):
            return {"$datetime": value.isoformat()}
        if isinstance(value, dict):
            return {str(k): self.encode(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.encode(v) for v in value]
        return value

    # -- objects ------------------------------------------------------------------------------
    def session(self, session: GradioSession, *, is_default: bool = False) -> dict[str, Any]:
        info = session.info
        if isinstance(info, dict):
            # PowerShai's session.info is Get-GradioInfo's answer, which carries RealAppUrl.
            info = {**info, "RealAppUrl": session.AppUrl}
        return {
            "$type": "GradioSession",
            "$id": session.SessionId,
            "$live": SESSION_LIVE,
            "$settable": SESSION_SETTABLE,
            "$toString": "name",
            "SessionId": session.SessionId,
            "name": session.name,
            "AppUrl": session.AppUrl,
            "info": plain(info),
            "DownloadPath": session.DownloadPath,
            "GradioVersion": session.app.version,
            "IsDefault": is_default,
            "version": self.counter(session.version),
        }

    def request(self, event: GradioApiEvent) -> dict[str, Any]:
        """``ApiEvent.req`` with PowerShai's keys; the token is never in it."""
        app_url = str(event.req.get("url") or "")
        route = proto.QUEUE_JOIN if event.source is not None else proto.CALL.format(
            api=event.api_name)
        body: dict[str, Any] = {"data": event.req.get("data", [])}
        if event.SessionHash is not None:
            body["session_hash"] = event.SessionHash
        return {"method": "POST", "url": app_url + route, "data": body, "token": None}

    def update_info(self, event: GradioApiEvent) -> dict[str, Any]:
        """``ApiEvent.update``: where results are read from. PowerShai keeps its HTTP request
        object in ``http``; the worker's connection is not PowerShell's to hold, so it is null."""
        app_url = str(event.req.get("url") or "")
        if event.source is not None:
            url = f"{app_url}{proto.QUEUE_DATA}?session_hash={event.SessionHash}"
        else:
            url = app_url + proto.CALL_STREAM.format(api=event.api_name, event_id=event.EventId)
        return {"url": url, "http": None}

    def api_event(self, event: GradioApiEvent) -> dict[str, Any]:
        return {
            "$type": "GradioApiEvent",
            "$id": event.EventId,
            "EventId": event.EventId,
            "ApiName": event.api_name,
            "Status": event.Status,
            "LastQueryStatus": event.LastQueryStatus,
            "LastEventNum": self.counter(event.LastEventNum),
            "error": plain(event.error),
            "data": self.history(event.events),
            "events": [self.result(r) for r in event.events],
            "req": self.request(event),
            "update": self.update_info(event),
            "SessionHash": event.SessionHash,
            # queue side information (stays empty on the /call route)
            "QueueRank": event.QueueRank,
            "QueueSize": event.QueueSize,
            "Eta": event.Eta,
            "Progress": plain(event.Progress),
            "Logs": plain(event.Logs),
        }

    def event_changes(self, event: GradioApiEvent, *, history: bool) -> dict[str, Any]:
        """What a stream message can change on a live event: sent after each result.

        The history (``data``, ``events``) goes only when it is being kept; PowerShell updates
        the properties a message names and leaves the others as they were.
        """
        changes: dict[str, Any] = {
            "$type": "GradioApiEvent",
            "$id": event.EventId,
            "Status": event.Status,
            "LastQueryStatus": event.LastQueryStatus,
            "LastEventNum": self.counter(event.LastEventNum),
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
            changes["data"] = self.history(event.events)
            changes["events"] = [self.result(r) for r in event.events]
        return changes

    def call_changes(self, call: SessionApiEvent) -> dict[str, Any]:
        return {"$type": "SessionApiEvent", "$id": call.id, **self._received(call)}

    def session_event(self, call: SessionApiEvent) -> dict[str, Any]:
        return {
            "$type": "SessionApiEvent",
            "$id": call.id,
            "id": call.id,
            "ApiEvent": self.api_event(call.ApiEvent),
            **self._received(call),
        }

    def _received(self, call: SessionApiEvent) -> dict[str, Any]:
        # PowerShai declares Received = $false and LastReceivedIndex = $null and never changes
        # them; ours say what was read: True and the last result's num once one was.
        read = call.Received > 0
        return {"Received": read, "LastReceivedIndex": self.counter(call.LastReceivedIndex)
                if read else None}

    def result(self, result: ApiEventResult) -> dict[str, Any]:
        return {
            "$type": "GradioApiEventResult",
            "num": self.counter(result.num),
            "ts": {"$datetime": result.ts.isoformat()},
            "event": result.event,
            "data": self.data(result.data),
        }
