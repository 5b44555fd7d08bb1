"""Proxy functions, Invoke-GradioDynamicApi and Hugging Face Spaces, through the worker handlers.

Real Gradio 6 server (tests/gradio_servers.py); the Hub is tests/hub_standin.py, a local
stand-in (no internet in tests).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from powershai_py import _errors as err
from powershai_py import _spaces as spaces
from powershai_py.worker._context import CmdletContext, CmdletResult
from powershai_py.worker._state import WorkerState
from powershai_py.worker.handlers import handler_table
from powershai_py.worker.handlers.proxies import functions, planning, rendering, values
from tests.gradio_servers import RunningApp
from tests.hub_standin import HubStandIn

ROOT = Path(__file__).resolve().parent.parent
PWSH = ROOT / ".tools" / "pwsh" / "pwsh"


# One worker's state for this file's handler calls, as the server would hold it.
STATE = WorkerState()
HANDLERS = handler_table()


def run(name: str, args: dict[str, Any], ctx: CmdletContext | None = None) -> CmdletResult:
    return HANDLERS[name](ctx or CmdletContext(name=name, state=STATE), args)


def everything(result: CmdletResult) -> list[Any]:
    return [*result.output, *(list(result.stream) if result.stream is not None else [])]


@pytest.fixture()
def session(gradio6_app: RunningApp) -> Iterator[dict[str, Any]]:
    name = f"proxy-test-{os.getpid()}"
    out = run("New-GradioSession", {"AppUrl": gradio6_app.url, "Name": name, "Force": True})
    yield out.output[0]
    for s in list(STATE.registry):
        if s.name == name:
            STATE.registry.remove(s)


def _defs(result: CmdletResult) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in result.output if o.get("$directive") == "defineFunction"}


def _decl(script: str, name: str) -> str:
    """The declaration lines (attributes + typed name) of parameter ``name``."""
    match = re.search(r"((?:    \[[^\n]*\]\n)*)    (\[[^\]]+\]\$" + name + r"\b[^,\n]*)", script)
    assert match, f"no parameter {name} in:\n{script}"
    return match.group(1) + match.group(2)


# -- names and types ---------------------------------------------------------------------------


def test_names_follow_dotnet_title_case() -> None:
    assert planning.function_name("Invoke-GradioApi", "/Op1") == "Invoke-GradioApiOp1"
    assert planning.function_name("App", "file_echo") == "AppFileEcho"
    assert planning.clean_name("MaxNums") == "Maxnums"  # what .NET ToTitleCase does
    assert planning.clean_name("HTTP server") == "HTTPServer"
    assert planning.title_case("x2y a1B2 o'neil") == "X2y A1b2 O'neil"


def test_reserved_and_unnamed_parameters_become_paramN() -> None:
    endpoint = {"parameters": [
        {"parameter_name": "verbose", "type": {"type": "string"}},
        {"parameter_name": None, "label": "x", "type": {"type": "string"}},
        {"parameter_name": "manual", "type": {"type": "string"}},
        {"parameter_name": "ea", "type": {"type": "string"}},
        {"parameter_name": "true", "type": {"type": "string"}},
        {"parameter_name": "a_b", "type": {"type": "string"}},
        {"parameter_name": "ab", "type": {"type": "string"}},
        {"parameter_name": "2nd", "type": {"type": "string"}},
    ]}
    names = [p.ps_name for p in planning.plan_parameters(endpoint)]
    assert names == ["param0", "param1", "param2", "param3", "param4", "AB", "param6", "param7"]


def test_typed_endpoint_definition(session: dict[str, Any]) -> None:
    result = run("New-GradioSessionApiProxyFunction",
                 {"ApiName": "typed", "Session": session["name"], "Prefix": "T"})
    defs = _defs(result)
    assert list(defs) == ["TTyped"]
    d = defs["TTyped"]
    assert d["force"] is False and d["type"] == "GradioProxyFunction"
    script = d["script"]
    assert rendering.PROXY_MARKER in script
    assert _decl(script, "Number").splitlines()[-1].strip() == "[decimal]$Number"  # no default
    assert "[decimal]$Slider = 5" in _decl(script, "Slider")
    assert "[bool]$Flag = $true" in _decl(script, "Flag")
    choice = _decl(script, "Choice")
    assert "[ValidateSet('red', 'green', 'blue', IgnoreCase = $false)]" in choice
    assert "[string]$Choice = 'green'" in choice
    assert "[object]$Doc" in _decl(script, "Doc")
    assert "[object]$Picture" in _decl(script, "Picture")
    assert "HelpMessage = 'A colour (Gradio component: Dropdown)'" in choice
    for added in ("[switch]$Manual", "[Alias('map', 'arm')]", "[object[]]$ApiResultMap",
                  "[switch]$DebugData", "[string]$ApiToken",
                  "[Parameter(ValueFromPipeline = $true)]\n    [object]$PipeObj"):
        assert added in script
    assert "Invoke-PshaiCmdlet -Name 'Invoke-GradioProxyFunction'" in script
    # PowerShell 5.1 has none of these.
    for construct in (" ?? ", "?.", " && ", " || "):
        assert construct not in script
    # No object of its own: the directive writes the FunctionInfo, carrying this GradioProxy.
    assert [o for o in result.output if "$directive" not in o] == []
    info = d["emit"]
    assert info["$type"] == "GradioProxyInfo" and info["ApiName"] == "typed"
    assert info["SessionId"] == session["SessionId"] and info["SessionExists"] is True
    assert info["session"]["$type"] == "GradioSession"
    assert info["session"]["$id"] == session["SessionId"]


def test_integer_params_and_all_endpoints(session: dict[str, Any]) -> None:
    result = run("New-GradioSessionApiProxyFunction", {"Session": session["name"]})
    defs = _defs(result)
    assert "Invoke-GradioApiOp1" in defs and "Invoke-GradioApiOp2" in defs
    assert "Invoke-GradioApiFileEcho" in defs
    assert "[int]$Maxnums = 5" in defs["Invoke-GradioApiOp2"]["script"]
    listed = run("Get-GradioSessionApiProxyFunction", {"Session": session["name"]}).output
    assert {o["$directive"] for o in listed} == {"emitFunction"}
    assert {o["name"] for o in listed} >= {"Invoke-GradioApiOp1", "Invoke-GradioApiOp2"}
    removed = run("Remove-GradioSessionApiProxyFunction",
                  {"Function": [o["name"] for o in listed if o["name"].endswith("Op1")]}).output
    assert removed == [{"$directive": "removeFunction", "name": "Invoke-GradioApiOp1"}]
    rest = run("Remove-GradioSessionApiProxyFunction", {"Function": "Invoke-GradioApi*"}).output
    assert "Invoke-GradioApiOp2" in {o["name"] for o in rest}
    assert run("Get-GradioSessionApiProxyFunction", {"Session": session["name"]}).output == []
    with pytest.raises(err.ProxyNotFound) as info:
        run("Remove-GradioSessionApiProxyFunction", {"Function": "Get-ChildItem"})
    assert info.value.error_id == functions.PROXY_NOT_FOUND


def test_unknown_api_name(session: dict[str, Any]) -> None:
    with pytest.raises(err.ApiNotFound) as info:
        run("New-GradioSessionApiProxyFunction", {"ApiName": "nope", "Session": session["name"]})
    assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI"
    assert str(info.value).startswith(
        "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI: Api name nope not found")


@pytest.mark.pwsh
def test_generated_script_parses_in_powershell(session: dict[str, Any], tmp_path: Path) -> None:
    defs = _defs(run("New-GradioSessionApiProxyFunction", {"Session": session["name"]}))
    lines = ["$ErrorActionPreference = 'Stop'"]
    for name, d in defs.items():
        path = tmp_path / f"{name}.ps1"
        path.write_text(d["script"], encoding="utf-8")
        lines.append(f"$sb = [scriptblock]::Create([IO.File]::ReadAllText('{path}'))")
        lines.append(f"Set-Item -Path 'function:global:{name}' -Value $sb")
    lines.append("(Get-Command Invoke-GradioApiTyped).Parameters['Choice'].Attributes | "
                 "Where-Object { $_ -is [ValidateSet] } | "
                 "ForEach-Object { $_.ValidValues -join ',' }")
    lines.append("(Get-Command Invoke-GradioApiTyped).Parameters['Flag'].ParameterType.Name")
    out = subprocess.run([str(PWSH), "-NoProfile", "-NonInteractive", "-Command", "\n".join(lines)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["red,green,blue", "Boolean"]


# -- calling -----------------------------------------------------------------------------------


def _proxy_args(session: dict[str, Any], api: str, **extra: Any) -> dict[str, Any]:
    return {"Function": f"Invoke-GradioApi{api}", "Session": session["SessionId"],
            "SessionName": session["name"], "ApiName": api, **extra}


def test_op2_piped_into_op1_gets_every_event_complete_included(session: dict[str, Any]) -> None:
    # PowerShai's proxies write every result but heartbeats; on PowerShell 7 (the default host)
    # a single-output result's data is the value itself.
    op2 = everything(run("Invoke-GradioProxyFunction",
                         _proxy_args(session, "Op2", Params={"Maxnums": 3, "Sleep": 50})))
    assert [(r["event"], r["data"]) for r in op2] == [
        ("generating", "--start--"), ("generating", "1"), ("generating", "2"),
        ("generating", "3"), ("generating", "--end--"), ("complete", "--end--")]
    assert all(r["pipeline"] == [] for r in op2)
    out: list[dict[str, Any]] = []
    for item in op2:
        out += everything(run("Invoke-GradioProxyFunction",
                              _proxy_args(session, "Op1", ApiResultMap=["val=0"], PipeInput=item)))
    assert [r["data"] for r in out] == ["--start--", "1", "2", "3", "--end--", "--end--"]
    assert all(r["event"] == "complete" for r in out)
    assert out[3]["pipeline"][0]["data"] == "3"
    assert out[3]["pipeline"][0]["$type"] == "GradioApiEventResult"
    # a third step sees both earlier results
    third = everything(run("Invoke-GradioProxyFunction",
                           _proxy_args(session, "Op1", ApiResultMap={"val": 0}, PipeInput=out[1])))
    assert third[0]["data"] == "1"
    assert [p["data"] for p in third[0]["pipeline"]] == ["1", "1"]


def test_manual_debugdata_and_map_errors(session: dict[str, Any]) -> None:
    manual = run("Invoke-GradioProxyFunction",
                 _proxy_args(session, "Op1", Params={"Val": "x"}, Manual=True))
    assert manual.stream is None and manual.output[0]["$type"] == "SessionApiEvent"
    debug = run("Invoke-GradioProxyFunction",
                _proxy_args(session, "Op2", Params={"Maxnums": 2}, DebugData=True)).output[0]
    assert debug["Data"] == [2, 50]
    piped = {"$type": "GradioApiEventResult", "event": "generating", "data": ["7"], "num": 1}
    with pytest.raises(err.ProxyParamError) as info:
        run("Invoke-GradioProxyFunction",
            _proxy_args(session, "Op2", ApiResultMap="nothere=0", PipeInput=piped))
    assert info.value.error_id == values.PARAM_ERROR
    mapped = run("Invoke-GradioProxyFunction",
                 _proxy_args(session, "Op2", ApiResultMap="MaxNums=0", PipeInput=piped,
                             DebugData=True)).output[0]
    assert mapped["Data"] == [7, 50]  # "7" converted to [int] like PowerShell's -as
    with pytest.raises(err.ProxyParamError, match="the piped result has 1 value"):
        run("Invoke-GradioProxyFunction",
            _proxy_args(session, "Op2", ApiResultMap="MaxNums=3", PipeInput=piped))


def test_file_parameter_is_uploaded(session: dict[str, Any], tmp_path: Path) -> None:
    doc = tmp_path / "notes.txt"
    doc.write_text("hello", encoding="utf-8")
    out = everything(run("Invoke-GradioProxyFunction",
                         _proxy_args(session, "Typed",
                                     ApiName="typed", Params={"Doc": str(doc), "Number": 2})))
    assert out[-1]["event"] == "complete"
    assert "doc=notes.txt" in out[-1]["data"] and "number=2" in out[-1]["data"]
    assert "choice='green'" in out[-1]["data"]


def test_removed_session_is_a_clear_error(gradio6_app: RunningApp) -> None:
    s = run("New-GradioSession", {"AppUrl": gradio6_app.url, "Name": "doomed", "Force": True})
    sid = s.output[0]["SessionId"]
    run("New-GradioSessionApiProxyFunction", {"Session": "doomed", "ApiName": "Op1"})
    run("Remove-GradioSession", {"Name": "doomed"})
    with pytest.raises(err.ProxyNoSession) as info:
        run("Invoke-GradioProxyFunction", {"Function": "Invoke-GradioApiOp1", "Session": sid,
                                           "SessionName": "doomed", "ApiName": "Op1"})
    assert info.value.error_id == functions.NO_SESSION
    run("Remove-GradioSessionApiProxyFunction", {"Function": "Invoke-GradioApiOp1"})


def test_dynamic_api(session: dict[str, Any]) -> None:
    out = everything(run("Invoke-GradioDynamicApi",
                         {"ApiName": "echo", "Session": session["name"],
                          "Params": ["-text", "hi"]}))
    assert [r["data"] for r in out] == ["echo: hi"]
    out = everything(run("Invoke-GradioDynamicApi",
                         {"ApiName": "Op2", "Session": session["name"], "MaxNums": 2,
                          "Sleep": 1}))
    assert [r["data"] for r in out] == ["--start--", "1", "2", "--end--", "--end--"]
    params = run("Get-GradioDynamicApiParameter",
                 {"ApiName": "typed", "Session": session["name"]}).output
    assert [p["Name"] for p in params] == ["Number", "Slider", "Flag", "Choice", "Doc", "Picture"]
    assert params[3]["ValidateSet"] == ["red", "green", "blue"]
    assert run("Get-GradioDynamicApiParameter", {"ApiName": "zzz",
                                                 "Session": session["name"]}).output == []


def test_parse_remaining() -> None:
    plan = planning.plan_parameters({"parameters": [
        {"parameter_name": "a", "type": {"type": "string"}},
        {"parameter_name": "b", "type": {"type": "boolean"}},
        {"parameter_name": "c", "type": {"type": "integer"}},
    ]})
    got = values.parse_remaining(["-b", "-c:", 3, "x"], plan)
    assert got == {"b": True, "c": 3, "A": "x"}


# -- Spaces ------------------------------------------------------------------------------------


# `hub` (tests/conftest.py): the Hub stand-in the core is pointed at.


def _drop(name: str) -> None:
    for s in list(STATE.registry):
        if s.name == name:
            STATE.registry.remove(s)


def test_parse_space_forms() -> None:
    assert spaces.parse_space("powershai/tests-gradio") == ("id", "powershai/tests-gradio")
    assert spaces.parse_space("https://huggingface.co/spaces/a/b/tree/main") == ("id", "a/b")
    assert spaces.parse_space("https://a-b.hf.space/") == ("subdomain", "a-b")
    assert spaces.parse_space({"id": "a/b"}) == ("id", "a/b")
    with pytest.raises(err.InvalidArgument):
        spaces.parse_space("not a space")


def test_get_space(hub: HubStandIn, gradio6_app: RunningApp) -> None:
    hub.add_space("powershai/tests-gradio", host=gradio6_app.url)
    # -NoGradioSession: the sessions Get opens by default are tests/test_spaces_commands.py's
    info = run("Get-HuggingFaceSpace", {"Space": "powershai/tests-gradio",
                                        "NoGradioSession": True}).output[0]
    assert info["$type"] == "HuggingFaceSpace" and info["sdk"] == "gradio"
    assert info["runtime"]["stage"] == "RUNNING"
    with pytest.raises(err.SpaceError) as e:
        run("Get-HuggingFaceSpace", {"Space": "nobody/nothing"})
    assert e.value.error_id == spaces.SPACE_NOT_FOUND


def test_connect_wakes_a_sleeping_space(hub: HubStandIn, gradio6_app: RunningApp) -> None:
    hub.add_space("powershai/tests-gradio", host=gradio6_app.url,
                  stages=["SLEEPING", "BUILDING", "APP_STARTING", "RUNNING"])
    ctx = CmdletContext(name="Connect-HuggingFaceSpaceGradio", state=STATE)
    try:
        out = run("Connect-HuggingFaceSpaceGradio", {"space": "powershai/tests-gradio"}, ctx)
        session = out.output[0]
        assert session["name"] == "Space:powershai/tests-gradio"
        assert session["AppUrl"] == gradio6_app.url + "/gradio_api"
        progress = [m for m in ctx.drain() if m["level"] == "progress"]
        statuses = [m["status"] for m in progress]
        assert statuses[:4] == ["Space is asleep; waking it up", "Space is building",
                                "Space is starting", "Space is running"]
        assert progress[-1]["completed"] is True
        # connected already: the same session comes back, no Hub call
        before = len(hub.requests)
        again = run("Connect-HuggingFaceSpaceGradio", {"space": "powershai/tests-gradio"})
        assert again.output[0]["SessionId"] == session["SessionId"]
        assert len(hub.requests) == before
        forced = run("Connect-HuggingFaceSpaceGradio",
                     {"space": "powershai/tests-gradio", "Force": True})
        assert forced.output[0]["SessionId"] != session["SessionId"]
    finally:
        _drop("Space:powershai/tests-gradio")


def test_private_space_needs_the_token(hub: HubStandIn, gradio6_app: RunningApp,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    hub.add_space("powershai/private-tests-gradio", host=gradio6_app.url, token="hf_standin")
    with pytest.raises(err.SpaceError) as e:
        run("Connect-HuggingFaceSpaceGradio", {"space": "powershai/private-tests-gradio"})
    assert e.value.error_id == spaces.SPACE_NOT_FOUND
    monkeypatch.setenv("HF_API_TOKEN", "hf_standin")
    try:
        out = run("Connect-HuggingFaceSpaceGradio", {"space": "powershai/private-tests-gradio"})
        assert out.output[0]["name"] == "Space:powershai/private-tests-gradio"
        assert hub.requests[-1].authorization == "Bearer hf_standin"
        session = STATE.registry.get("Space:powershai/private-tests-gradio")[0]
        assert session.client.token == "hf_standin"
    finally:
        _drop("Space:powershai/private-tests-gradio")


def test_timeout_paused_and_broken(hub: HubStandIn, gradio6_app: RunningApp) -> None:
    hub.add_space("a/slow", host=gradio6_app.url, stages=["BUILDING"])
    with pytest.raises(err.SpaceError) as e:
        run("Connect-HuggingFaceSpaceGradio", {"space": "a/slow", "TimeoutSec": 1})
    assert e.value.error_id == spaces.SPACE_TIMEOUT and e.value.category == "OperationTimeout"
    hub.add_space("a/paused", host=gradio6_app.url, stages=["PAUSED"])
    with pytest.raises(err.SpaceError) as e:
        run("Connect-HuggingFaceSpaceGradio", {"space": "a/paused"})
    assert e.value.error_id == spaces.SPACE_PAUSED
    hub.add_space("a/broken", host=gradio6_app.url, stages=["RUNTIME_ERROR"],
                  error_message="ImportError: no module named torch")
    with pytest.raises(err.SpaceError) as e:
        run("Connect-HuggingFaceSpaceGradio", {"space": "a/broken"})
    assert e.value.error_id == spaces.SPACE_FAILED and "torch" in str(e.value)
    hub.add_space("a/static", host=gradio6_app.url, sdk="static")
    with pytest.raises(err.SpaceError) as e:
        run("Connect-HuggingFaceSpaceGradio", {"space": "a/static"})
    assert e.value.error_id == spaces.SPACE_NOT_GRADIO


def test_server_root_and_subdomain(hub: HubStandIn, gradio6_app: RunningApp) -> None:
    hub.add_space("x/y", host="http://127.0.0.1:9", stages=["RUNNING"])
    try:
        out = run("Connect-HuggingFaceSpaceGradio",
                  {"space": "https://x-y.hf.space", "ServerRoot": gradio6_app.url})
        assert out.output[0]["name"] == "Space:x/y"
    finally:
        _drop("Space:x/y")

