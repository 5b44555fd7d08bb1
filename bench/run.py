"""powershai-py benchmark: one run against a local Gradio 6 app, written to bench/RESULTS.md and
bench/results.png.

    .venv/bin/python bench/run.py            # full run (a few minutes)
    .venv/bin/python bench/run.py --quick    # fewer iterations -> RESULTS-quick.md, .png

Sections: per-call round trip (floor, gradio_client, Python API, PowerShell), PowerShell cold
start, streaming delay, fan-out throughput, worker memory over a long stream. Benchmarks are not
tests: nothing here asserts; targets are reported as met / missed.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import floor  # noqa: E402
import httpx  # noqa: E402

from powershai_py import GradioSession  # noqa: E402
from tests.gradio_servers import start_app, venv_python  # noqa: E402

PSD1 = ROOT / "PowerShellModule" / "PowershaiPy" / "PowershaiPy.psd1"
PS_BENCH = ROOT / "bench" / "ps_bench.ps1"
PWSH = Path(os.environ.get("POWERSHAI_PY_PWSH", ROOT / ".tools" / "pwsh" / "pwsh"))
PYTHON = Path(os.environ.get("POWERSHAI_PY_PYTHON", ROOT / ".venv" / "bin" / "python"))


# -- plumbing ------------------------------------------------------------------------------------


def log(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Row:
    """One measured series (or the reason it was not measured)."""

    name: str
    values: list[float] = field(default_factory=list)
    unit: str = "s"
    skipped: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.skipped is None and bool(self.values)

    @property
    def median(self) -> float:
        return med(self.values)

    @property
    def p95(self) -> float:
        return pct(self.values, 0.95)


def guarded(name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one measurement; a failure becomes a skipped Row instead of ending the run."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - report and carry on
        log(f"{name} failed: {exc}")
        traceback.print_exc(file=sys.stderr)
        return Row(name, skipped=f"not measured: {type(exc).__name__}: {str(exc)[:200]}")


def ps_env() -> dict[str, str]:
    env = dict(os.environ)
    env["POWERSHAI_PY_PYTHON"] = str(PYTHON)
    env.setdefault("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
    env["POWERSHELL_TELEMETRY_OPTOUT"] = "1"
    env["POWERSHELL_UPDATECHECK"] = "Off"
    return env


def ps_unusable() -> str | None:
    """None when the PowerShell module can be benchmarked, else the reason."""
    if not PWSH.exists():
        return f"pwsh not found at {PWSH} (run scripts/bootstrap.sh)"
    if not PSD1.exists():
        return f"module manifest {PSD1.relative_to(ROOT)} does not exist yet"
    return None


def run_ps_bench(url: str, mode: str, timeout: float, **params: Any) -> dict[str, Any]:
    args = [str(PWSH), "-NoProfile", "-NonInteractive", "-File", str(PS_BENCH),
            "-Psd1", str(PSD1), "-Url", url, "-Mode", mode]
    for key, value in params.items():
        args += [f"-{key}", str(value)]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=ps_env(),
                          cwd=str(ROOT))
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH-JSON: "):
            return dict(json.loads(line[len("BENCH-JSON: "):]))
    tail = (proc.stderr.strip() or proc.stdout.strip())[-600:]
    raise RuntimeError(f"ps_bench {mode} exited {proc.returncode} without a result: {tail}")


# -- 1. per-call round trip ----------------------------------------------------------------------


def bench_calls(url: str, root: str, n: int, warmup: int, block: int,
                middle: Callable[[], Row] | None = None) -> tuple[dict[str, Row], Row | None]:
    """Floor, gradio_client and our Python API, interleaved in blocks so drift hits all alike.

    ``middle`` (the PowerShell run, a process of its own) runs when half the blocks are done, so
    the server's slow drift over the run weighs the same on both sides of it.
    """
    from gradio_client import Client

    http = floor.new_client()
    with contextlib.redirect_stdout(io.StringIO()):
        gc = Client(url, verbose=False, download_files=False, analytics_enabled=False)
    session = GradioSession(url).connect()
    session.options.MaxCalls = 1000
    session.options.MaxCallsPolicy = "remove"

    # The floor is the issue's: raw /call + SSE as Gradio documents it (no session_hash). Two
    # more raw variants show what else a hand-written client could do: /call reusing one
    # session_hash (Gradio 6 serves that ~2 ms faster, but concurrent calls sharing a hash read
    # each other's messages) and the queue protocol, which powershai_py speaks by default.
    first = session.invoke("bench_noop", ["x0"]).results()
    one_hash = uuid.uuid4().hex
    queue_hash = uuid.uuid4().hex
    queue_fn = floor.fn_index(url, "bench_noop")

    def f_floor(i: int) -> Any:
        return floor.call(http, root, "bench_noop", [f"x{i}"])

    def f_floor_hash(i: int) -> Any:
        return floor.call(http, root, "bench_noop", [f"x{i}"], session_hash=one_hash)

    def f_floor_queue(i: int) -> Any:
        return floor.queue_call(http, root, queue_fn, [f"x{i}"], queue_hash)

    def f_gc(i: int) -> Any:
        with contextlib.redirect_stdout(io.StringIO()):
            return gc.predict(f"x{i}", api_name="/bench_noop")

    def f_py(i: int) -> Any:
        return session.invoke("bench_noop", [f"x{i}"]).results()

    funcs = {"floor: raw httpx + httpx-sse /call, no session_hash (as documented)": f_floor,
             "raw variant: /call reusing one session_hash": f_floor_hash,
             "raw variant: queue protocol (/queue/join + /queue/data)": f_floor_queue,
             "gradio_client predict": f_gc,
             "powershai_py Python API": f_py}
    rows = {name: Row(name) for name in funcs}
    # sanity: every client returns the value sent
    assert f_floor(0) == ["x0"], f_floor(0)
    assert f_floor_hash(0) == ["x0"]
    assert f_floor_queue(0) == ["x0"]
    assert f_gc(0) == "x0"
    assert first[-1].data == ["x0"], first[-1]
    for fn in funcs.values():
        for i in range(warmup):
            fn(i)
    done = 0
    middle_row: Row | None = None
    while done < n:
        if middle is not None and middle_row is None and done >= n // 2:
            middle_row = middle()
        size = min(block, n - done)
        for name, fn in funcs.items():
            for i in range(size):
                t0 = time.perf_counter()
                fn(done + i)
                rows[name].values.append(time.perf_counter() - t0)
        done += size
    if hasattr(gc, "close"):
        gc.close()
    session.close()
    http.close()
    return rows, middle_row


def profile_python_api(url: str, n: int) -> str:
    session = GradioSession(url).connect()
    session.options.MaxCalls = 1000
    session.options.MaxCallsPolicy = "remove"
    for i in range(10):
        session.invoke("bench_noop", [f"x{i}"]).results()
    prof = cProfile.Profile()
    prof.enable()
    for i in range(n):
        session.invoke("bench_noop", [f"x{i}"]).results()
    prof.disable()
    session.close()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
    return out.getvalue()


def bench_ps_calls(url: str, n: int, warmup: int) -> Row:
    reason = ps_unusable()
    if reason:
        return Row("PowerShell module (warm worker)", skipped=f"not measured: {reason}")
    data = run_ps_bench(url, "calls", timeout=60 + n * 2.0, N=n, Warmup=warmup)
    events = data.get("last") or []
    if "complete" not in events:
        raise RuntimeError(f"the PowerShell pipeline did not return a 'complete' result: {events}")
    return Row("PowerShell module (warm worker)", [float(t) for t in data["times"]])


# -- 2. cold start -------------------------------------------------------------------------------


def bench_cold(url: str, runs: int) -> tuple[Row, Row]:
    base = Row("pwsh -NoProfile -Command exit")
    cold = Row("pwsh: Import-Module + New-GradioSession + 1 call")
    reason = ps_unusable()
    if reason:
        cold.skipped = f"not measured: {reason}"
    script = (f"Import-Module '{PSD1}'; New-GradioSession '{url}' | Out-Null; "
              "Invoke-GradioSessionApi bench_noop @('x') | Update-GradioSessionApiResult "
              "| Out-Null")
    env = ps_env()
    for i in range(runs + 1):  # run 0 of each warms the OS file cache and is dropped
        t0 = time.perf_counter()
        subprocess.run([str(PWSH), "-NoProfile", "-Command", "exit"], env=env, check=True,
                       capture_output=True)
        if i:
            base.values.append(time.perf_counter() - t0)
        if cold.skipped:
            continue
        t0 = time.perf_counter()
        proc = subprocess.run([str(PWSH), "-NoProfile", "-Command", script], env=env,
                              capture_output=True, text=True)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0 or proc.stderr.strip():
            cold.skipped = f"not measured: exit {proc.returncode}: {proc.stderr.strip()[-300:]}"
            cold.values.clear()
            continue
        if i:
            cold.values.append(elapsed)
    return base, cold


# -- 3. streaming delay --------------------------------------------------------------------------


def bench_stream(url: str, root: str, count: int, delay: float, repeat: int) -> dict[str, Row]:
    rows = {"floor": Row("floor (httpx-sse)"), "py": Row("powershai_py Python API")}
    http = floor.new_client()
    session = GradioSession(url).connect()
    session.invoke("bench_noop", ["x"]).results()
    for _ in range(repeat):
        rows["floor"].values += floor.stream_delays(http, root, count, delay)
        for result in session.invoke("stamped", [count, delay]).update():
            if result.event == "generating":
                now = time.time()
                rows["py"].values.append(now - float(result.data[0]["t"]))
    session.close()
    http.close()
    rows["ps"] = guarded("ps stream", bench_ps_stream, url, count, delay, repeat)
    rows["ps"].name = "PowerShell pipeline (ForEach-Object)"
    return rows


def bench_ps_stream(url: str, count: int, delay: float, repeat: int) -> Row:
    reason = ps_unusable()
    if reason:
        return Row("", skipped=f"not measured: {reason}")
    data = run_ps_bench(url, "stream", timeout=120 + repeat * count * delay * 2,
                        Count=count, Delay=delay, Repeat=repeat)
    delays = [float(d) for d in data.get("delays") or []]
    if len(delays) < count * repeat * 0.9:
        raise RuntimeError(f"PowerShell saw {len(delays)} of {count * repeat} generating results")
    return Row("", delays)


# -- 4. fan-out ----------------------------------------------------------------------------------


def bench_fanout(url: str, root: str, calls: int, rounds: int) -> dict[str, Row]:
    """Throughput (calls/s) of ``calls`` concurrent round trips; one value per round."""
    rows = {"floor": Row("floor (threads, shared httpx client)", unit="calls/s"),
            "py": Row("powershai_py Python API (ThreadPoolExecutor)", unit="calls/s")}
    http = floor.new_client()
    session = GradioSession(url).connect()
    session.options.MaxCalls = 10_000
    session.options.MaxCallsPolicy = "remove"

    def f_floor(i: int) -> bool:
        return bool(floor.call(http, root, "bench_noop", [f"x{i}"]) == [f"x{i}"])

    def f_py(i: int) -> bool:
        # A call is good only when its own value comes back: calls that share a session_hash
        # share Gradio 6's per-session message queue, so a mix-up would show here.
        try:
            results = session.invoke("bench_noop", [f"x{i}"]).results()
        except Exception:  # noqa: BLE001 - counted, not fatal
            return False
        last = results[-1]
        return last.event == "complete" and last.data == [f"x{i}"]

    def run_rounds(pool: cf.ThreadPoolExecutor, clients: tuple[tuple[str, Any], ...],
                   count: int) -> None:
        for _ in range(count):
            for key, fn in clients:
                t0 = time.perf_counter()
                good = sum(pool.map(fn, range(calls)))
                elapsed = time.perf_counter() - t0
                rows[key].values.append(calls / elapsed)
                rows[key].extra["bad"] = rows[key].extra.get("bad", 0) + calls - good
                rows[key].extra["total"] = rows[key].extra.get("total", 0) + calls

    with cf.ThreadPoolExecutor(calls) as pool:
        for fn in (f_floor, f_py):  # a warm-up round: connections and threads
            sum(pool.map(fn, range(calls)))
        run_rounds(pool, (("floor", f_floor), ("py", f_py)), rounds)
        rows["ps"] = guarded("ps fanout", bench_ps_fanout, url, calls, rounds)
        # The floor again after PowerShell's rounds: both sides of it see the server as it was.
        run_rounds(pool, (("floor", f_floor),), rounds)
    session.close()
    http.close()
    rows["ps"].name = "PowerShell (Invoke all, then Update all)"
    rows["ps"].unit = "calls/s"
    return rows


def bench_ps_fanout(url: str, calls: int, rounds: int) -> Row:
    reason = ps_unusable()
    if reason:
        return Row("", skipped=f"not measured: {reason}")
    data = run_ps_bench(url, "fanout", timeout=120 + rounds * calls * 1.0,
                        Calls=calls, Rounds=rounds)
    row = Row("", [calls / float(t) for t in data["round_times"]])
    row.extra["bad"] = int(data.get("bad", 0))
    row.extra["total"] = calls * len(row.values)
    return row


# -- 5. worker memory ----------------------------------------------------------------------------


class Worker:
    """The worker as the PowerShell module runs it, driven over JSON-RPC from here."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        self.proc = subprocess.Popen([str(PYTHON), "-m", "powershai_py", "worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, cwd=str(ROOT))
        self._next = 0
        self._lock = threading.Lock()
        self.request("initialize", {"protocolVersion": "1", "moduleVersion": "bench",
                                    "clientPid": os.getpid()})

    def request(self, method: str, params: dict[str, Any]) -> Any:
        with self._lock:
            self._next += 1
            ident = self._next
            line = json.dumps({"jsonrpc": "2.0", "id": ident, "method": method,
                               "params": params}) + "\n"
            assert self.proc.stdin is not None and self.proc.stdout is not None
            self.proc.stdin.write(line.encode())
            self.proc.stdin.flush()
            while True:
                raw = self.proc.stdout.readline()
                if not raw:
                    raise RuntimeError("the worker closed its stdout")
                message = json.loads(raw)
                if message.get("id") == ident:
                    break
        if "error" in message:
            raise RuntimeError(f"{method}: {message['error'].get('message')}")
        return message.get("result")

    def notify(self, method: str, params: dict[str, Any]) -> None:
        with self._lock:
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps({"jsonrpc": "2.0", "method": method,
                                               "params": params}) + "\n").encode())
            self.proc.stdin.flush()

    def cmdlet(self, name: str, args: dict[str, Any]) -> Any:
        return self.request("cmdlet", {"name": name, "args": args})

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.request("shutdown", {})
        with contextlib.suppress(Exception):
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def bench_memory(url: str, messages: int, every: int, history: bool,
                 budget: float | None = None) -> Row:
    """RSS of the worker across a ``flood`` stream; stream/close after ``budget`` seconds."""
    import psutil

    name = "worker RSS, flood " + ("with -History" if history else "without -History")
    row = Row(name, unit="MB")
    worker = Worker()
    try:
        proc = psutil.Process(worker.proc.pid)
        session = worker.cmdlet("New-GradioSession", {"AppUrl": url})["output"][0]
        ref = {"$ref": {"$type": session["$type"], "$id": session["$id"]}}
        call = worker.cmdlet("Invoke-GradioSessionApi", {
            "ApiName": "flood", "Params": [messages], "session": ref})["output"][0]
        call_ref = {"$ref": {"$type": call["$type"], "$id": call["$id"]}}
        args: dict[str, Any] = {"Id": call_ref}
        if history:
            args["History"] = True
        started = worker.cmdlet("Update-GradioSessionApiResult", args)
        token = started["stream"]
        row.values.append(proc.memory_info().rss / 2**20)
        row.extra["at"] = [0]
        received = len(started.get("output") or [])
        t0 = time.perf_counter()
        while True:
            step = worker.request("stream/next", {"token": token})
            got = len(step.get("items") or []) + len(step.get("output") or [])
            before = received
            received += got
            if received // every != before // every:
                row.values.append(proc.memory_info().rss / 2**20)
                row.extra["at"].append(received)
            if step.get("done"):
                break
            if budget is not None and time.perf_counter() - t0 > budget:
                worker.notify("stream/close", {"token": token})
                row.extra["stopped"] = f"stopped after {budget:.0f} s"
                break
        row.extra["seconds"] = time.perf_counter() - t0
        row.extra["received"] = received
        if received // every == (received - 1) // every:  # the end sample
            row.values.append(proc.memory_info().rss / 2**20)
            row.extra["at"].append(received)
    finally:
        worker.close()
    if row.extra["received"] < messages and "stopped" not in row.extra:
        raise RuntimeError(f"only {row.extra['received']} of {messages} messages arrived")
    return row


# -- environment, report, chart ------------------------------------------------------------------


def environment(app_version: str) -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    pwsh = "not found"
    if PWSH.exists():
        with contextlib.suppress(Exception):
            pwsh = subprocess.run([str(PWSH), "-NoProfile", "-Command",
                                   "$PSVersionTable.PSVersion.ToString()"], capture_output=True,
                                  text=True, timeout=60).stdout.strip()
    import gradio_client

    import powershai_py

    gradio = subprocess.run(
        [str(venv_python("6")), "-c", "import gradio; print(gradio.__version__)"],
        capture_output=True, text=True).stdout.strip() or app_version
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": f"{cpu} ({os.cpu_count()} logical cores)",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Gradio (server)": gradio,
        "gradio_client": gradio_client.__version__,
        "httpx": httpx.__version__,
        "powershai_py": powershai_py.__version__,
        "pwsh": pwsh,
        "load average at start (1/5/15 min)": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def ms(x: float) -> str:
    return "-" if x != x else f"{x * 1000:.2f}"  # noqa: PLR0124 - NaN check


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**missed**")


def write_report(path: Path, env: dict[str, str], r: dict[str, Any], quick: bool,
                 args: argparse.Namespace) -> list[tuple[str, str, bool | None]]:
    lines: list[str] = ["# powershai-py benchmark results", ""]
    lines.append(f"Generated by `bash scripts/bench.sh{' --quick' if quick else ''}` "
                 f"(bench/run.py). One run, local Gradio 6 test app on 127.0.0.1; client and "
                 "server share the machine, so absolute numbers are this machine's only; "
                 "ratios are the point.")
    lines += ["", "## Environment", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in env.items()]

    calls: dict[str, Row] = r["calls"]
    fl = calls["floor"]
    lines += ["", f"## 1. Call round trip (bench_noop, {args.calls} calls after {args.warmup} "
              "warm-up calls each)", "",
              "The floor is the issue's: raw httpx + httpx-sse doing `POST /call` then the "
              "event's SSE stream, without a session_hash, as Gradio documents the route. Two raw "
              "variants show what else a hand-written client could do: reuse one session_hash on "
              "/call (faster on Gradio 6 for calls made one after another, but calls that overlap "
              "then read each other's messages) or speak the queue protocol, which is what "
              "powershai_py does by default. The last column compares with the fastest raw row. "
              "The Python rows run interleaved in blocks of calls; the PowerShell row, a process "
              "of its own, runs when half of those blocks are done.",
              "",
              "| client | median ms | p95 ms | median / floor | median / fastest raw |",
              "|---|---:|---:|---:|---:|"]
    raw = [row for key, row in calls.items() if key in ("floor", "hash", "queue") and row.ok]
    fastest = min(raw, key=lambda row: row.median) if raw else None
    for row in calls.values():
        if row.ok:
            ratio = row.median / fl.median if fl.ok else float("nan")
            best = row.median / fastest.median if fastest else float("nan")
            lines.append(f"| {row.name} | {ms(row.median)} | {ms(row.p95)} | {ratio:.2f}x | "
                         f"{best:.2f}x |")
        else:
            lines.append(f"| {row.name} | {row.skipped} | | | |")

    base, cold = r["cold"]
    lines += ["", f"## 2. PowerShell cold start ({args.cold_runs} runs each, after one "
              "untimed run)", "", "| command | median s | p95 s |", "|---|---:|---:|"]
    for row in (base, cold):
        if row.ok:
            lines.append(f"| {row.name} | {row.median:.3f} | {row.p95:.3f} |")
        else:
            lines.append(f"| {row.name} | {row.skipped} | |")
    cold_diff = cold.median - base.median if cold.ok and base.ok else float("nan")
    if cold_diff == cold_diff:  # noqa: PLR0124
        lines += ["", f"Difference of the medians: **{cold_diff:.3f} s**."]

    stream: dict[str, Row] = r["stream"]
    lines += ["", f"## 3. Streaming delay (stamped: {args.stamp_count} results, "
              f"{args.stamp_delay} s apart, x{args.stamp_repeat}; receive time minus the "
              "server's time.time() at yield)", "",
              "| receiver | n | median ms | p95 ms | max ms |", "|---|---:|---:|---:|---:|"]
    for row in stream.values():
        if row.ok:
            lines.append(f"| {row.name} | {len(row.values)} | {ms(row.median)} | "
                         f"{ms(row.p95)} | {ms(max(row.values))} |")
        else:
            lines.append(f"| {row.name} | {row.skipped} | | | |")

    fan: dict[str, Row] = r["fanout"]
    ff = fan["floor"]
    lines += ["", f"## 4. Fan-out ({args.fan_calls} calls in flight, {args.fan_rounds} rounds "
              "after a warm-up round; the floor's rounds run before and after PowerShell's, on a "
              "fresh server for this section)", "",
              "| client | median calls/s | worst round calls/s | median / floor | "
              "failed or wrong calls |",
              "|---|---:|---:|---:|---:|"]
    for row in fan.values():
        if row.ok:
            ratio = row.median / ff.median if ff.ok else float("nan")
            bad = f"{row.extra.get('bad', 0)} of {row.extra.get('total', '?')}"
            lines.append(f"| {row.name} | {row.median:.0f} | {min(row.values):.0f} | "
                         f"{ratio:.2f}x | {bad} |")
        else:
            lines.append(f"| {row.name} | {row.skipped} | | | |")

    mem: dict[str, Row] = r["memory"]
    lines += ["", f"## 5. Worker memory ({args.flood} flood messages, RSS sampled every "
              f"{args.every} messages; worker driven over JSON-RPC as the module drives it)", "",
              "| stream | messages read | start MB | end MB | max MB | growth MB | msgs/s |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for row in mem.values():
        if row.ok:
            rate = row.extra["received"] / row.extra["seconds"]
            got = str(row.extra["received"])
            if "stopped" in row.extra:
                got += f" ({row.extra['stopped']})"
            lines.append(f"| {row.name} | {got} | {row.values[0]:.1f} | {row.values[-1]:.1f} | "
                         f"{max(row.values):.1f} | {row.values[-1] - row.values[0]:+.1f} | "
                         f"{rate:.0f} |")
        else:
            lines.append(f"| {row.name} | {row.skipped} | | | | | |")
    for row in mem.values():
        if row.ok:
            series = ", ".join(f"{v:.1f}" for v in row.values)
            lines.append(f"\n{row.name}: {series}")

    # -- targets
    py, ps, gc = calls["py"], calls["ps"], calls["gc"]

    def ratio_ok(row: Row, ref: Row, limit: float, higher: bool = False) -> bool | None:
        if not (row.ok and ref.ok):
            return None
        q = row.median / ref.median
        return q >= limit if higher else q <= limit

    def show_ratio(row: Row, ref: Row) -> str:
        return f"{row.median / ref.median:.2f}x" if row.ok and ref.ok else "-"

    targets: list[tuple[str, str, bool | None]] = [
        ("Python API <= 1.1x floor per call", show_ratio(py, fl), ratio_ok(py, fl, 1.1)),
        ("PowerShell <= 1.5x floor per call", show_ratio(ps, fl), ratio_ok(ps, fl, 1.5)),
    ]
    if fastest is not None and fastest is not fl:
        targets += [
            (f"stricter: Python API <= 1.1x the fastest raw row ({fastest.name})",
             show_ratio(py, fastest), ratio_ok(py, fastest, 1.1)),
            (f"stricter: PowerShell <= 1.5x the fastest raw row ({fastest.name})",
             show_ratio(ps, fastest), ratio_ok(ps, fastest, 1.5)),
        ]
    targets += [
        ("Python API faster than gradio_client", show_ratio(py, gc), ratio_ok(py, gc, 1.0)),
        ("PowerShell faster than gradio_client", show_ratio(ps, gc), ratio_ok(ps, gc, 1.0)),
        ("cold start <= 1 s above `pwsh exit`",
         f"{cold_diff:.3f} s" if cold_diff == cold_diff else "-",  # noqa: PLR0124
         None if cold_diff != cold_diff else cold_diff <= 1.0),  # noqa: PLR0124
    ]
    for key, label in (("py", "Python API"), ("ps", "PowerShell")):
        row = stream[key]
        targets.append((f"streaming delay <= 5 ms median ({label})",
                        f"{ms(row.median)} ms" if row.ok else "-",
                        row.median <= 0.005 if row.ok else None))
    for key, label in (("py", "Python API"), ("ps", "PowerShell")):
        fan_ok = ratio_ok(fan[key], ff, 0.8, higher=True)
        bad = fan[key].extra.get("bad", 0)
        if fan_ok is not None and bad:
            fan_ok = False  # throughput of wrong answers does not count
        targets.append((f"fan-out >= 0.8x floor throughput ({label})",
                        show_ratio(fan[key], ff) + (f", {bad} calls failed/wrong" if bad else ""),
                        fan_ok))
    nh = mem["plain"]
    targets.append(("worker RSS flat within 10 MB without -History",
                    f"{nh.values[-1] - nh.values[0]:+.1f} MB (max-start "
                    f"{max(nh.values) - nh.values[0]:+.1f})" if nh.ok else "-",
                    (max(nh.values) - nh.values[0]) <= 10 if nh.ok else None))
    lines += ["", "## Targets", "", "| target | measured | verdict |", "|---|---:|---|"]
    lines += [f"| {t} | {m} | {verdict(ok)} |" for t, m, ok in targets]

    if r.get("profile"):
        lines += ["", "## Profile of the Python API call loop (cProfile, by own time)", "",
                  "```", r["profile"].strip(), "```"]
    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").strip()]
    lines += ["", "![results](" + ("results-quick.png" if quick else "results.png") + ")", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return targets


def write_chart(path: Path, r: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    ax = axes[0][0]
    labels = {"floor": "floor\n(raw /call)", "hash": "raw /call,\none hash",
              "queue": "raw queue\nprotocol", "gc": "gradio_client\npredict",
              "py": "powershai_py\nPython API", "ps": "PowerShell\nmodule"}
    shown = [(key, row) for key, row in r["calls"].items() if row.ok]
    rows = [row for _, row in shown]
    names = [labels.get(key, key) for key, _ in shown]
    meds = [row.median * 1000 for row in rows]
    p95s = [row.p95 * 1000 for row in rows]
    ax.bar(names, meds, color="#4c72b0", label="median")
    ax.scatter(names, p95s, color="#c44e52", marker="_", s=400, label="p95", zorder=3)
    ax.set_ylabel("ms per call")
    ax.set_title("Call round trip (bench_noop)")
    ax.legend()
    ax.tick_params(axis="x", labelsize=8)

    ax = axes[0][1]
    rows = [row for row in r["fanout"].values() if row.ok]
    ax.bar([row.name.split(" (")[0].replace(" ", "\n", 1) for row in rows],
           [row.median for row in rows], color="#55a868")
    ax.set_ylabel("calls/s")
    ax.set_title("Fan-out throughput (100 calls in flight)")
    ax.tick_params(axis="x", labelsize=8)

    ax = axes[1][0]
    rows = [row for row in r["stream"].values() if row.ok]
    if rows:
        ax.boxplot([[v * 1000 for v in row.values] for row in rows],
                   tick_labels=[row.name.split(" (")[0].replace(" ", "\n", 1) for row in rows])
    ax.axhline(5, color="#c44e52", linestyle="--", label="5 ms target")
    ax.set_ylabel("ms after the server's yield")
    ax.set_title("Streaming delay (stamped)")
    ax.legend()
    ax.tick_params(axis="x", labelsize=8)

    ax = axes[1][1]
    for row in r["memory"].values():
        if row.ok:
            ax.plot(row.extra["at"], row.values, marker="o", label=row.name)
    ax.set_xlabel("messages received")
    ax.set_ylabel("worker RSS (MB)")
    ax.set_title("Worker memory over a flood stream")
    ax.legend(fontsize=8)

    r_cold = r["cold"]
    if r_cold[0].ok and r_cold[1].ok:
        fig.suptitle(f"powershai-py benchmark - cold start {r_cold[1].median:.2f} s vs pwsh "
                     f"exit {r_cold[0].median:.2f} s")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# -- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="powershai-py benchmark")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (about 1 minute)")
    parser.add_argument("--url", help="use this running Gradio 6 app instead of starting one")
    parser.add_argument("--profile", action="store_true",
                        help="always include a cProfile of the Python API call loop")
    parser.add_argument("--skip-ps", action="store_true", help="do not run the PowerShell rows")
    args = parser.parse_args(argv)
    q = args.quick
    args.calls, args.warmup, args.block = (50, 5, 10) if q else (300, 20, 10)
    args.cold_runs = 3 if q else 10
    args.stamp_count, args.stamp_delay, args.stamp_repeat = 20, 0.1, (1 if q else 3)
    args.fan_calls, args.fan_rounds = 100, (2 if q else 5)
    args.flood, args.every = (2000, 200) if q else (10_000, 1000)
    args.history_budget = 20.0 if q else 90.0
    if args.skip_ps:
        global PSD1  # noqa: PLW0603
        PSD1 = ROOT / "does-not-exist" / "PowershaiPy.psd1"

    out_dir = ROOT / "bench"
    md = out_dir / ("RESULTS-quick.md" if q else "RESULTS.md")
    png = out_dir / ("results-quick.png" if q else "results.png")

    # A Gradio 6 server gets slower as it serves more calls (a few thousand calls took one from
    # ~9 to ~15 ms per call), so every section gets a server of its own unless --url is given.
    apps: list[Any] = []

    def server() -> str:
        if args.url:
            return str(args.url).rstrip("/")
        for old in apps:
            old.close()
        apps.clear()
        log("starting a fresh Gradio 6 test app")
        apps.append(start_app("6"))
        return str(apps[0].url)

    try:
        url = server()
        root = floor.api_root(url)
        app_version = str(httpx.get(url + "/config").json().get("version"))
        log(f"app {url} (Gradio {app_version}); PowerShell: {ps_unusable() or 'usable'}")
        env = environment(app_version)
        results: dict[str, Any] = {}

        log(f"1. call round trip: {args.calls} calls x 3 Python clients")
        py_rows, ps_middle = bench_calls(
            url, root, args.calls, args.warmup, args.block,
            middle=lambda: guarded("ps calls", bench_ps_calls, url, args.calls, args.warmup))
        floor_row, hash_row, queue_row, gc_row, py_row = py_rows.values()
        ps_row = ps_middle if ps_middle is not None else Row("", skipped="not run")
        ps_row.name = "PowerShell module (warm worker)"
        results["calls"] = {"floor": floor_row, "hash": hash_row, "queue": queue_row,
                            "gc": gc_row, "py": py_row, "ps": ps_row}
        for row in results["calls"].values():
            log(f"   {row.name}: " + (f"median {ms(row.median)} ms p95 {ms(row.p95)} ms"
                                       if row.ok else str(row.skipped)))

        log("2. cold start")
        results["cold"] = bench_cold(url, args.cold_runs)
        log("3. streaming delay")
        url = server()
        root = floor.api_root(url)
        results["stream"] = bench_stream(url, root, args.stamp_count, args.stamp_delay,
                                         args.stamp_repeat)
        log("4. fan-out")
        url = server()
        root = floor.api_root(url)
        results["fanout"] = bench_fanout(url, root, args.fan_calls, args.fan_rounds)
        log("5. worker memory")
        url = server()
        results["memory"] = {
            "plain": guarded("memory", bench_memory, url, args.flood, args.every, False),
            "history": guarded("memory history", bench_memory, url, args.flood, args.every, True,
                               budget=args.history_budget),
        }
        missed_py = py_row.ok and floor_row.ok and py_row.median > 1.1 * floor_row.median
        if args.profile or missed_py:
            log("profiling the Python API call loop")
            results["profile"] = profile_python_api(url, 100 if q else 300)
    finally:
        for app in apps:
            app.close()

    env["load average at end (1/5/15 min)"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    targets = write_report(md, env, results, q, args)
    write_chart(png, results)
    log(f"wrote {md.relative_to(ROOT)} and {png.relative_to(ROOT)}")
    for name, measured, ok in targets:
        log(f"   {verdict(ok).strip('*'):>12}  {name}: {measured}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
