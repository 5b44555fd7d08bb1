"""What the worker remembers between requests, in one object the server owns.

Handlers reach it through ``ctx.state`` (as a pygls server owns its features): the session
registry, the proxy functions made so far, and the calls made with ``Send-GradioApi``, which
belong to no session. Nothing here is a module global, so two servers (a test's, the in-process
host's) never share sessions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from .._events import GradioApiEvent
from .._registry import SessionRegistry
from .._session import GradioSession

__all__ = ["BARE_EVENT_LIMIT", "ProxyRecord", "WorkerState"]

# Send-GradioApi events are kept for Update-GradioApiResult. A script that sends in a loop and
# never reads them back would otherwise grow the worker without end; past this many, the oldest
# is forgotten.
BARE_EVENT_LIMIT = 1000
# Every Send-GradioApi call is a session with no limit of its own on its calls.
_UNLIMITED_CALLS = 1 << 30


@dataclass
class ProxyRecord:
    """One proxy function the worker made (New-GradioSessionApiProxyFunction)."""

    Name: str
    ApiName: str
    SessionId: str
    SessionName: str
    Prefix: str


def _bare_key(app_url: str, token: str | None) -> str:
    return f"{app_url}|{bool(token)}"


def _sibling(base: GradioSession, session_hash: str | None) -> GradioSession:
    """A session over ``base``'s connected client (no second /config or /info): its own
    session_hash (a fresh one when None) and no limit on its calls."""
    sibling = GradioSession(base.client.base_url, client=base.client)
    if session_hash is not None:
        sibling.session_hash = session_hash
    sibling.options.MaxCalls = _UNLIMITED_CALLS
    return sibling


class WorkerState:
    """Sessions, proxy functions and session-less events of one worker."""

    def __init__(self, *, registry: SessionRegistry | None = None,
                 bare_event_limit: int = BARE_EVENT_LIMIT) -> None:
        self.registry = registry if registry is not None else SessionRegistry()
        self.proxies: dict[str, ProxyRecord] = {}  # lower-cased function name -> record
        self.proxies_lock = threading.Lock()
        self.bare_event_limit = max(1, bare_event_limit)
        self._bare_events: OrderedDict[str, GradioApiEvent] = OrderedDict()
        self._bare_sessions: dict[str, GradioSession] = {}
        self._hashed_sessions: OrderedDict[tuple[str, str], GradioSession] = OrderedDict()
        self._bare_lock = threading.Lock()
        # What the module said about its PowerShell in `initialize` (see set_host).
        self.host: dict[str, Any] = {}

    # -- the PowerShell host --------------------------------------------------------------------
    def set_host(self, params: dict[str, Any]) -> None:
        """Keep what ``initialize`` says: ``psEdition`` ('Core' or 'Desktop'), ``psVersion``,
        ``wireMarkers`` (the optional value markers the module decodes, e.g. ``$int``)."""
        markers = params.get("wireMarkers")
        self.host = {
            "psEdition": str(params.get("psEdition") or ""),
            "psVersion": str(params.get("psVersion") or ""),
            "wireMarkers": [str(m) for m in markers] if isinstance(markers, list) else [],
        }

    @property
    def unrolls_arrays(self) -> bool:
        """True unless the host is Windows PowerShell (5.1 and earlier), whose ConvertFrom-Json
        keeps a one-element array an array. A module that does not say is taken as 7."""
        edition = str(self.host.get("psEdition") or "")
        version = str(self.host.get("psVersion") or "")
        if edition.lower() == "desktop":
            return False
        return not (not edition and version[:1].isdigit() and int(version.split(".")[0]) < 6)

    @property
    def int32_marker(self) -> bool:
        return "$int" in (self.host.get("wireMarkers") or [])

    # -- Send-GradioApi ---------------------------------------------------------------------
    def bare_session(self, app_url: str, token: str | None) -> GradioSession:
        """The hidden session Send-GradioApi and URL-given cmdlets call through (one per URL)."""
        key = _bare_key(app_url, token)
        with self._bare_lock:
            session = self._bare_sessions.get(key)
            if session is None:
                session = GradioSession(app_url, token=token).connect()
                session.options.MaxCalls = _UNLIMITED_CALLS
                self._bare_sessions[key] = session
            return session

    def send_session(self, app_url: str, token: str | None,
                     session_hash: str | None) -> GradioSession:
        """The session a Send-GradioApi call goes through. PowerShai posts each such call on its
        own (no session_hash: Gradio gives it a fresh one, so no gr.State is shared), unless
        -SessionHash names one, and then calls with the same hash share the app's state. Each is
        a session over the URL's one connected client (no second /config or /info)."""
        base = self.bare_session(app_url, token)
        if not session_hash:
            return _sibling(base, None)
        key = (_bare_key(app_url, token), session_hash)
        with self._bare_lock:
            hashed = self._hashed_sessions.get(key)
            if hashed is None:
                hashed = _sibling(base, session_hash)
                self._hashed_sessions[key] = hashed
                # Bounded like the events: a script that makes a hash per call would grow it.
                while len(self._hashed_sessions) > self.bare_event_limit:
                    self._hashed_sessions.popitem(last=False)
            self._hashed_sessions.move_to_end(key)
            return hashed

    def keep_bare_event(self, event: GradioApiEvent) -> None:
        """Remember a session-less event; the oldest goes when there are too many."""
        with self._bare_lock:
            self._bare_events[event.EventId] = event
            self._bare_events.move_to_end(event.EventId)
            while len(self._bare_events) > self.bare_event_limit:
                self._bare_events.popitem(last=False)

    def bare_event(self, event_id: str) -> GradioApiEvent | None:
        with self._bare_lock:
            return self._bare_events.get(event_id)

    def bare_event_ids(self) -> list[str]:
        """The kept session-less events, oldest first."""
        with self._bare_lock:
            return list(self._bare_events)
