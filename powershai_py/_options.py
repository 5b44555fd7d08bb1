"""A session's options (PowerShai's ``$session.options``), each value checked where it is set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import _errors as err

POLICIES = ("error", "warning", "remove")
PROTOCOLS = ("auto", "call", "queue")
# How long a request may wait for a free pooled connection (not a user-facing limit).
POOL_TIMEOUT = 30.0


class Unset:
    """The type of :data:`UNSET`: "not given", where None already means "no limit"."""


UNSET = Unset()


@dataclass
class SessionOptions:
    """A session's options (PowerShai's ``$session.options``). Every assignment is checked, so a
    wrong value fails where it is set (``InvalidArgument``), not at the next call."""

    MaxCalls: int = 100
    MaxCallsPolicy: str = "warning"
    # auto: the queue protocol, as Gradio's own clients use it (faster, keeps gr.State on every
    # version, brings queue position, progress, logs and error texts), and /call for listeners
    # declared queue=False or servers without queue routes; call / queue: always that route.
    Protocol: str = "auto"
    # Limits in seconds (None: no limit). Connect: to open a connection. Read: the longest
    # silence before an answer or between two messages of a stream (Gradio's /call heartbeats
    # come every 15 s, so 60 s outlasts several). Call: from the invoke to the last result,
    # heartbeats included; none by default because a model may rightly run for an hour.
    ConnectTimeoutSec: float | None = 10.0
    ReadTimeoutSec: float | None = 60.0
    CallTimeoutSec: float | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, _checked_option(name, value))


TIMEOUT_OPTIONS = ("ConnectTimeoutSec", "ReadTimeoutSec", "CallTimeoutSec")


def _checked_limit(name: str, value: Any) -> float | None:
    """A limit in seconds: a positive number (text of one included), or None for no limit."""
    if value is None:
        return None
    number: Any = value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not (
            0 < number < float("inf")):
        raise err.InvalidArgument(
            f"{name} must be a positive number of seconds or None (no limit), not {value!r}")
    return float(number)


def _checked_option(name: str, value: Any) -> Any:
    if name in TIMEOUT_OPTIONS:
        return _checked_limit(name, value)
    if name == "MaxCalls":
        number = value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            number = int(value)
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise err.InvalidArgument(
                f"MaxCalls must be a whole number of 0 or more, not {value!r}")
        return number
    choices = {"MaxCallsPolicy": POLICIES, "Protocol": PROTOCOLS}.get(name)
    if choices is not None:
        if str(value).lower() not in choices:
            raise err.InvalidArgument(
                f"{name} must be one of {', '.join(choices)}, not {value!r}")
        return str(value).lower()
    return value


OPTION_NAMES = ("MaxCalls", "MaxCallsPolicy", "Protocol", *TIMEOUT_OPTIONS)
# What PowerShai's Invoke-GradioSessionApi uses when $session.options has no MaxCalls or no
# MaxCallsPolicy (a script that replaced the whole table): 10 calls, then an error.
TABLE_FALLBACKS: dict[str, Any] = {"MaxCalls": 10, "MaxCallsPolicy": "error"}


def option_name(key: Any) -> str:
    """The option a key names, in any letter case (PowerShell hashtables ignore case)."""
    for name in OPTION_NAMES:
        if str(key).lower() == name.lower():
            return name
    raise err.InvalidArgument(
        f"{key!r} is not a session option; the options are {', '.join(OPTION_NAMES)}")


def with_option(options: SessionOptions, key: Any, value: Any) -> SessionOptions:
    """A copy of ``options`` with one option set (checked); None restores its table fallback."""
    name = option_name(key)
    changed = SessionOptions(**vars(options))
    if value is None and name in TABLE_FALLBACKS:
        value = TABLE_FALLBACKS[name]
    setattr(changed, name, value)
    return changed


def options_from_table(table: dict[str, Any]) -> SessionOptions:
    """New options from a whole table (``$session.options = @{...}``), read as PowerShai reads
    one: a missing MaxCalls or MaxCallsPolicy takes ``TABLE_FALLBACKS``, the rest their
    defaults. Every value is checked; an unknown key is an error (a typo would do nothing)."""
    options = SessionOptions(**TABLE_FALLBACKS)
    for key, value in table.items():
        options = with_option(options, key, value)
    return options
