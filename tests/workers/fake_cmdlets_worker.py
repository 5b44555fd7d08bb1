"""A worker with fake cmdlets, for the subprocess and Pester tests.

Run as ``python -u -m fake_cmdlets_worker worker`` with ``tests/workers`` and the repository root on
``PYTHONPATH`` (the PowerShell runtime picks the module with ``POWERSHAI_PY_WORKER_MODULE``).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from powershai_py._errors import PowershaiPyError
from powershai_py.worker import CmdletContext, CmdletResult, main

STATE: dict[str, Any] = {"closed": 0, "live": {}, "gated": {}}
LOCK = threading.Lock()


def echo(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    return CmdletResult(output=[{"$type": "Echo", "args": args}])


def print_and_echo(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    print("stray print that must not reach the channel")
    sys.stdout.write("more stray text\n")
    os.write(1, b"raw fd 1 write\n")
    return CmdletResult(output=[{"printed": True}])


def count_stream(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    count = int(args.get("Count", 3))
    delay = float(args.get("Delay", 0.2))

    def gen() -> Iterator[Any]:
        for i in range(count):
            time.sleep(delay)
            ctx.verbose(f"item {i}")
            yield {"$type": "Item", "index": i, "at": time.time()}

    return CmdletResult(output=[], stream=gen())


def slow_stream(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    def gen() -> Iterator[Any]:
        i = 0
        try:
            while not ctx.cancelled.is_set():
                yield {"index": i}
                i += 1
                ctx.cancelled.wait(float(args.get("Delay", 0.5)))
        finally:
            with LOCK:
                STATE["closed"] += 1

    return CmdletResult(output=[], stream=gen())


GATE_TIMEOUT = 20.0  # a gate never released ends its stream with "timed out"
GATES: dict[str, threading.Event] = {}


def _gate(key: str) -> threading.Event:
    with LOCK:
        return GATES.setdefault(key, threading.Event())


def gated_stream(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    """Item 0 at once; item i (1 <= i < Count) only once gate "Name/i" is released.

    How the stream ended is kept in STATE["gated"][Name] (read with Get-FakeStats): "done",
    "closed after i" (closed while no next was asked for, item i the last one given),
    "cancelled at i" (closed while a next waited for gate i) or "timed out at i" (nobody
    released gate i).
    """
    name = str(args.get("Name", "g"))
    count = int(args.get("Count", 2))

    def gen() -> Iterator[Any]:
        outcome = "abandoned"
        given = -1
        try:
            given = 0
            yield {"$type": "Item", "index": 0, "state": "first"}
            for i in range(1, count):
                gate = _gate(f"{name}/{i}")
                deadline = time.monotonic() + GATE_TIMEOUT
                while not gate.is_set() and not ctx.cancelled.is_set():
                    if time.monotonic() > deadline:
                        outcome = f"timed out at {i}"
                        return
                    ctx.cancelled.wait(0.01)
                if ctx.cancelled.is_set():
                    outcome = f"cancelled at {i}"
                    return
                given = i
                yield {"$type": "Item", "index": i, "state": "released"}
            outcome = "done"
        except GeneratorExit:
            outcome = f"closed after {given}"
            raise
        finally:
            with LOCK:
                STATE["gated"][name] = outcome

    return CmdletResult(output=[], stream=gen())


def release(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    _gate(str(args.get("Name"))).set()
    return CmdletResult(output=[])


def stats(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    with LOCK:
        return CmdletResult(output=[{"closed": STATE["closed"], "pid": os.getpid(),
                                     "gated": {"$hashtable": dict(STATE["gated"])}}])


def messages(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    ctx.warning("fake warning")
    ctx.verbose("fake verbose")
    ctx.progress("Fake activity", "half way", percent=50)
    ctx.progress("Fake activity", "done", percent=100, completed=True)
    return CmdletResult(output=[{"done": True}])


def raise_error(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    ctx.warning("before the error")
    error_id = str(args.get("Id", "POWERSHAI_FAKE_ERROR"))
    raise PowershaiPyError(
        str(args.get("Text", "it failed")),
        error_id=error_id,
        category=str(args.get("Category", "InvalidArgument")),
    )


def crash(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    raise RuntimeError("boom")


def die(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    sys.stderr.write("fake worker is dying on purpose\n")
    sys.stderr.flush()
    time.sleep(float(args.get("Delay", 0.2)))
    os._exit(int(args.get("Code", 3)))


def _live(name: str) -> dict[str, Any]:
    obj = STATE["live"][name]
    return {
        "$type": "FakeLive",
        "$id": name,
        "$live": ["Calls"],
        "Name": name,
        "Counter": obj["counter"],
        "Stamp": {"$datetime": "2024-05-06T07:08:09+00:00"},
    }


def new_live(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    name = str(args.get("Name", "live1"))
    with LOCK:
        STATE["live"][name] = {"counter": 0, "calls": 0}
        return CmdletResult(output=[_live(name)])


def bump_live(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    target = args.get("Target")
    if not (isinstance(target, dict) and "$ref" in target):
        raise PowershaiPyError("Target must be a live object", error_id="POWERSHAI_FAKE_NOREF")
    name = target["$ref"]["$id"]
    with LOCK:
        STATE["live"][name]["counter"] += 1
        STATE["live"][name]["calls"] += 10
        out = _live(name)
        out["Extra"] = "added"
        return CmdletResult(output=[out])


def refresh_live(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    name = str(args.get("Name", "live1"))
    with LOCK:
        STATE["live"][name]["counter"] = 42
        obj = _live(name)
    ctx._queue({"level": "refresh", "object": obj})
    return CmdletResult(output=[{"map": {"$hashtable": {"k one": {"v": 1}, "k2": [{"x": 2}]}}}])


def get_property(ref: dict[str, Any], prop: str) -> Any:
    with LOCK:
        obj = STATE["live"].get(ref.get("$id"))
        if obj is None or prop != "Calls":
            raise PowershaiPyError(f"no {prop} on {ref}", error_id="POWERSHAI_FAKE_NOPROP")
        return obj["calls"]


def gradio_session(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    name = str(args.get("Name", "s1"))
    session = {
        "$type": "GradioSession",
        "$id": name,
        "Name": name,
        "IsDefault": bool(args.get("Default", False)),
        "info": {"named_endpoints": {"/predict": {}, "/my api": {}}},
    }
    STATE.setdefault("sessions", {})[name] = session
    return CmdletResult(output=[session])


def get_gradio_session(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    """What the completers ask: the real worker's rule for '.', over the fake sessions."""
    sessions: dict[str, dict[str, Any]] = STATE.get("sessions", {})
    wanted = args.get("Session", ".")
    if isinstance(wanted, dict) and isinstance(wanted.get("$ref"), dict):
        wanted = wanted["$ref"].get("$id")
    if wanted == ".":
        found = [s for s in sessions.values() if s["IsDefault"]] or (
            list(sessions.values()) if len(sessions) == 1 else [])
    else:
        found = [s for s in sessions.values() if s["Name"] == wanted]
    if not found:
        raise PowershaiPyError(f"no session {wanted}",
                               error_id="POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND")
    return CmdletResult(output=found[:1])


def remove_things(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    candidates = ["a", "b", "c"]
    if ctx.dry_run:
        return CmdletResult(output=[{"$type": "Thing", "$id": c} for c in candidates])
    return CmdletResult(output=[{"removed": ctx.approved or []}])


def callback(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    ctx.invoke("Script", {"x": 1})
    return CmdletResult(output=[{"scriptArg": args.get("Script")}])


def directives(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    name = str(args.get("Name", "Invoke-FakeProxy"))
    if args.get("Remove"):
        return CmdletResult(output=[{"$directive": "removeFunction", "name": name}])
    script = "param($X) 'proxy:' + $X"
    return CmdletResult(
        output=[{"$directive": "defineFunction", "name": name, "script": script}, {"ok": True}]
    )


CMDLETS = {
    "Invoke-FakeEcho": echo,
    "Invoke-FakePrint": print_and_echo,
    "Get-FakeStream": count_stream,
    "Get-FakeSlowStream": slow_stream,
    "Get-FakeStats": stats,
    "Get-FakeGatedStream": gated_stream,
    "Invoke-FakeRelease": release,
    "Invoke-FakeMessages": messages,
    "Invoke-FakeError": raise_error,
    "Invoke-FakeCrash": crash,
    "Stop-FakeWorker": die,
    "New-FakeLive": new_live,
    "Update-FakeLive": bump_live,
    "Invoke-FakeRefresh": refresh_live,
    "New-FakeGradioSession": gradio_session,
    "Get-GradioSession": get_gradio_session,
    "Remove-FakeThing": remove_things,
    "Invoke-FakeCallback": callback,
    "Invoke-FakeDirective": directives,
}


if __name__ == "__main__":
    if os.environ.get("FAKE_WORKER_PROTOCOL"):
        from powershai_py.worker import _server

        _server.PROTOCOL_VERSION = os.environ["FAKE_WORKER_PROTOCOL"]
    main(sys.argv[1:], cmdlets=CMDLETS, get_property=get_property)
