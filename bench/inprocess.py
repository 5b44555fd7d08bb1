"""The in-process transport beside stdio: ``python -m bench.inprocess [--quick]``.

Per call (against the fastest raw protocol row, the queue protocol; the raw client and one pwsh
per transport take turns in blocks of calls on one server, in a rotating order, because a Gradio
server slows down as it serves more calls and whoever ran last would pay for it), streaming
delay, fan-out, cold start (a fresh pwsh: Import-Module, a session, one call) and memory
(resident set of pwsh, plus the worker process under stdio).
Writes bench/RESULTS-inprocess.md. Same Gradio 6 test app and PowerShell driver
(bench/ps_bench.ps1) as bench/run.py, one fresh server per section.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import floor
from bench.run import PS_BENCH, PSD1, PWSH, ROOT, med, pct, ps_env, run_ps_bench
from tests.gradio_servers import start_app

TRANSPORTS = ("stdio", "inprocess")
TARGET_CALL_RATIO = 1.2
TARGET_STREAM_MS = 2.5
# RESULTS-inprocess.md: the table above this line is regenerated, the text below it is kept.
ANALYSIS_MARK = "<!-- analysis: written by hand, kept when the table is regenerated -->"
BLOCK = 10           # calls per turn
BLOCK_TIMEOUT = 120  # seconds a turn may take before its pwsh is killed


class RawQueue:
    """The fastest raw row: one pooled httpx client, the queue protocol, one session_hash."""

    def __init__(self, url: str, warmup: int) -> None:
        self.http = floor.new_client()
        self.root = floor.api_root(url)
        self.fn = floor.fn_index(url, "bench_noop")
        self.session_hash = os.urandom(8).hex()
        for i in range(warmup):
            floor.queue_call(self.http, self.root, self.fn, [f"w{i}"], self.session_hash)

    def block(self, n: int) -> list[float]:
        times = []
        for i in range(n):
            t0 = time.perf_counter()
            floor.queue_call(self.http, self.root, self.fn, [f"x{i}"], self.session_hash)
            times.append(time.perf_counter() - t0)
        return times

    def close(self) -> None:
        self.http.close()


class PsBlocks:
    """One pwsh running ``ps_bench.ps1 -Mode blocks`` under one transport, timed block by block."""

    def __init__(self, url: str, transport: str, warmup: int) -> None:
        env = ps_env()
        env["POWERSHAI_PY_TRANSPORT"] = transport
        self.transport = transport
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [str(PWSH), "-NoProfile", "-NonInteractive", "-File", str(PS_BENCH), "-Psd1", str(PSD1),
             "-Url", url, "-Mode", "blocks", "-Warmup", str(warmup)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True,
            env=env, cwd=str(ROOT))
        self._expect("BENCH-READY")

    def _expect(self, prefix: str) -> str:
        assert self.proc.stdout is not None
        watchdog = threading.Timer(BLOCK_TIMEOUT, self.proc.kill)
        watchdog.start()
        try:
            for line in self.proc.stdout:
                if line.startswith(prefix):
                    return line[len(prefix):].strip()
        finally:
            watchdog.cancel()
        self.stderr.seek(0)
        raise RuntimeError(f"ps_bench blocks under {self.transport} ended: "
                           f"{self.stderr.read()[-600:]}")

    def block(self, n: int) -> list[float]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{n}\n")
        self.proc.stdin.flush()
        return [float(t) for t in json.loads(self._expect("BENCH-BLOCK: "))]

    def close(self) -> None:
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.write("\n")
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.stderr.close()


def interleaved_calls(url: str, n: int, warmup: int) -> dict[str, list[float]]:
    """n calls per client, in turns of BLOCK calls; each round starts one client later."""
    clients: dict[str, Any] = {"raw": RawQueue(url, warmup)}
    try:
        for transport in TRANSPORTS:
            clients[transport] = PsBlocks(url, transport, warmup)
        names = list(clients)
        times: dict[str, list[float]] = {name: [] for name in names}
        for turn in range(max(1, n // BLOCK)):
            shift = turn % len(names)
            for name in names[shift:] + names[:shift]:
                block: Callable[[int], list[float]] = clients[name].block
                times[name] += block(BLOCK)
        return times
    finally:
        for client in clients.values():
            client.close()


def with_transport(transport: str) -> None:
    os.environ["POWERSHAI_PY_TRANSPORT"] = transport


_COLD = (
    "$ErrorActionPreference='Stop'; Import-Module '{psd1}'; $s = New-GradioSession '{url}'; "
    "$null = Invoke-GradioSessionApi bench_noop @('x') -Session $s "
    "| Update-GradioSessionApiResult; "
    "$kb = {{ param($p) [long]((@((Get-Content \"/proc/$p/status\") -match '^VmRSS'))[0] "
    "-replace '\\D','') }}; "
    "$worker = 0; foreach ($t in Get-ChildItem \"/proc/$PID/task\") {{ "
    "$kids = Get-Content (Join-Path $t.FullName 'children') -Raw -ErrorAction Ignore; "
    "foreach ($c in (\"$kids\" -split '\\s+')) {{ "
    "if ($c) {{ $worker += & $kb $c }} }} }}; \"RSS $(& $kb $PID) $worker\""
)


# Import-Module, a pause (a profile that imports the module, a script that does other work
# first), then the first session and call, timed inside the process.
_IDLE = (
    "$ErrorActionPreference='Stop'; Import-Module '{psd1}'; Start-Sleep -Seconds 2; "
    "$sw = [Diagnostics.Stopwatch]::StartNew(); $s = New-GradioSession '{url}'; "
    "$null = Invoke-GradioSessionApi bench_noop @('x') -Session $s "
    "| Update-GradioSessionApiResult; \"FIRST $($sw.Elapsed.TotalSeconds)\""
)


def idle_run(url: str, transport: str) -> float:
    """One fresh pwsh: seconds its first session and call take when made 2 s after the import."""
    env = ps_env()
    env["POWERSHAI_PY_TRANSPORT"] = transport
    proc = subprocess.run([str(PWSH), "-NoProfile", "-Command", _IDLE.format(psd1=PSD1, url=url)],
                          env=env, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"first call after a pause under {transport}: {proc.stderr[-400:]}")
    return float([x for x in proc.stdout.splitlines() if x.startswith("FIRST ")][-1].split()[1])


def cold_run(url: str, transport: str) -> tuple[float, int]:
    """One fresh pwsh: seconds to the end of its first call, and the RSS (pwsh + worker) in KiB."""
    env = ps_env()
    env["POWERSHAI_PY_TRANSPORT"] = transport
    t0 = time.perf_counter()
    proc = subprocess.run([str(PWSH), "-NoProfile", "-Command", _COLD.format(psd1=PSD1, url=url)],
                          env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"cold start under {transport}: {proc.stderr[-400:]}")
    line = [x for x in proc.stdout.splitlines() if x.startswith("RSS ")][-1]
    pwsh_kb, worker_kb = (int(x) for x in line.split()[1:])
    return elapsed, pwsh_kb + worker_kb


def turns(count: int) -> list[tuple[str, ...]]:
    """The order of the transports in each of count turns: A B, then B A, and so on."""
    return [TRANSPORTS if i % 2 == 0 else TRANSPORTS[::-1] for i in range(count)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    n, warmup, repeat, rounds, runs = (60, 10, 1, 2, 3) if args.quick else (300, 20, 3, 5, 8)
    load_start = os.getloadavg()
    rows: dict[str, Any] = {}
    app = start_app("6")
    try:
        for name, times in interleaved_calls(app.url, n, warmup).items():
            rows[("calls", name)] = times
    finally:
        app.close()
    # Each section on a fresh server, the transports taking turns (A B, B A, ...) so that neither
    # always meets the server later in its life.
    for section, count in (("stream", repeat), ("fanout", rounds), ("cold", runs + 1)):
        app = start_app("6")
        try:
            for i, order in enumerate(turns(count)):
                for transport in order:
                    with_transport(transport)
                    if section == "stream":
                        data = run_ps_bench(app.url, "stream", timeout=300, Count=20, Delay=0.1,
                                            Repeat=1)
                        rows.setdefault(("stream", transport), []).extend(
                            float(d) for d in data["delays"])
                    elif section == "fanout":
                        data = run_ps_bench(app.url, "fanout", timeout=600, Calls=100, Rounds=1)
                        rows.setdefault(("fanout", transport), []).extend(
                            100 / float(t) for t in data["round_times"])
                    else:
                        elapsed, rss = cold_run(app.url, transport)
                        idle = idle_run(app.url, transport)
                        if i:  # turn 0 fills caches (compiled assemblies, OS file cache)
                            rows.setdefault(("cold", transport), []).append(elapsed)
                            rows.setdefault(("memory", transport), []).append(rss)
                            rows.setdefault(("idle", transport), []).append(idle)
        finally:
            app.close()
    write(ROOT / "bench" / "RESULTS-inprocess.md", rows, load_start, os.getloadavg(), args.quick)
    return 0


def write(path: Path, rows: dict[str, Any], load_start: tuple[float, ...],
          load_end: tuple[float, ...], quick: bool) -> None:
    def m(key: tuple[str, str], scale: float = 1000.0) -> float:
        return med(rows[key]) * scale

    raw = m(("calls", "raw"))
    lines = [
        "# In-process transport beside stdio",
        "",
        f"Generated by `python -m bench.inprocess{' --quick' if quick else ''}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; one run on a shared "
        f"{os.cpu_count()}-core machine (load average "
        f"{' / '.join(f'{x:.2f}' for x in load_start)} at start, "
        f"{' / '.join(f'{x:.2f}' for x in load_end)} at end): ratios, not absolute numbers.",
        "",
        "| measure | stdio | inprocess | target |",
        "|---|---:|---:|---|",
    ]
    calls = {t: m(("calls", t)) for t in TRANSPORTS}
    lines.append(f"| per call, median ms (raw queue protocol row: {raw:.2f} ms) | "
                 f"{calls['stdio']:.2f} ({calls['stdio'] / raw:.2f}x) | "
                 f"{calls['inprocess']:.2f} ({calls['inprocess'] / raw:.2f}x) | "
                 f"inprocess <= {TARGET_CALL_RATIO}x raw |")
    p95 = {t: pct(rows[("calls", t)], 0.95) * 1000 for t in TRANSPORTS}
    lines.append(f"| per call, p95 ms | {p95['stdio']:.2f} | {p95['inprocess']:.2f} | |")
    stream = {t: m(("stream", t)) for t in TRANSPORTS}
    lines.append(f"| streaming delay, median ms | {stream['stdio']:.2f} | "
                 f"{stream['inprocess']:.2f} | <= {TARGET_STREAM_MS} ms |")
    fan = {t: med(rows[("fanout", t)]) for t in TRANSPORTS}
    lines.append(f"| fan-out, median calls/s (100 in flight) | {fan['stdio']:.0f} | "
                 f"{fan['inprocess']:.0f} | |")
    cold = {t: med(rows[("cold", t)]) for t in TRANSPORTS}
    lines.append(f"| cold start, median s (pwsh + Import-Module + session + 1 call) | "
                 f"{cold['stdio']:.3f} | {cold['inprocess']:.3f} | inprocess <= stdio |")
    idle = {t: med(rows[("idle", t)]) for t in TRANSPORTS}
    lines.append(f"| first session + call 2 s after Import-Module, median s | "
                 f"{idle['stdio']:.3f} | {idle['inprocess']:.3f} | |")
    mem = {t: med([float(x) for x in rows[("memory", t)]]) / 1024 for t in TRANSPORTS}
    lines.append(f"| memory after the first call, MiB (pwsh + worker) | {mem['stdio']:.0f} | "
                 f"{mem['inprocess']:.0f} | |")
    lines.append("")
    sys.stderr.write("\n".join(lines) + "\n")
    # What was written by hand below the table (the analysis of a run) stays.
    kept = ""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if ANALYSIS_MARK in text:
            kept = text[text.index(ANALYSIS_MARK):]
    path.write_text("\n".join(lines) + "\n" + (kept or ANALYSIS_MARK + "\n"), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
