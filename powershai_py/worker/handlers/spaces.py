"""Hugging Face Space cmdlets: Get-HuggingFaceSpace and Connect-HuggingFaceSpaceGradio."""

from __future__ import annotations

import re
import time
from typing import Any

from ... import _errors as err
from ... import _spaces as spaces
from ..._auth import resolve_token
from ..._registry import SessionRegistry
from ._base import Args, CmdletContext, CmdletResult, cmdlet, session_output
from .hub import is_space_object, token_arg

_STAGE_TEXT = {
    "SLEEPING": "asleep; waking it up",
    "STOPPED": "stopped; waking it up",
    "BUILDING": "building",
    "APP_STARTING": "starting",
    "RUNNING_APP_STARTING": "starting",
    "RUNNING": "running",
    "RUNNING_BUILDING": "running",
}
DEFAULT_TIMEOUT = 300


def _space_output(info: dict[str, Any], session_name: str | None) -> dict[str, Any]:
    """A HuggingFaceSpace object: the Hub's info plus PowerShai's ``control`` table."""
    clean = {k: v for k, v in info.items() if k not in ("$type", "control")}
    control = {"$hashtable": {"GradioSession": session_name}}
    return {"$type": "HuggingFaceSpace", **clean, "control": control}


def _gradio_root(info: dict[str, Any], given: Any) -> str | None:
    """PowerShai's rule: with no -GradioServerRoot, a Gradio 5+ Space's API is under gradio_api."""
    if given:
        return str(given)
    match = re.match(r"(\d+)\.", spaces.sdk_version(info) or "")
    return "gradio_api" if match and int(match.group(1)) >= 5 else None


@cmdlet("Get-HuggingFaceSpace")
def get_space(ctx: CmdletContext, a: Args) -> CmdletResult:
    token = resolve_token(token_arg(a.get("Token")))
    author = a.get("author")
    with spaces.HubClient(token=token) as hub:
        if a.flag("My"):
            author = hub.whoami().get("name")
            ctx.verbose(f"Listing the Spaces of {author}")
        if author:
            return CmdletResult([{"$plain": item} if isinstance(item, (dict, list)) else item
                                 for item in hub.list_spaces(str(author))])
        value = a.get("Space")
        items = value if isinstance(value, list) else [value]
        infos = [item if is_space_object(item) else hub.get_space(item, full=True)
                 for item in items]
    out: list[Any] = []
    for item, info in zip(items, infos, strict=True):
        if is_space_object(item):
            out.append(_space_output(info, _control_session(item)))  # given back as it came
            continue
        session_name = None
        if not a.flag("NoGradioSession") and str(info.get("sdk") or "").lower() == "gradio":
            try:
                session = _connect(ctx, info, token=token, force=False, deadline=None,
                                   server_root=_gradio_root(info, a.get("GradioServerRoot")))
                session_name = session.name
                ctx.verbose(f"Connected to session {session.name}")
            except err.PowershaiPyError as exc:
                ctx.warning("Failed to connect to the Space's Gradio app (use "
                            f"Connect-HuggingFaceSpaceGradio): {exc}")
        out.append(_space_output(info, session_name))
    return CmdletResult(out)


def _control_session(space: dict[str, Any]) -> Any:
    control = space.get("control")
    if isinstance(control, dict):
        inner = control.get("$hashtable", control)
        return inner.get("GradioSession") if isinstance(inner, dict) else None
    return None


def _existing(registry: SessionRegistry, name: str) -> Any:
    for session in registry:
        if session.name == name:
            return session
    return None


def _app_url(info: dict[str, Any], server_root: Any) -> tuple[str, bool]:
    """The Gradio app's URL, and whether discovery should skip its fallbacks (PowerShai's rule:
    -ServerRoot starting with http replaces the host, anything else is appended to it)."""
    host = spaces.space_host(info)
    root = str(server_root or "").strip()
    if not root:
        return host, False
    if root.lower().startswith("http"):
        return root, True
    return host + "/" + root.strip("/"), True


def _connect(ctx: CmdletContext, info: dict[str, Any], *, token: str | None, force: bool,
             deadline: float | None, server_root: Any, activity: str | None = None) -> Any:
    """The session ``Space:<id>`` for a Space whose info is known: kept when it exists (unless
    ``force``), else created at the Space's host, retrying an app that does not answer yet
    until ``deadline`` (``time.monotonic()``; ``None``: one try, its error as it is)."""
    space_id = str(info.get("id") or "")
    activity = activity or f"Connecting to Hugging Face Space {space_id}"
    sdk = str(info.get("sdk") or "gradio").lower()
    if sdk != "gradio":
        raise err.SpaceNotGradio(f"Space {space_id} uses the {sdk} SDK, not Gradio")
    registry = ctx.state.registry
    name = f"Space:{space_id}"
    existing = _existing(registry, name)
    if existing is not None and not force:
        ctx.verbose(f"Session {name} already exists (use -Force to connect again)")
        return existing
    url, exact = _app_url(info, server_root)
    ctx.verbose(f"Space {space_id}: Gradio {spaces.sdk_version(info) or '?'} at {url}")
    while True:
        ctx.progress(activity, f"Connecting to the Gradio app at {url}")
        try:
            return registry.new(url, name=name, force=True, token=token, disable_retry=exact)
        except err.AuthenticationFailed:
            raise
        except err.GradioConnectionError as exc:
            # The Hub says RUNNING a little before the app answers; keep trying until the end.
            if deadline is None:
                raise
            if time.monotonic() >= deadline:
                raise err.SpaceTimeout(
                    f"Space {space_id} runs but its Gradio app did not answer in the time "
                    f"allowed (-TimeoutSec): {exc.text}") from exc
            ctx.verbose(f"The app is not answering yet: {exc.text}")
            time.sleep(min(spaces.POLL_INTERVAL, max(0.0, deadline - time.monotonic())))


@cmdlet("Connect-HuggingFaceSpaceGradio")
def connect_space(ctx: CmdletContext, a: Args) -> CmdletResult:
    value = a.get("space")
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    token = resolve_token(token_arg(a.get("Token")))
    timeout = float(a.int_or_none("TimeoutSec") or DEFAULT_TIMEOUT)
    deadline = time.monotonic() + timeout
    kind, key = spaces.parse_space(value)
    activity = f"Connecting to Hugging Face Space {key}"
    force = a.flag("Force")

    if kind == "id" and not force:
        session = _existing(ctx.state.registry, f"Space:{key}")
        if session is not None:
            ctx.verbose(f"Session Space:{key} already exists (use -Force to connect again)")
            return CmdletResult([session_output(ctx.state, session)])

    def on_stage(stage: str, info: dict[str, Any]) -> None:
        ctx.progress(activity, f"Space is {_STAGE_TEXT.get(stage, stage.lower())}")
        ctx.verbose(f"Space {info.get('id', key)} stage: {stage}")

    try:
        if is_space_object(value):
            # PowerShai connects straight to the object's host: no Hub call. A Space the object
            # shows asleep is woken by the request to its host; the connect retries cover it.
            info = dict(value)
            ctx.verbose(f"Space {key}: using the host of the given object ({info.get('host')})")
        else:
            with spaces.HubClient(token=token) as hub:
                info = hub.wait_running(value, timeout=timeout, on_stage=on_stage)
        session = _connect(ctx, info, token=token, force=force, deadline=deadline,
                           server_root=a.get("ServerRoot"), activity=activity)
    except err.PowershaiPyError:
        ctx.progress(activity, "failed", completed=True)
        raise
    ctx.progress(activity, "connected", completed=True)
    return CmdletResult([session_output(ctx.state, session)])
