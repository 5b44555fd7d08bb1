"""Hugging Face Hub commands for Python users, the same the PowerShell cmdlets run.

* :func:`get_space` / :func:`list_spaces`: Get-HuggingFaceSpace (one Space; an author's Spaces);
* :func:`whoami`: Get-HuggingFaceWhoami; :func:`set_token`: Set-HuggingFaceToken;
* :func:`start_space`: Start-HuggingFaceSpace; :func:`wait_space`: Wait-HuggingFaceSpace.

Tokens follow :func:`powershai_py.resolve_token` (explicit, stored by :func:`set_token`,
``HF_API_TOKEN``, ``HF_TOKEN``); they travel only in the ``Authorization`` header.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from . import _errors as err
from . import _spaces as spaces
from ._auth import resolve_token, set_default_token

__all__ = ["get_space", "list_spaces", "set_token", "start_space", "wait_space", "whoami"]

# Statuses PowerShai's Start-HuggingFaceSpace takes as "the Space answered".
STARTED_STATUSES = (200, 206)

# Stages a Space does not leave by waiting (its author must act): Wait stops at them.
_STUCK_STAGES = frozenset({"PAUSED", "NO_APP_FILE", "DELETING"})

WaitHook = Callable[[str, dict[str, Any], bool], None]


def _is_space_info(value: Any) -> bool:
    """A Space's info as the Hub gave it (a dict with its host): used as it is."""
    return isinstance(value, dict) and bool(value.get("host"))


def get_space(space: Any, *, token: str | None = None) -> dict[str, Any]:
    """The Hub's full info of one Space (``owner/name``, a Space URL or a Space dict)."""
    with spaces.HubClient(token=resolve_token(token)) as hub:
        return hub.get_space(space, full=True)


def whoami(token: str | None = None) -> dict[str, Any]:
    """Who a token belongs to (the Hub's ``whoami-v2`` answer). Raises InvalidToken when the
    Hub refuses it."""
    with spaces.HubClient(token=resolve_token(token)) as hub:
        return hub.whoami()


def list_spaces(author: str | None = None, *, my: bool = False,
                token: str | None = None) -> list[Any]:
    """An author's Spaces as the Hub lists them; ``my=True`` lists the token owner's."""
    with spaces.HubClient(token=resolve_token(token)) as hub:
        if my:
            author = str(hub.whoami().get("name") or "")
        if not author:
            raise err.InvalidArgument("Give an author, or my=True with a token")
        return hub.list_spaces(author)


def set_token(token: str) -> dict[str, Any]:
    """Check a token with the Hub and keep it for every later call of this process.

    Returns the Hub's ``whoami-v2`` answer. Raises InvalidToken (nothing stored) when refused.
    """
    if not token or token.lower() == "public":
        raise err.InvalidArgument("set_token needs a Hugging Face token")
    with spaces.HubClient(token=token) as hub:
        me = hub.whoami()
    set_default_token(token)
    return me


def _space_info(hub: spaces.HubClient, space: Any) -> dict[str, Any]:
    """A Space's info as given (no Hub call), else the Hub's."""
    return dict(space) if _is_space_info(space) else hub.get_space(space, full=True)


def start_space(space: Any, *, token: str | None = None) -> int | None:
    """Make a sleeping Space start: one HEAD request to its host (a Space dict with a ``host``
    is used as it is, with no Hub call). The HTTP status, or ``None``
    when the host did not answer within a few seconds (a starting Space often does not).
    Raises GradioConnectionError when the host cannot be reached at all."""
    with spaces.HubClient(token=resolve_token(token)) as hub:
        return hub.touch(spaces.space_host(_space_info(hub, space)))


def wait_space(space: Any, *, timeout: float | None = None, sleep: float = 5.0,
               start: bool = True, token: str | None = None,
               on_stage: WaitHook | None = None) -> bool:
    """Wait until a Space runs: True when it does, False when ``timeout`` seconds passed (or
    it reached a stage it will not leave by waiting: paused, or an error). ``timeout=None``
    waits without end, as PowerShai does.

    A Space dict already RUNNING answers True without asking the Hub. ``start`` touches the
    Space once (:func:`start_space`) after the first look. ``on_stage(stage, info, changed)``
    is called after every look.
    """
    space_id: Any = space
    last: str | None = None
    if isinstance(space, dict) and space.get("id"):
        space_id = str(space["id"])
        last = spaces.stage_of(space)
        if last in spaces.RUNNING_STAGES:
            return True
    begin = time.monotonic()
    started = not start
    with spaces.HubClient(token=resolve_token(token)) as hub:
        while True:
            info = hub.get_space(space_id, full=True)
            stage = spaces.stage_of(info)
            if on_stage is not None:
                on_stage(stage, info, stage != last)
            last = stage
            if not started:
                hub.touch(spaces.space_host(info))
                started = True
            if stage in spaces.RUNNING_STAGES:
                return True
            if stage in _STUCK_STAGES or stage.endswith("ERROR"):
                return False  # only the Space's author can get it out of there
            if timeout is not None and time.monotonic() - begin > timeout:
                return False
            time.sleep(max(0.0, sleep))
