"""The in-process host (worker._inprocess): the worker's protocol with lines in and lines out.

The same request lines go to a real stdio worker (``python -m powershai_py worker``) and to an
``InProcessHost`` with the real handlers, against a real Gradio 6 server; the answers must be
the same wire values. No pwsh here: tests/pester covers the C# side.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from powershai_py.worker._inprocess import InProcessHost
from tests.gradio_servers import RunningApp

ROOT = Path(__file__).resolve().parents[1]
ANSWER_TIMEOUT = 60.0


class HostClient:
    """Drives an InProcessHost as the C# side does: the host's thread takes each request line
    through one callback (None: the channel is closed) and answers through the other."""

    def __init__(self) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.requests: queue.Queue[str | None] = queue.Queue()
        self.host = InProcessHost(self.lines.put, self.requests.get)
        self.next_id = 0

    def send(self, line: str) -> None:
        self.requests.put(line)

    def end_input(self) -> None:
        self.requests.put(None)

    def close(self) -> None:
        """What the C# side's Close does: end the input, then close the host."""
        self.end_input()
        self.host.close()

    def answer(self) -> dict[str, Any]:
        reply: dict[str, Any] = json.loads(self.lines.get(timeout=ANSWER_TIMEOUT))
        return reply

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        self.send(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                              "params": params}))
        reply = self.answer()
        assert reply["id"] == self.next_id
        return reply


class ChildClient:
    """The same conversation with a real worker process over its stdin/stdout."""

    def __init__(self) -> None:
        env = dict(os.environ, PYTHONUTF8="1", PYTHONIOENCODING="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "powershai_py", "worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        )
        self.next_id = 0

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode("utf-8") + b"\n")
        self.proc.stdin.flush()

    def answer(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        reply: dict[str, Any] = json.loads(self.proc.stdout.readline())
        return reply

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        self.send(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                              "params": params}))
        reply = self.answer()
        assert reply["id"] == self.next_id
        return reply

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


@pytest.fixture
def host() -> Iterator[HostClient]:
    client = HostClient()
    yield client
    client.close()


@pytest.fixture
def child() -> Iterator[ChildClient]:
    client = ChildClient()
    yield client
    if client.proc.poll() is None:
        client.close()


def _conversation(client: HostClient | ChildClient, url: str, name: str) -> dict[str, Any]:
    """A user's first minutes: a session, a streaming call read to its end, errors."""
    seen: dict[str, Any] = {}
    init = client.call("initialize", {"protocolVersion": "1", "clientPid": os.getpid()})
    seen["initialize"] = sorted(init["result"])
    new = client.call("cmdlet", {"name": "New-GradioSession",
                                 "args": {"AppUrl": url, "Name": name, "Force": True}})
    session = new["result"]["output"][0]
    seen["session keys"] = sorted(session)
    invoke = client.call("cmdlet", {"name": "Invoke-GradioSessionApi", "args": {
        "ApiName": "partials", "Params": [3, 0.01], "session": name}})
    call = invoke["result"]["output"][0]
    seen["call type"] = call.get("$type")
    update = client.call("cmdlet", {"name": "Update-GradioSessionApiResult",
                                    "args": {"Id": call, "session": name},
                                    "token": "inprocess-test-0001"})
    items = list(update["result"]["items"])
    token = update["result"]["stream"]
    while token is not None:
        more = client.call("stream/next", {"token": token})["result"]
        items.extend(more["items"])
        token = more["stream"]
    seen["items"] = [item.get("data") if isinstance(item, dict) else item for item in items]
    unknown = client.call("cmdlet", {"name": "Get-Nothing", "args": {}})
    seen["unknown cmdlet"] = unknown["error"]
    client.send("this is not json")
    seen["parse error"] = client.answer()
    return seen


@pytest.mark.gradio6
def test_same_answers_as_the_stdio_worker(host: HostClient, child: ChildClient,
                                           gradio6_app: RunningApp) -> None:
    inprocess = _conversation(host, gradio6_app.url, f"inproc-a-{os.getpid()}")
    stdio = _conversation(child, gradio6_app.url, f"inproc-b-{os.getpid()}")
    assert inprocess == stdio
    assert inprocess["items"], "the streaming call produced no results"
    assert inprocess["unknown cmdlet"]["data"]["errorId"] == "POWERSHAI_PY_UNKNOWN_CMDLET"
    assert inprocess["parse error"]["error"]["data"]["errorId"] == "POWERSHAI_PY_PARSE_ERROR"


def test_initialize_reports_this_process(host: HostClient) -> None:
    result = host.call("initialize", {"protocolVersion": "1", "clientPid": os.getpid()})["result"]
    assert result["pid"] == os.getpid()
    assert result["protocolVersion"] == "1"


@pytest.mark.gradio6
def test_a_stream_stopped_early_ends_and_the_host_keeps_serving(
        host: HostClient, gradio6_app: RunningApp) -> None:
    name = f"inproc-stop-{os.getpid()}"
    host.call("cmdlet", {"name": "New-GradioSession",
                         "args": {"AppUrl": gradio6_app.url, "Name": name, "Force": True}})
    call = host.call("cmdlet", {"name": "Invoke-GradioSessionApi", "args": {
        "ApiName": "partials", "Params": [50, 0.2], "session": name}})["result"]["output"][0]
    first = host.call("cmdlet", {"name": "Update-GradioSessionApiResult",
                                 "args": {"Id": call, "session": name},
                                 "token": "inprocess-stop-0001"})["result"]
    assert first["stream"] == "inprocess-stop-0001"
    host.send(json.dumps({"jsonrpc": "2.0", "method": "stream/close",
                          "params": {"token": first["stream"]}}))
    # The close is a notification: a next() already running may still deliver an item, then the
    # stream ends (done, or gone: an unknown token). It must end long before its 50 partials.
    delivered = 0
    while True:
        after = host.call("stream/next", {"token": first["stream"]})
        if "error" in after or after["result"]["done"] is True:
            break
        delivered += 1
        assert delivered < 3, "stream/close did not stop the stream"
    listed = host.call("cmdlet", {"name": "Get-GradioSession", "args": {}})["result"]["output"]
    assert name in [session["name"] for session in listed]


def test_shutdown_closes_the_host_not_the_process(host: HostClient) -> None:
    reply = host.call("shutdown", {})
    assert reply["result"] is None
    assert host.host.closed
    host.send(json.dumps({"jsonrpc": "2.0", "id": 99, "method": "initialize", "params": {}}))
    with pytest.raises(queue.Empty):
        host.lines.get(timeout=0.5)


def test_end_of_input_ends_the_hosts_reader(host: HostClient) -> None:
    # The C# side closing the channel is the in-process worker's end of stdin.
    assert host.call("initialize", {})["result"]["pid"] == os.getpid()
    host.end_input()
    host.host.reader.join(10)
    assert not host.host.reader.is_alive()


def test_python_output_goes_to_the_log_not_stdout(tmp_path: Path) -> None:
    # configure_process rebinds sys.stdout for the whole interpreter: run it in a child.
    log = tmp_path / "inprocess.log"
    script = textwrap.dedent(f"""
        import logging, sys
        from powershai_py.worker._inprocess import configure_process
        configure_process({str(log)!r}, "INFO")
        print("printed by a handler")
        print("to stderr", file=sys.stderr)
        logging.getLogger("powershai_py.worker").info("a log line")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    assert done.stderr == b""
    text = log.read_text(encoding="utf-8")
    assert "printed by a handler" in text
    assert "to stderr" in text
    assert "a log line" in text


def test_probe_finds_what_hosting_this_python_needs() -> None:
    from powershai_py.worker._inprocess import probe

    found = probe()
    assert found["errorId"] is None, found["reason"]
    assert os.path.isfile(found["pythonDll"])
    assert os.path.basename(found["runtimeDll"]) == "Python.Runtime.dll"
    # the dependencies live in site-packages (powershai_py itself may be an editable install)
    assert any(Path(d, "httpx", "__init__.py").exists() for d in found["siteDirs"])


def test_probe_names_a_python_without_a_shared_library(monkeypatch: pytest.MonkeyPatch) -> None:
    # A fault no interpreter on this machine has: a static build (Py_ENABLE_SHARED = 0).
    import sysconfig

    from powershai_py.worker import _inprocess

    real = sysconfig.get_config_var
    monkeypatch.setattr(_inprocess.sysconfig, "get_config_var",
                        lambda key: 0 if key == "Py_ENABLE_SHARED" else real(key))
    monkeypatch.setattr(_inprocess.sys, "platform", "linux")
    found = _inprocess.probe()
    assert found["errorId"] == "POWERSHAI_PY_NO_SHARED_LIBPYTHON"
    assert "built without a shared library" in found["reason"]
    assert found["pythonDll"] is None


@pytest.mark.gradio6
def test_two_hosts_keep_their_own_sessions(gradio6_app: RunningApp) -> None:
    # One host per runspace in one interpreter: like two worker processes, nothing shared.
    first, second = HostClient(), HostClient()
    try:
        name = f"inproc-own-{os.getpid()}"
        first.call("cmdlet", {"name": "New-GradioSession",
                              "args": {"AppUrl": gradio6_app.url, "Name": name, "Force": True}})
        theirs = second.call("cmdlet", {"name": "Get-GradioSession", "args": {}})
        assert name not in [s["name"] for s in theirs["result"]["output"]]
        mine = first.call("cmdlet", {"name": "Get-GradioSession", "args": {}})
        assert name in [s["name"] for s in mine["result"]["output"]]
    finally:
        first.close()
        second.close()
