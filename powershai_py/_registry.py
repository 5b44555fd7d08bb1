"""SessionRegistry: PowerShai's session table (names, the default session, lookups)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from . import _errors as err
from ._options import SessionOptions
from ._session import GradioSession


class SessionRegistry:
    """All sessions of one process (the worker has one; Python users may hold several)."""

    def __init__(self) -> None:
        self._sessions: dict[str, GradioSession] = {}
        self._default_id: str | None = None
        self._lock = threading.RLock()

    def __iter__(self) -> Any:
        with self._lock:
            return iter(list(self._sessions.values()))

    def __len__(self) -> int:
        return len(self._sessions)

    def new(
        self,
        app_url: str,
        *,
        name: str | None = None,
        download_path: str | None = None,
        force: bool = False,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        disable_retry: bool = False,
        limits: Mapping[str, Any] | None = None,
    ) -> GradioSession:
        """New-GradioSession: connect first, so a dead app leaves the table untouched.

        ``limits``: SessionOptions timeouts by name (``ConnectTimeoutSec``...), checked first.
        """
        if not app_url:
            raise err.InvalidArgument("AppUrl is required")
        checked = SessionOptions(**(limits or {}))
        session = GradioSession(app_url, name=name, download_path=download_path, token=token)
        session.options = checked
        try:
            session.connect(username=username, password=password, disable_retry=disable_retry)
            with self._lock:
                existing = self._find_by_name(session.name)
                if existing is not None and not force:
                    raise err.SessionError(
                        f"A session named {session.name} already exists (force=True replaces it)",
                        category="ResourceExists",
                    )
                if existing is not None:
                    self.remove(existing)
                self._sessions[session.SessionId] = session
        except BaseException:
            session.close()
            raise
        return session

    def _find_by_name(self, name: str) -> GradioSession | None:
        for session in self._sessions.values():
            if session.name == name:
                return session
        return None

    @property
    def default(self) -> GradioSession | None:
        with self._lock:
            if self._default_id in self._sessions:
                return self._sessions[self._default_id]
            if len(self._sessions) == 1:
                return next(iter(self._sessions.values()))
            return None

    def is_default(self, session: GradioSession) -> bool:
        return self.default is session

    def get(self, spec: Any = "*", *, like: bool = False, by_id: bool = False
            ) -> list[GradioSession]:
        """Get-GradioSession: ``*`` all, ``.`` the default, a name, a wildcard (-Like) or an id."""
        if isinstance(spec, GradioSession):
            return [spec]
        text = "*" if spec is None or spec == "" else str(spec)
        with self._lock:
            if text == "*":
                return list(self._sessions.values())
            if text == ".":
                default = self.default
                if default is None:
                    raise err.NoDefaultSession(
                        "No default session: create one, or choose one as the default")
                return [default]
            if by_id:
                found = [s for s in self._sessions.values() if s.SessionId == text]
            elif like:
                found = [s for s in self._sessions.values() if s.matches(text)]
            else:
                found = [s for s in self._sessions.values() if s.name == text]
        if not found and not like:
            raise err.SessionNotFound(f"Session not found: {text}")
        return found

    def resolve(self, spec: Any = ".") -> GradioSession:
        """Exactly one session for a cmdlet's -session argument."""
        found = self.get(spec)
        if len(found) != 1:
            raise err.SessionNotFound(f"{len(found)} sessions match {spec!r}; name exactly one",
                                      category="InvalidArgument")
        return found[0]

    def configure(self, session: GradioSession, *, default: bool = False,
                  max_calls: int | None = None, max_calls_policy: str | None = None,
                  protocol: str | None = None, limits: Mapping[str, Any] | None = None
                  ) -> None:
        """Set the documented options (PowerShai stored any option it was given).

        ``limits``: timeouts by option name; a None value there means "no limit".
        """
        # SessionOptions checks each value (InvalidArgument); nothing is set when one is wrong.
        checked = SessionOptions(**vars(session.options))
        for option, value in (limits or {}).items():
            setattr(checked, option, value)
        if max_calls_policy is not None:
            checked.MaxCallsPolicy = max_calls_policy
        if max_calls is not None:
            checked.MaxCalls = max_calls
        if protocol is not None:
            checked.Protocol = protocol
        session.options = checked
        if default:
            with self._lock:
                self._default_id = session.SessionId

    def remove(self, session: GradioSession) -> None:
        """Remove-GradioSession: also clears the default when it was the default."""
        with self._lock:
            self._sessions.pop(session.SessionId, None)
            if self._default_id == session.SessionId:
                self._default_id = None
        session.close()

    def find_call(self, event_id: str) -> Any:
        with self._lock:
            for session in self._sessions.values():
                if event_id in session.calls:
                    return session, session.calls[event_id]
        return None
