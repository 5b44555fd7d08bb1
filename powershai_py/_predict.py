"""The short path for Python users: ``connect(url).predict("tell", topic="tea")``.

gradio_client users expect a call to give back its value; PowerShai's model (a call, then its
results) stays underneath. Keyword values are mapped to the endpoint's /info parameter names, like
a hashtable in PowerShell; positional values fill the parameters in order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _errors as err
from . import _protocol as proto
from ._events import app_error_warning

if TYPE_CHECKING:
    from ._events import SessionApiEvent
    from ._session import GradioSession


def merge_params(session: GradioSession, api_name: str, args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> Any:
    """The ``params`` value of ``invoke`` for positional and keyword values."""
    if not kwargs:
        return list(args)
    if not args:
        return dict(kwargs)
    names = [str(p.get("parameter_name") or "")
             for p in (session.endpoint(api_name.lstrip("/")) or {}).get("parameters", [])]
    if len(args) > len(names):
        raise err.InvalidParams(
            f"{api_name} takes {len(names)} values, {len(args)} were given by position")
    merged = dict(zip(names, args, strict=False))  # fewer values than names is fine
    twice = sorted(set(merged) & set(kwargs))
    if twice:
        raise err.InvalidParams(f"{api_name}: value given twice for {', '.join(twice)}")
    merged.update(kwargs)
    return merged


def final_value(call: SessionApiEvent) -> Any:
    """Read the call to its end; its last value (one output unwrapped, several as a tuple).

    Raises :class:`AppError` with the app's message when the app failed, :class:`CallCancelled`
    when the call was cancelled, :class:`StreamCut` when the stream broke.
    """
    results = call.results(warn=_quiet)
    event = call.ApiEvent
    if event.Status == proto.CANCELLED:
        raise err.CallCancelled(f"the call {call.id} to {event.api_name} was cancelled",
                                api_name=event.api_name, call=call)
    if event.LastQueryStatus == proto.QUERY_STREAM_CUT:
        text = str(event.error)
        # A limit that ended the stream keeps its own class (and id); anything else is a cut.
        for limit in (err.CallTimeout, err.ReadTimeout):
            if text.startswith(f"{limit.error_id}: "):
                raise limit(text.removeprefix(f"{limit.error_id}: "))
        raise err.StreamCut(text.removeprefix(f"{err.STREAM_CUT}: "))
    last = results[-1] if results else None
    if last is None or last.event == proto.ERROR:
        raise err.AppError(app_error_warning(event.api_name, event.error),
                           api_name=event.api_name, call=call)
    values = last.data
    if not isinstance(values, list):
        return values
    if len(values) == 1:
        return values[0]
    return tuple(values) if values else None


def _quiet(text: str) -> None:
    """predict raises instead of warning: the error carries the same text."""


def connect(app_url: str, *, username: str | None = None, password: str | None = None,
            token: str | None = None, name: str | None = None, download_path: str | None = None,
            disable_retry: bool = False, connect_timeout: float | None = 10.0,
            read_timeout: float | None = 60.0, call_timeout: float | None = None
            ) -> GradioSession:
    """A connected :class:`GradioSession`: any URL you would paste (``/gradio_api`` is found by
    itself), logged in when ``username`` is given. Use it as a context manager to close it::

        with powershai_py.connect("http://127.0.0.1:7860") as app:
            print(app.predict("tell", topic="about tea"))

    Limits in seconds (None: none): ``connect_timeout`` to open a connection, ``read_timeout``
    the longest silence of the server, ``call_timeout`` a whole call from invoke to last result
    (ConnectTimeout, ReadTimeout, CallTimeout when they pass).
    """
    from ._session import GradioSession  # the session module imports this one

    session = GradioSession(app_url, name=name, download_path=download_path, token=token,
                            connect_timeout=connect_timeout, read_timeout=read_timeout,
                            call_timeout=call_timeout)
    try:
        return session.connect(username=username, password=password, disable_retry=disable_retry)
    except BaseException:
        session.close()
        raise
