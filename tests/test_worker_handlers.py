"""Worker handlers against a real Gradio 6 app, through the server's own methods: result shapes
per PowerShell host, relative paths, app errors and cancels."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from powershai_py.worker import MemoryTransport, Server
from tests.gradio_servers import RunningApp


class Worker:
    """A Server driven the way the module drives it (initialize, cmdlet, stream/next)."""

    def __init__(self, host: dict[str, Any] | None = None) -> None:
        self.server = Server(MemoryTransport(), exit_process=lambda code: None)
        self.server.initialize({"protocolVersion": "1", **(host or {})})
        self.messages: list[dict[str, Any]] = []

    def run(self, name: str, cwd: str | None = None, **args: Any) -> list[Any]:
        params: dict[str, Any] = {"name": name, "args": args}
        if cwd is not None:
            params["cwd"] = cwd
        reply = self.server.cmdlet(params)
        out = [*reply["output"], *reply["items"]]
        self.messages += reply["messages"]
        while not reply["done"]:
            reply = self.server.stream_next({"token": reply["stream"]})
            out += reply["items"]
            self.messages += reply["messages"]
        return out

    def warnings(self) -> list[str]:
        return [m["text"] for m in self.messages if m["level"] == "warning"]

    def refreshed(self, type_name: str) -> dict[str, Any]:
        """The last state PowerShell was given of the one live object of that type."""
        merged: dict[str, Any] = {}
        for m in self.messages:
            obj = m.get("object") if m["level"] == "refresh" else None
            if isinstance(obj, dict) and obj.get("$type") == type_name:
                merged.update(obj)
        return merged


@pytest.fixture()
def pwsh7(gradio6_app: RunningApp) -> Iterator[Worker]:
    worker = Worker({"psEdition": "Core", "psVersion": "7.6.9"})
    worker.run("New-GradioSession", AppUrl=gradio6_app.url, Name="w7")
    yield worker


@pytest.fixture()
def pwsh51(gradio6_app: RunningApp) -> Iterator[Worker]:
    worker = Worker({"psEdition": "Desktop", "psVersion": "5.1.19041.4648"})
    worker.run("New-GradioSession", AppUrl=gradio6_app.url, Name="w51")
    yield worker


def _last(worker: Worker, api: str, params: Any, **update: Any) -> tuple[dict[str, Any], Any]:
    call = worker.run("Invoke-GradioSessionApi", ApiName=api, Params=params)[0]
    results = worker.run("Update-GradioSessionApiResult", Id=call, **update)
    return call, results


# -- 10.2: data shapes ---------------------------------------------------------------------------


def test_pwsh7_unrolls_one_output_and_keeps_several(pwsh7: Worker) -> None:
    _, results = _last(pwsh7, "echo", ["x"])
    assert results[-1]["data"] == "echo: x"
    _, results = _last(pwsh7, "file_echo", [None])
    assert results[-1]["data"] == [None, "none:0"]


def test_windows_powershell_keeps_the_one_element_array(pwsh51: Worker) -> None:
    _, results = _last(pwsh51, "echo", ["x"])
    assert results[-1]["data"] == ["echo: x"]


@pytest.mark.parametrize("host", ["Core", "Desktop"])
def test_history_data_is_flat_on_both_hosts(gradio6_app: RunningApp, host: str) -> None:
    worker = Worker({"psEdition": host})
    worker.run("New-GradioSession", AppUrl=gradio6_app.url, Name=f"hist-{host}")
    call, results = _last(worker, "Op2", [3, 10], History=True)
    assert [r["event"] for r in results] == ["generating"] * 5 + ["complete"]
    event = worker.refreshed("GradioApiEvent")
    assert event["data"] == ["--start--", "1", "2", "3", "--end--", "--end--"]
    assert len(event["events"]) == 6
    assert worker.refreshed("SessionApiEvent")["Received"] is True


def test_counters_are_marked_int32_when_the_module_decodes_the_marker(
        gradio6_app: RunningApp) -> None:
    worker = Worker({"psEdition": "Core", "wireMarkers": ["$int"]})
    session = worker.run("New-GradioSession", AppUrl=gradio6_app.url, Name="ints")[0]
    assert session["version"] == {"$int": 1}
    _, results = _last(worker, "echo", ["n"])
    assert results[0]["num"] == {"$int": 1}
    plain = Worker()
    assert plain.run("New-GradioSession", AppUrl=gradio6_app.url, Name="ints2")[0]["version"] == 1


def test_call_objects_keep_powershai_keys_without_the_token(pwsh7: Worker) -> None:
    call = pwsh7.run("Invoke-GradioSessionApi", ApiName="echo", Params=["q"],
                     Token="hf_never_shown_1234")[0]
    assert call["Received"] is False and call["LastReceivedIndex"] is None
    req = call["ApiEvent"]["req"]
    assert sorted(req) == ["data", "method", "token", "url"] and req["token"] is None
    assert req["data"]["data"] == ["q"]
    assert sorted(call["ApiEvent"]["update"]) == ["http", "url"]
    assert "hf_never_shown_1234" not in repr(call)
    pwsh7.run("Update-GradioSessionApiResult", Id=call)


def test_session_info_carries_real_app_url(pwsh7: Worker) -> None:
    session = pwsh7.run("Get-GradioSession", Session="w7")[0]
    assert session["info"]["$plain"]["RealAppUrl"] == session["AppUrl"]


# -- 11.5: relative paths ----------------------------------------------------------------------


def test_relative_paths_resolve_against_the_module_cwd(pwsh7: Worker, tmp_path: Path) -> None:
    (tmp_path / "rel.txt").write_text("relative", encoding="utf-8")
    sent = pwsh7.run("Send-GradioSessionFiles", cwd=str(tmp_path), files=["rel.txt"])
    assert sent[0]["orig_name"] == "rel.txt"
    call = pwsh7.run("Invoke-GradioSessionApi", cwd=str(tmp_path), ApiName="file_echo",
                     Params=["rel.txt"])[0]
    results = pwsh7.run("Update-GradioSessionApiResult", Id=call)
    assert results[-1]["data"][1] == "rel.txt:8"
    session = pwsh7.run("New-GradioSession", cwd=str(tmp_path), AppUrl=session_url(pwsh7),
                        Name="dl", DownloadPath="downloads")[0]
    assert session["DownloadPath"] == str(tmp_path / "downloads")


def session_url(worker: Worker) -> str:
    return str(worker.run("Get-GradioSession", Session="w7")[0]["AppUrl"])
