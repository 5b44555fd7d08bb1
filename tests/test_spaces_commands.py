"""Get-HuggingFaceSpace's sets and sessions, Connect given a Space object, Start/Wait, whoami and
the stored token, Convert-GradioParamPowershell: the worker handlers and the Python API.

Real Gradio 6 server (tests/gradio_servers.py); the Hub is tests/hub_standin.py, a local stand-in
(no internet in tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import powershai_py as ps
from powershai_py import _errors as err
from powershai_py._auth import default_token, set_default_token
from powershai_py.worker._context import CmdletContext, CmdletResult
from powershai_py.worker._state import WorkerState
from powershai_py.worker.handlers import handler_table
from tests.gradio_servers import RunningApp
from tests.hub_standin import HubStandIn

STATE = WorkerState()
HANDLERS = handler_table()
TOKEN = "hf_standin_secret"


def run(name: str, args: dict[str, Any], ctx: CmdletContext | None = None) -> CmdletResult:
    return HANDLERS[name](ctx or CmdletContext(name=name, state=STATE), args)


def messages(ctx: CmdletContext, level: str) -> list[str]:
    return [m["text"] for m in ctx.drain() if m["level"] == level]


@pytest.fixture()
def hub(hub: HubStandIn) -> Iterator[HubStandIn]:
    """conftest's stand-in with the user 'powershai'; the stored token and sessions go after."""
    hub.add_user("powershai", TOKEN)
    yield hub
    set_default_token(None)
    for s in list(STATE.registry):
        STATE.registry.remove(s)


def _hub_calls(hub: HubStandIn) -> list[str]:
    return [r.path for r in hub.requests if r.path.startswith("/api/")]


# -- Get-HuggingFaceSpace ----------------------------------------------------------------------


def test_get_connects_a_gradio_space_as_powershai_does(hub: HubStandIn,
                                                       gradio6_app: RunningApp) -> None:
    hub.add_space("powershai/tests-gradio", host=gradio6_app.url)
    info = run("Get-HuggingFaceSpace", {"Space": "powershai/tests-gradio"}).output[0]
    assert info["$type"] == "HuggingFaceSpace" and info["sdk"] == "gradio"
    assert info["control"] == {"$hashtable": {"GradioSession": "Space:powershai/tests-gradio"}}
    assert hub.requests[0].query == "full=true"
    session = STATE.registry.get("Space:powershai/tests-gradio")[0]
    # Gradio 5+ (the card's sdk_version): PowerShai's root gradio_api, no other root tried.
    assert session.AppUrl == gradio6_app.url + "/gradio_api"


def test_get_no_gradio_session_and_server_root(hub: HubStandIn, gradio6_app: RunningApp) -> None:
    hub.add_space("a/b", host="http://127.0.0.1:9")
    info = run("Get-HuggingFaceSpace", {"Space": "a/b", "NoGradioSession": True}).output[0]
    assert info["control"] == {"$hashtable": {"GradioSession": None}}
    assert [s for s in STATE.registry if s.name == "Space:a/b"] == []
    # -GradioServerRoot: an http URL replaces the host.
    info = run("Get-HuggingFaceSpace",
               {"Space": "a/b", "GradioServerRoot": gradio6_app.url + "/gradio_api"}).output[0]
    assert info["control"]["$hashtable"]["GradioSession"] == "Space:a/b"


def test_get_warns_when_the_app_does_not_answer(hub: HubStandIn) -> None:
    hub.add_space("a/down", host="http://127.0.0.1:9")
    hub.add_space("a/static", host="http://127.0.0.1:9", sdk="static")
    ctx = CmdletContext(name="Get-HuggingFaceSpace", state=STATE)
    out = run("Get-HuggingFaceSpace", {"Space": ["a/down", "a/static"]}, ctx).output
    assert [o["id"] for o in out] == ["a/down", "a/static"]
    warnings = messages(ctx, "warning")
    assert len(warnings) == 1 and "Connect-HuggingFaceSpaceGradio" in warnings[0]


def test_get_gives_a_space_object_back_without_the_hub(hub: HubStandIn) -> None:
    given = {"$type": "HuggingFaceSpace", "id": "a/b", "host": "http://x",
             "control": {"GradioSession": "Space:a/b"}}
    out = run("Get-HuggingFaceSpace", {"Space": given}).output[0]
    assert out["id"] == "a/b" and out["control"]["$hashtable"]["GradioSession"] == "Space:a/b"
    assert hub.requests == []


def test_get_author_and_my(hub: HubStandIn) -> None:
    hub.add_space("powershai/one", host="http://x")
    hub.add_space("powershai/hidden", host="http://x", token=TOKEN)
    hub.add_space("other/two", host="http://x")
    listed = run("Get-HuggingFaceSpace", {"author": "powershai"}).output
    assert [o["$plain"]["id"] for o in listed] == ["powershai/one"]
    assert hub.requests[-1].query == "author=powershai"
    mine = run("Get-HuggingFaceSpace", {"My": True, "Token": TOKEN}).output
    assert sorted(o["$plain"]["id"] for o in mine) == ["powershai/hidden", "powershai/one"]
    assert [r.path for r in hub.requests[-2:]] == ["/api/whoami-v2", "/api/spaces"]
    assert all(r.authorization == f"Bearer {TOKEN}" for r in hub.requests[-2:])
    with pytest.raises(err.InvalidToken):
        run("Get-HuggingFaceSpace", {"My": True})


# -- Connect-HuggingFaceSpaceGradio given a Space object ---------------------------------------


def test_connect_given_a_space_object_asks_no_hub(hub: HubStandIn,
                                                  gradio6_app: RunningApp) -> None:
    hub.add_space("powershai/tests-gradio", host=gradio6_app.url)
    info = run("Get-HuggingFaceSpace",
               {"Space": "powershai/tests-gradio", "NoGradioSession": True}).output[0]
    before = len(hub.requests)
    session = run("Connect-HuggingFaceSpaceGradio", {"space": info}).output[0]
    assert session["name"] == "Space:powershai/tests-gradio"
    assert len(hub.requests) == before
    # the object's host is what counts, whatever the Hub would say now
    moved = {**info, "id": "powershai/moved", "host": "http://127.0.0.1:9"}
    forced = run("Connect-HuggingFaceSpaceGradio",
                 {"space": moved, "Force": True, "ServerRoot": gradio6_app.url})
    assert forced.output[0]["name"] == "Space:powershai/moved"
    assert len(hub.requests) == before


def test_connect_object_of_another_sdk(hub: HubStandIn) -> None:
    with pytest.raises(err.SpaceNotGradio):
        run("Connect-HuggingFaceSpaceGradio",
            {"space": {"$type": "HuggingFaceSpace", "id": "a/s", "sdk": "docker",
                       "host": "http://127.0.0.1:9"}})


# -- whoami and the stored token --------------------------------------------------------------


def test_whoami(hub: HubStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    me = run("Get-HuggingFaceWhoami", {"token": TOKEN}).output[0]["$plain"]
    assert me["name"] == "powershai" and me["type"] == "user"
    with pytest.raises(err.InvalidToken) as e:
        run("Get-HuggingFaceWhoami", {"token": "hf_wrong"})
    assert e.value.error_id == "INVALID_TOKEN" and "hf_wrong" not in str(e.value)
    with pytest.raises(err.InvalidToken):
        run("Get-HuggingFaceWhoami", {})
    monkeypatch.setenv("HF_API_TOKEN", TOKEN)
    assert ps.whoami()["name"] == "powershai"
    assert run("Get-HuggingFaceWhoami", {"token": {"$secret": TOKEN}}).output[0]


def test_set_token_checks_then_stores(hub: HubStandIn, gradio6_app: RunningApp) -> None:
    hub.add_space("powershai/private", host=gradio6_app.url, token=TOKEN)
    with pytest.raises(err.InvalidToken):
        run("Set-HuggingFaceToken", {"Token": {"$secret": "hf_wrong"}})
    assert default_token() is None
    assert run("Set-HuggingFaceToken", {"Token": {"$secret": TOKEN}}).output == []
    assert default_token() == TOKEN
    # later calls carry it
    info = run("Get-HuggingFaceSpace", {"Space": "powershai/private",
                                        "NoGradioSession": True}).output[0]
    assert info["private"] is True
    assert hub.requests[-1].authorization == f"Bearer {TOKEN}"
    with pytest.raises(err.InvalidArgument):
        run("Set-HuggingFaceToken", {})


# -- Start and Wait ----------------------------------------------------------------------------


def test_start_touches_the_host(hub: HubStandIn) -> None:
    hub.add_space("a/sleepy", host=hub.url + "/hosts/sleepy", stages=["SLEEPING"])
    ctx = CmdletContext(name="Start-HuggingFaceSpace", state=STATE)
    assert run("Start-HuggingFaceSpace", {"space": "a/sleepy", "Token": TOKEN}, ctx).output == []
    assert [(r.method, r.path) for r in hub.requests] == [
        ("GET", "/api/spaces/a/sleepy"), ("HEAD", "/hosts/sleepy")]
    assert hub.requests[-1].authorization == f"Bearer {TOKEN}"
    assert messages(ctx, "warning") == []
    # a Space object: no Hub call; a host that refuses: a warning, no error
    ctx = CmdletContext(name="Start-HuggingFaceSpace", state=STATE)
    run("Start-HuggingFaceSpace",
        {"space": {"$type": "HuggingFaceSpace", "id": "a/x", "host": "http://127.0.0.1:9"}}, ctx)
    assert len(hub.requests) == 2
    assert [w for w in messages(ctx, "warning") if w.startswith("Start failed")]


def test_wait_until_running(hub: HubStandIn) -> None:
    hub.add_space("a/sleepy", host=hub.url + "/hosts/sleepy",
                  stages=["SLEEPING", "BUILDING", "BUILDING", "RUNNING"])
    ctx = CmdletContext(name="Wait-HuggingFaceSpace", state=STATE)
    assert run("Wait-HuggingFaceSpace", {"Space": "a/sleepy", "SleepTime": 0}, ctx).output == [
        True]
    assert messages(ctx, "warning") == ["Stage changed to SLEEPING", "Stage changed to BUILDING",
                                        "Stage changed to RUNNING"]
    assert [r.method for r in hub.requests].count("HEAD") == 1


def test_wait_no_start_timeout_object_and_stuck(hub: HubStandIn) -> None:
    hub.add_space("a/slow", host=hub.url + "/hosts/slow", stages=["BUILDING"])
    ctx = CmdletContext(name="Wait-HuggingFaceSpace", state=STATE)
    out = run("Wait-HuggingFaceSpace", {"Space": "a/slow", "timeout": 0, "SleepTime": 0,
                                        "NoStart": True, "NoStatus": True}, ctx).output
    assert out == [False]
    assert "HEAD" not in [r.method for r in hub.requests]
    assert messages(ctx, "warning") == []
    before = len(hub.requests)
    running = {"$type": "HuggingFaceSpace", "id": "a/slow", "runtime": {"stage": "RUNNING"}}
    assert run("Wait-HuggingFaceSpace", {"Space": running}).output == [True]
    assert len(hub.requests) == before
    hub.add_space("a/paused", host=hub.url + "/hosts/paused", stages=["PAUSED"])
    assert ps.wait_space("a/paused", sleep=0) is False


# -- Convert-GradioParamPowershell ------------------------------------------------------------


@pytest.mark.parametrize(("param", "expected"), [
    ({"type": {"type": "string"}, "component": "Textbox"}, "System.String"),
    ({"type": {"type": "number"}, "python_type": {"type": "float"}}, "System.Decimal"),
    ({"type": {"type": "number"}, "python_type": {"type": "int"}}, "System.Int32"),
    ({"type": {"type": "boolean"}}, "System.String"),
    ({"type": {"title": "FileData", "type": "object"}}, "System.IO.FileInfo"),
    ({"type": {"title": "ListFiles", "type": "array"}}, "System.IO.FileInfo[]"),
    ({"type": {"type": "object"}, "component": "Image"}, "System.IO.FileInfo"),
    ({"type": {"type": "array", "items": {"type": "number"}}}, "System.Int32[]"),
    ({"type": {"type": "array"}}, "System.String[]"),
    (None, "System.String"),
])
def test_convert_param(param: dict[str, Any] | None, expected: str) -> None:
    assert ps.gradio_param_type(param) == expected
    out = run("Convert-GradioParamPowershell", {"Param": param}).output
    assert out == [{"$typename": expected}]


def test_python_api(hub: HubStandIn) -> None:
    hub.add_space("powershai/one", host=hub.url + "/hosts/one", stages=["SLEEPING", "RUNNING"])
    assert ps.get_space("powershai/one")["id"] == "powershai/one"
    assert [s["id"] for s in ps.list_spaces("powershai")] == ["powershai/one"]
    assert ps.start_space("powershai/one") == 200
    assert ps.wait_space("powershai/one", sleep=0, start=False) is True
    assert ps.set_token(TOKEN)["name"] == "powershai"
    assert [s["id"] for s in ps.list_spaces(my=True)] == ["powershai/one"]
