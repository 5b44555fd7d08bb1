"""Hugging Face Space cmdlets: Get-HuggingFaceSpace and Connect-HuggingFaceSpaceGradio."""

from __future__ import annotations

import time
from typing import Any

from ... import _errors as err
from ... import _spaces as spaces
from ..._auth import resolve_token
from ..._registry import SessionRegistry
from ._base import Args, CmdletContext, CmdletResult, cmdlet, session_output

_STAGE_TEXT = {
    "SLEEPING": "asleep; waking it up",
    "STOPPED": "stopped; waking it up",
    "BUILDING": "building",
    "APP_STARTING": "starting",
    "RUNNING_APP_STARTING": "starting",
    "RUNNING": "running",
    "RUNNING_BUILDING": "running",
}


@cmdlet("Get-HuggingFaceSpace")
def get_space(ctx: CmdletContext, a: Args) -> CmdletResult:
    value = a.get("Space")
    items = value if isinstance(value, list) else [value]
    with spaces.HubClient(token=resolve_token(a.get("Token"))) as hub:
        return CmdletResult([{**hub.get_space(v), "$type": "HuggingFaceSpace"} for v in items])


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


@cmdlet("Connect-HuggingFaceSpaceGradio")
def connect_space(ctx: CmdletContext, a: Args) -> CmdletResult:
    value = a.get("space")
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    token = resolve_token(a.get("Token"))
    timeout = float(a.int_or_none("TimeoutSec") or 300)
    deadline = time.monotonic() + timeout
    registry = ctx.state.registry
    kind, key = spaces.parse_space(value)
    activity = f"Connecting to Hugging Face Space {key}"

    if kind == "id" and not a.flag("Force"):
        session = _existing(registry, f"Space:{key}")
        if session is not None:
            ctx.verbose(f"Session Space:{key} already exists (use -Force to connect again)")
            return CmdletResult([session_output(ctx.state, session)])

    def on_stage(stage: str, info: dict[str, Any]) -> None:
        ctx.progress(activity, f"Space is {_STAGE_TEXT.get(stage, stage.lower())}")
        ctx.verbose(f"Space {info.get('id', key)} stage: {stage}")

    with spaces.HubClient(token=token) as hub:
        info = hub.wait_running(value, timeout=timeout, on_stage=on_stage)
    space_id = str(info.get("id") or key)
    sdk = str(info.get("sdk") or "gradio").lower()
    if sdk != "gradio":
        ctx.progress(activity, "failed", completed=True)
        raise err.SpaceNotGradio(f"Space {space_id} uses the {sdk} SDK, not Gradio")
    name = f"Space:{space_id}"
    existing = _existing(registry, name)
    if existing is not None and not a.flag("Force"):
        ctx.progress(activity, "connected", completed=True)
        return CmdletResult([session_output(ctx.state, existing)])

    url, exact = _app_url(info, a.get("ServerRoot"))
    version = spaces.sdk_version(info)
    ctx.verbose(f"Space {space_id}: Gradio {version or '?'} at {url}")
    while True:
        ctx.progress(activity, f"Connecting to the Gradio app at {url}")
        try:
            session = registry.new(url, name=name, force=True, token=token, disable_retry=exact)
            break
        except err.AuthenticationFailed:
            ctx.progress(activity, "failed", completed=True)
            raise
        except err.GradioConnectionError as exc:
            # The Hub says RUNNING a little before the app answers; keep trying until the end.
            if time.monotonic() >= deadline:
                ctx.progress(activity, "failed", completed=True)
                raise err.SpaceTimeout(
                    f"Space {space_id} runs but its Gradio app did not answer within "
                    f"{timeout:g} s: {exc.text}") from exc
            ctx.verbose(f"The app is not answering yet: {exc.text}")
            time.sleep(min(spaces.POLL_INTERVAL, max(0.0, deadline - time.monotonic())))
    ctx.progress(activity, "connected", completed=True)
    return CmdletResult([session_output(ctx.state, session)])
