"""The in-process transport beside stdio: ``python -m bench.inprocess [--quick]``.

Per call (against the fastest raw protocol row, the queue protocol, measured before and after
the PowerShell rows), streaming delay, fan-out, cold start (a fresh pwsh: Import-Module, a
session, one call) and memory (resident set of pwsh, plus the worker process under stdio).
Writes bench/RESULTS-inprocess.md. Same Gradio 6 test app and PowerShell driver
(bench/ps_bench.ps1) as bench/run.py, one fresh server per section.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import floor
from bench.run import PSD1, PWSH, ROOT, med, pct, ps_env, run_ps_bench
from tests.gradio_servers import start_app

TRANSPORTS = ("stdio", "inprocess")
TARGET_CALL_RATIO = 1.2
TARGET_STREAM_MS = 2.5


def raw_queue_times(url: str, n: int) -> list[float]:
    http = floor.new_client()
    root = floor.api_root(url)
    fn = floor.fn_index(url, "bench_noop")
    session_hash = os.urandom(8).hex()
    for i in range(10):
        floor.queue_call(http, root, fn, [f"w{i}"], session_hash)
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        floor.queue_call(http, root, fn, [f"x{i}"], session_hash)
        times.append(time.perf_counter() - t0)
    http.close()
    return times


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


def cold_and_memory(url: str, transport: str, runs: int) -> tuple[list[float], list[int]]:
    env = ps_env()
    env["POWERSHAI_PY_TRANSPORT"] = transport
    script = _COLD.format(psd1=PSD1, url=url)
    times: list[float] = []
    rss: list[int] = []
    for i in range(runs + 1):  # run 0 fills caches (compiled assemblies, OS file cache)
        t0 = time.perf_counter()
        proc = subprocess.run([str(PWSH), "-NoProfile", "-Command", script], env=env,
                              capture_output=True, text=True, timeout=120)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"cold start under {transport}: {proc.stderr[-400:]}")
        if i:
            times.append(elapsed)
            line = [x for x in proc.stdout.splitlines() if x.startswith("RSS ")][-1]
            pwsh_kb, worker_kb = (int(x) for x in line.split()[1:])
            rss.append(pwsh_kb + worker_kb)
    return times, rss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    n, warmup, repeat, rounds, runs = (60, 10, 1, 2, 3) if args.quick else (300, 20, 3, 5, 8)
    load_start = os.getloadavg()
    rows: dict[str, Any] = {}
    app = start_app("6")
    try:
        raw = raw_queue_times(app.url, n // 2)
        for transport in TRANSPORTS:
            with_transport(transport)
            data = run_ps_bench(app.url, "calls", timeout=120 + n * 2.0, N=n, Warmup=warmup)
            rows[("calls", transport)] = [float(t) for t in data["times"]]
        raw += raw_queue_times(app.url, n // 2)
        rows[("calls", "raw")] = raw
    finally:
        app.close()
    for section in ("stream", "fanout", "cold"):
        app = start_app("6")
        try:
            for transport in TRANSPORTS:
                with_transport(transport)
                if section == "stream":
                    data = run_ps_bench(app.url, "stream", timeout=300, Count=20, Delay=0.1,
                                        Repeat=repeat)
                    rows[("stream", transport)] = [float(d) for d in data["delays"]]
                elif section == "fanout":
                    data = run_ps_bench(app.url, "fanout", timeout=600, Calls=100, Rounds=rounds)
                    rows[("fanout", transport)] = [100 / float(t) for t in data["round_times"]]
                else:
                    times, rss = cold_and_memory(app.url, transport, runs)
                    rows[("cold", transport)] = times
                    rows[("memory", transport)] = rss
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
    mem = {t: med([float(x) for x in rows[("memory", t)]]) / 1024 for t in TRANSPORTS}
    lines.append(f"| memory after the first call, MiB (pwsh + worker) | {mem['stdio']:.0f} | "
                 f"{mem['inprocess']:.0f} | |")
    lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sys.stderr.write(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    sys.exit(main())
