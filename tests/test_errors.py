"""The error vocabulary: one class per id, ids unchanged, httpx mapped in one place, a pure core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from powershai_py import _errors as err
from powershai_py.worker.handlers._base import Args, Cmdlet, CmdletContext, CmdletResult

PACKAGE = Path(__file__).resolve().parent.parent / "powershai_py"
CORE = [p for p in PACKAGE.glob("*.py") if p.name not in ("__main__.py", "demo.py")]

# The ids scripts match on: they never change (PowerShai's spellings included).
PINNED = {
    "PowershaiPyError": "POWERSHAI_PY_ERROR",
    "GradioConnectionError": "POWERSHAI_HUGGINGFACE_GRADIO_CONNECTION",
    "Unreachable": "POWERSHAI_HUGGINGFACE_GRADIO_UNREACHABLE",
    "RequestTimeout": "POWERSHAI_HUGGINGFACE_GRADIO_TIMEOUT",
    "NotGradio": "POWERSHAI_HUGGINGFACE_GRADIO_NOTGRADIO",
    "HttpStatusError": "POWERSHAI_HUGGINGFACE_GRADIO_HTTP",
    "AuthenticationFailed": "POWERSHAI_HUGGINGFACE_GRADIO_AUTH",
    "QueueFullError": "POWERSHAI_HUGGINGFACE_GRADIO_QUEUEFULL",
    "StreamCut": "POWERSHAI_HUGGINGFACE_GRADIO_STREAMCUT",
    "ApiNotFound": "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI",
    "InvalidParams": "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_PARAMS",
    "SessionError": "POWERSHAI_HUGGINGFACE_GRADIOSESSION",
    "NoDefaultSession": "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_DEFAULT",
    "SessionNotFound": "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND",
    "EventNotFound": "POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT",
    "EventCompleted": "POWERSHAI_HUGGINGFACE_GRADIO_EVENTCOMPLETED",
    "MaxCallsReached": "POWERSHAI_HUGINGFACE_GRADIOAPI_MAXCALLS",
    "FileNotFoundForUpload": "POWERSHAI_HUGGINGFACE_GRADIO_SENDFILESESSIN_NOTFOUND",
    "UnsafeDownload": "POWERSHAI_HUGGINGFACE_GRADIO_DOWNLOAD_UNSAFE",
    "SpaceError": "POWERSHAI_HUGGINGFACE_SPACE",
    "SpaceNotFound": "POWERSHAI_HUGGINGFACE_SPACE_NOTFOUND",
    "SpaceTimeout": "POWERSHAI_HUGGINGFACE_SPACE_TIMEOUT",
    "SpacePaused": "POWERSHAI_HUGGINGFACE_SPACE_PAUSED",
    "SpaceFailed": "POWERSHAI_HUGGINGFACE_SPACE_RUNTIMEERROR",
    "SpaceNotGradio": "POWERSHAI_HUGGINGFACE_SPACE_NOTGRADIO",
    "ProxyNoSession": "POWERSHAI_HUGGINGFACE_GRADIO_APIPROXY_INVOKE_NOSESSION",
    "ProxyExists": "POWERSHAI_HUGGINGFACE_NEWGRADIOPROXY_EXISTS",
    "ProxyNotFound": "POWERSHAI_HUGGINGFACE_GRADIO_PROXYFUNCTION_NOTFOUND",
    "ProxyParamError": "POWERSHAI_HUGGINGFACE_PROXY_PARAMERRROR",
    "ProxyInvokeFailed": "POWERSHAI_HUGGINGFACE_GRADIO_APIINVOKE",
    "InvalidArgument": "POWERSHAI_PY_INVALID_ARGUMENT",
    "InvalidToken": "INVALID_TOKEN",
}


def test_one_class_per_id_each_documented() -> None:
    classes = err.error_classes()
    ids = [c.error_id for c in classes]
    assert len(ids) == len(set(ids)), "two classes share an id"
    for cls in classes:
        assert cls.__doc__ and cls.__doc__.strip(), f"{cls.__name__} has no docstring"
        assert cls.__name__ in err.__all__
    by_name = {c.__name__: c.error_id for c in classes}
    for name, error_id in PINNED.items():
        assert by_name[name] == error_id


def test_except_by_condition() -> None:
    with pytest.raises(err.GradioConnectionError):
        raise err.StreamInvalid("x")
    with pytest.raises(err.StreamCut):
        raise err.StreamInvalid("x")
    with pytest.raises(err.SessionError):
        raise err.SessionNotFound("x")
    with pytest.raises(err.SpaceError):
        raise err.SpaceTimeout("x")
    with pytest.raises(err.InvalidArgument):
        raise err.InvalidUrl("x")
    failure = err.HttpStatusError("GET /x: HTTP 502", status=502)
    assert failure.status == 502
    assert str(failure) == "POWERSHAI_HUGGINGFACE_GRADIO_HTTP: GET /x: HTTP 502"


def _calls_with_error_id(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
            and any(k.arg == "error_id" for k in node.keywords)]


def test_the_package_raises_classes_not_ids() -> None:
    """Only the worker's relay of foreign ids (an unknown cmdlet or stream) passes an id."""
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        lines = _calls_with_error_id(path)
        if lines and path.name != "_server.py":
            offenders[str(path.relative_to(PACKAGE))] = lines
    assert offenders == {}


def test_httpx_errors_are_caught_in_one_place() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "_http.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                text = ast.unparse(node.type)
                if "httpx" in text:
                    offenders.append(f"{path.name}:{node.lineno}: {text}")
    assert offenders == []


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_core_speaks_python(path: Path) -> None:
    """No wire vocabulary ($type) nor PowerShell parameters (-Credential, -Force) in the core."""
    text = path.read_text(encoding="utf-8")
    for word in ('"$type"', "-Credential", "-Force", "Set-GradioSession"):
        assert word not in text, f"{path.name} says {word}"


def test_the_worker_words_hints_for_powershell() -> None:
    def login_needed(ctx: CmdletContext, a: Args) -> CmdletResult:
        raise err.AuthenticationFailed(
            "GET /config: the app needs a login (HTTP 401); connect with a username and password",
            status=401)

    handler = Cmdlet("New-GradioSession", login_needed, internal=False)
    with pytest.raises(err.AuthenticationFailed) as info:
        handler(CmdletContext(name="New-GradioSession"), {})
    assert "New-GradioSession -Credential" in str(info.value)
    assert str(info.value).startswith(err.AuthenticationFailed.error_id + ": ")
    assert info.value.status == 401
