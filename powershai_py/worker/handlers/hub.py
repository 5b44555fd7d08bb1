"""Hub cmdlets beside the Space connection: Get-HuggingFaceWhoami, Set-HuggingFaceToken,
Start-HuggingFaceSpace, Wait-HuggingFaceSpace, and Convert-GradioParamPowershell."""

from __future__ import annotations

from typing import Any

from ... import _errors as err
from ... import _hub_commands as hub_commands
from ..._param_types import gradio_param_type
from ._base import Args, CmdletContext, CmdletResult, cmdlet

DEFAULT_SLEEP_MS = 5000


def token_arg(value: Any) -> str | None:
    """A token as PowerShell sent it: text, a SecureString (``$secret``) or a PSCredential
    (its password). Never logged."""
    if isinstance(value, dict):
        if "$secret" in value:
            return str(value["$secret"] or "") or None
        credential = value.get("$credential")
        if isinstance(credential, dict):
            return str(credential.get("password") or "") or None
        raise err.InvalidArgument("-Token must be text, a SecureString or a PSCredential")
    if value is None or value == "":
        return None
    return str(value)


def is_space_object(value: Any) -> bool:
    """What Get-HuggingFaceSpace returned (PowerShell sends its type name as ``$type``)."""
    return isinstance(value, dict) and value.get("$type") == "HuggingFaceSpace"


def _one(value: Any) -> Any:
    return value[0] if isinstance(value, list) and len(value) == 1 else value


@cmdlet("Get-HuggingFaceWhoami")
def get_whoami(ctx: CmdletContext, a: Args) -> CmdletResult:
    me = hub_commands.whoami(token_arg(a.get("token")))
    return CmdletResult([{"$plain": me}])


@cmdlet("Set-HuggingFaceToken")
def set_token(ctx: CmdletContext, a: Args) -> CmdletResult:
    token = token_arg(a.get("Token"))
    if not token:
        raise err.InvalidArgument("Set-HuggingFaceToken needs a token (-Token)")
    ctx.verbose("Checking the token with the Hub...")
    me = hub_commands.set_token(token)
    ctx.verbose(f"Token stored for this session (it belongs to {me.get('name')})")
    return CmdletResult([])


@cmdlet("Start-HuggingFaceSpace")
def start_space(ctx: CmdletContext, a: Args) -> CmdletResult:
    space = _one(a.get("space"))
    token = token_arg(a.get("Token"))
    # As PowerShai: finding the Space may fail; a start that got no good answer only warns.
    info = space if is_space_object(space) else hub_commands.get_space(space, token=token)
    try:
        status = hub_commands.start_space(info, token=token)
    except err.GradioConnectionError as exc:
        ctx.warning(f"Start failed: {exc.text}")
        return CmdletResult([])
    if status is None:
        ctx.warning("Start failed: the Space's host did not answer in time (it may be starting)")
    elif status not in hub_commands.STARTED_STATUSES:
        ctx.warning(f"Start failed: the Space's host answered HTTP {status}")
    return CmdletResult([])


def _number(a: Args, name: str) -> float | None:
    value = a.get(name)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise err.InvalidArgument(f"-{name} must be a number, not {value!r}") from exc


@cmdlet("Wait-HuggingFaceSpace")
def wait_space(ctx: CmdletContext, a: Args) -> CmdletResult:
    space = _one(a.get("Space"))
    if space is None:
        raise err.InvalidArgument("-Space is required (owner/name or a Space object)")
    sleep_ms = _number(a, "SleepTime")
    quiet = a.flag("NoStatus")
    if not quiet and isinstance(space, dict) and space.get("runtime"):
        runtime = space["runtime"]
        stage = runtime.get("stage") if isinstance(runtime, dict) else None
        if stage and stage != "RUNNING":
            ctx.warning(f"Stage: {stage}")

    def on_stage(stage: str, info: dict[str, Any], changed: bool) -> None:
        if changed and not quiet:
            ctx.warning(f"Stage changed to {stage}")
        ctx.verbose(f"Space {info.get('id')} stage is {stage}")

    running = hub_commands.wait_space(
        space, timeout=_number(a, "timeout"),
        sleep=(DEFAULT_SLEEP_MS if sleep_ms is None else sleep_ms) / 1000.0,
        start=not a.flag("NoStart"), token=token_arg(a.get("Token")), on_stage=on_stage)
    return CmdletResult([running])


@cmdlet("Convert-GradioParamPowershell")
def convert_param(ctx: CmdletContext, a: Args) -> CmdletResult:
    param = _one(a.get("Param"))
    if param is not None and not isinstance(param, dict):
        raise err.InvalidArgument("-Param must be a parameter object of Get-GradioInfo's "
                                  "named_endpoints")
    return CmdletResult([{"$typename": gradio_param_type(param)}])
