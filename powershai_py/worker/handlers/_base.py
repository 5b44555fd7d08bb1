"""What every handler module builds on: bound arguments, the ``@cmdlet`` mark, object lookup.

A handler is a function ``(ctx, args) -> CmdletResult`` marked with ``@cmdlet("Verb-Noun")``.
The mark only wraps the function; nothing is registered anywhere. ``handlers.handler_table()``
collects the marked handlers of the modules it names, and the server holds that table.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any

from ... import _errors as err
from ... import _protocol as proto
from ..._events import SessionApiEvent
from ..._files import is_url
from ..._registry import SessionRegistry
from ..._session import GradioSession
from .._context import CmdletContext, CmdletResult, LastItem
from .._state import WorkerState
from ._wire import Wire
from ._wording import in_powershell_words

__all__ = [
    "Args", "Cmdlet", "CmdletContext", "CmdletResult", "LastItem", "WorkerState", "cmdlet",
    "collect", "event_id_of", "local_file_params", "local_path", "ref_of", "resolve_call",
    "resolve_session", "resolve_sessions", "session_output", "wire_for",
]


class Args:
    """Bound parameters with PowerShell's case-insensitive names."""

    def __init__(self, raw: Mapping[str, Any] | None) -> None:
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

    def items(self) -> list[tuple[str, Any]]:
        """Every bound parameter, names lower-cased."""
        return list(self._raw.items())


Handler = Callable[[CmdletContext, Args], CmdletResult]


class Cmdlet:
    """A handler marked with the cmdlet name it serves; called the way the server calls it."""

    def __init__(self, name: str, fn: Handler, *, internal: bool) -> None:
        self.name = name
        self.fn = fn
        # Internal cmdlets are what generated proxy functions and DynamicParam blocks call;
        # they are not in the spec and the module exports no function for them.
        self.internal = internal
        self.__doc__ = fn.__doc__

    def __call__(self, ctx: CmdletContext, raw: Mapping[str, Any]) -> CmdletResult:
        try:
            return self.fn(ctx, Args(raw))
        except err.PowershaiPyError as exc:
            worded = in_powershell_words(exc)
            if worded is exc:
                raise
            raise worded from exc.__cause__


def cmdlet(name: str, *, internal: bool = False) -> Callable[[Handler], Cmdlet]:
    """Mark ``fn`` as the handler of cmdlet ``name``."""

    def mark(fn: Handler) -> Cmdlet:
        return Cmdlet(name, fn, internal=internal)

    return mark


def collect(modules: Iterable[ModuleType]) -> dict[str, Cmdlet]:
    """The marked handlers of ``modules``, by cmdlet name; a name served twice is a bug."""
    table: dict[str, Cmdlet] = {}
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, Cmdlet):
                if value.name in table and table[value.name] is not value:
                    raise RuntimeError(f"two handlers for {value.name}")
                table[value.name] = value
    return table


# -- argument resolution ---------------------------------------------------------------------


def ref_of(value: Any) -> dict[str, Any] | None:
    """The ``{"$type", "$id"}`` reference inside a PowerShell-side object, if it is one."""
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, dict):
            return ref
        if "$type" in value and "$id" in value:
            return value
    return None


def resolve_session(registry: SessionRegistry, value: Any, default: str = ".") -> GradioSession:
    ref = ref_of(value)
    if ref is not None and ref.get("$type") == "GradioSession":
        return registry.get(str(ref["$id"]), by_id=True)[0]
    if isinstance(value, list) and len(value) == 1:
        return resolve_session(registry, value[0], default)
    return registry.resolve(default if value is None else value)


def resolve_sessions(registry: SessionRegistry, value: Any, *, like: bool = False,
                     by_id: bool = False) -> list[GradioSession]:
    if isinstance(value, list):
        return [s for v in value for s in resolve_sessions(registry, v, like=like, by_id=by_id)]
    ref = ref_of(value)
    if ref is not None and ref.get("$type") == "GradioSession":
        return registry.get(str(ref["$id"]), by_id=True)
    return registry.get("*" if value is None else value, like=like, by_id=by_id)


def event_id_of(value: Any) -> str | None:
    ref = ref_of(value)
    if ref is not None:
        return str(ref["$id"])
    if isinstance(value, dict):
        for key in ("id", "EventId"):
            if key in value:
                return str(value[key])
    return None if value is None else str(value)


def resolve_call(registry: SessionRegistry, value: Any, session_arg: Any
                 ) -> tuple[GradioSession, SessionApiEvent]:
    """A session's call from an id or an event object (the event knows its session)."""
    event_id = event_id_of(value)
    if event_id is not None and ref_of(value) is not None:
        found = registry.find_call(event_id)
        if found is not None:
            session, call = found
            return session, call
    session = resolve_session(registry, session_arg)
    if event_id is None:
        if not session.calls:
            raise err.EventNotFound(f"The session {session.name} has no calls")
        return session, next(reversed(session.calls.values()))
    return session, session.get_call(event_id)


def wire_for(state: WorkerState) -> Wire:
    """The encoder for the PowerShell this worker serves (what ``initialize`` said)."""
    return Wire(unroll=state.unrolls_arrays, int32=state.int32_marker)


def session_output(state: WorkerState, session: GradioSession) -> Any:
    return wire_for(state).session(session, is_default=state.registry.is_default(session))


# -- paths ------------------------------------------------------------------------------------


def local_path(ctx: CmdletContext, value: Any) -> Any:
    """A path the user typed, made absolute against PowerShell's folder (``ctx.cwd``).

    URLs, FileData objects and anything that is not a string pass through unchanged.
    """
    if not isinstance(value, str) or not value or is_url(value) or ctx.cwd is None:
        return value
    return os.path.normpath(os.path.join(ctx.cwd, os.path.expanduser(value)))


def local_file_params(ctx: CmdletContext, session: GradioSession, api_name: str,
                      params: Any) -> Any:
    """``params`` of a call with the paths given to file inputs made absolute (see
    :func:`local_path`); list values by position, hashtable values by parameter name."""
    if ctx.cwd is None or params is None:
        return params
    parameters = (session.endpoint(api_name.lstrip("/")) or {}).get("parameters") or []
    is_file = [proto.is_file_schema(p) for p in parameters]

    def fix(value: Any) -> Any:
        if isinstance(value, list):
            return [fix(v) for v in value]
        return local_path(ctx, value)

    if isinstance(params, Mapping):
        position = {str(p.get("parameter_name") or p.get("label")).lower(): i
                    for i, p in enumerate(parameters)}
        named: dict[Any, Any] = {}
        for key, value in params.items():
            i = position.get(str(key).lower())
            named[key] = fix(value) if i is not None and is_file[i] else value
        return named
    values = params if isinstance(params, list) else [params]
    fixed = [fix(v) if i < len(is_file) and is_file[i] else v for i, v in enumerate(values)]
    return fixed if isinstance(params, list) else fixed[0]
