"""The worker as a real child process (the fake cmdlets of tests/workers/fake_cmdlets_worker.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from tests.waiting import BOUND

ROOT = Path(__file__).resolve().parents[1]
WORKERS = ROOT / "tests" / "workers"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(WORKERS), str(ROOT)])
    env["PYTHONUTF8"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _start(*prefix: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*prefix, sys.executable, "-u", "-m", "fake_cmdlets_worker", "worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )


class Child:
    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.next_id = 0

    @property
    def stdin(self) -> IO[bytes]:
        assert self.proc.stdin is not None
        return self.proc.stdin

    @property
    def stdout(self) -> IO[bytes]:
        assert self.proc.stdout is not None
        return self.proc.stdout

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.stdin.write(json.dumps(msg).encode() + b"\n")
        self.stdin.flush()
        line = self.stdout.readline()
        reply: dict[str, Any] = json.loads(line)
        assert reply["id"] == self.next_id
        return reply


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Kill the worker if it still runs and close its pipes."""
    if proc.poll() is None:
        proc.kill()
    proc.wait(5)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


@pytest.fixture
def child() -> Iterator[Child]:
    proc = _start()
    yield Child(proc)
    _reap(proc)


def test_initialize_handshake(child: Child) -> None:
    reply = child.call("initialize", {"protocolVersion": "1", "moduleVersion": "0.1.0"})
    assert reply["result"]["protocolVersion"] == "1"
    assert reply["result"]["pid"] == child.proc.pid


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signal")
def test_ctrl_c_in_the_terminal_does_not_kill_the_worker(child: Child) -> None:
    """Ctrl+C reaches the whole process group; stopping a call is PowerShell's job, not SIGINT's."""
    child.call("initialize", {"protocolVersion": "1", "moduleVersion": "0.1.0"})
    status = Path(f"/proc/{child.proc.pid}/status")
    if status.exists():
        # the state that makes it so: SIGINT (2) is in the ignored set, not merely handled
        lines = status.read_text().splitlines()
        ignored = next(line for line in lines if line.startswith("SigIgn:"))
        assert int(ignored.split()[1], 16) & (1 << (signal.SIGINT - 1))
    child.proc.send_signal(signal.SIGINT)
    # answered after the signal: the worker read, handled and replied to a request sent after it
    reply = child.call("initialize", {"protocolVersion": "1", "moduleVersion": "0.1.0"})
    assert reply["result"]["pid"] == child.proc.pid
    assert child.proc.poll() is None


def test_stdout_only_carries_protocol_lines(child: Child) -> None:
    reply = child.call("cmdlet", {"name": "Invoke-FakePrint", "args": {}})
    assert reply["result"]["output"] == [{"printed": True}]
    # Non-ASCII survives as UTF-8 in both directions.
    echo = child.call("cmdlet", {"name": "Invoke-FakeEcho", "args": {"t": "ção ✓"}})
    assert echo["result"]["output"][0]["args"] == {"t": "ção ✓"}
    child.stdin.close()
    assert child.proc.wait(5) == 0
    rest = child.stdout.read()
    assert rest == b""
    assert child.proc.stderr is not None
    err = child.proc.stderr.read()
    assert b"stray print" in err and b"raw fd 1 write" in err


def test_eof_exits_zero(child: Child) -> None:
    child.call("initialize", {})
    child.stdin.close()
    assert child.proc.wait(5) == 0


def test_shutdown_exits_zero(child: Child) -> None:
    assert child.call("shutdown", {})["result"] is None
    assert child.proc.wait(5) == 0


def test_stream_over_stdio(child: Child) -> None:
    start = child.call("cmdlet", {"name": "Get-FakeStream", "args": {"Count": 2, "Delay": 0}})
    token = start["result"]["stream"]
    items = []
    while True:
        result = child.call("stream/next", {"token": token})["result"]
        items.extend(result["items"])
        if result["done"]:
            break
    assert [item["index"] for item in items] == [0, 1]


@pytest.mark.skipif(sys.platform == "win32", reason="uses a POSIX shell as the short-lived parent")
def test_exits_when_parent_pid_is_gone() -> None:
    # The "parent" lives until its stdin is closed: the worker must notice it is gone and exit 0
    # by itself (its own stdin stays open).
    parent = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                              stdin=subprocess.PIPE)
    assert parent.stdin is not None
    proc = _start()
    worker = Child(proc)
    try:
        worker.call("initialize", {"protocolVersion": "1", "clientPid": parent.pid})
        # still serving while the parent lives
        assert worker.call("initialize", {})["result"]["pid"] == proc.pid
        parent.stdin.close()
        assert parent.wait(BOUND) == 0
        assert proc.wait(BOUND) == 0
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(5)
        _reap(proc)
