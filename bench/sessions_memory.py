"""Memory of many sessions (issue 11.9): the worker, and gradio_client beside it, in one run.

    .venv/bin/python bench/sessions_memory.py [--sessions 50] [--calls 10]

The worker is started as the module starts it and driven over JSON-RPC (bench/run.py's
``Worker``): New-GradioSession x N, Invoke + Update ``echo`` x M in each, then Remove-GradioSession
for all. gradio_client (from the Gradio 6 venv, the peer) does the same in its own process:
``Client(url)`` x N, ``predict`` x M each, then ``close()`` and drop them. Both report psutil RSS
before, after the calls and after removal; the table gives the growth and the ratio of ours to the
peer's. Not a test: nothing is asserted. Writes bench/out/sessions-memory.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import Worker  # noqa: E402

from tests.gradio_servers import start_app, venv_python  # noqa: E402

PEER = textwrap.dedent("""
    import contextlib, io, json, os, sys
    from gradio_client import Client
    url, sessions, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    # The Gradio venv has no psutil: RSS from /proc (this bench runs on Linux).
    def mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    with contextlib.redirect_stdout(io.StringIO()):
        Client(url).predict("warm", api_name="/echo")
        before = mb()
        clients = [Client(url) for _ in range(sessions)]
        for c in clients:
            for i in range(calls):
                c.predict(f"x{i}", api_name="/echo")
    after = mb()
    for c in clients:
        with contextlib.suppress(Exception):
            c.close()
    clients.clear()
    import gc; gc.collect()
    print(json.dumps({"before": before, "after": after, "removed": mb()}))
""")


def ours(url: str, sessions: int, calls: int) -> dict[str, float]:
    import psutil

    worker = Worker()
    try:
        proc = psutil.Process(worker.proc.pid)

        def mb() -> float:
            return float(proc.memory_info().rss) / 2**20

        def one_call(ref: dict[str, Any], value: str) -> None:
            call = worker.cmdlet("Invoke-GradioSessionApi", {
                "ApiName": "echo", "Params": [value], "Session": ref})["output"][0]
            answer = worker.cmdlet("Update-GradioSessionApiResult", {
                "Id": {"$ref": {"$type": call["$type"], "$id": call["$id"]}}})
            while answer.get("stream"):
                step = worker.request("stream/next", {"token": answer["stream"]})
                if step.get("done"):
                    break

        warm = worker.cmdlet("New-GradioSession", {"AppUrl": url, "Name": "warm"})["output"][0]
        one_call({"$ref": {"$type": warm["$type"], "$id": warm["$id"]}}, "warm")
        worker.cmdlet("Remove-GradioSession", {"Name": "warm"})
        before = mb()
        result: dict[str, float] = {"before": before}
        # A second round of the same sessions shows whether what the first kept is reused
        # (bounded) or added to (a leak).
        for round_no in (1, 2):
            for n in range(sessions):
                s = worker.cmdlet("New-GradioSession",
                                  {"AppUrl": url, "Name": f"s{n}"})["output"][0]
                ref = {"$ref": {"$type": s["$type"], "$id": s["$id"]}}
                for i in range(calls):
                    one_call(ref, f"x{i}")
            result["after" if round_no == 1 else "after2"] = mb()
            worker.cmdlet("Remove-GradioSession", {"Name": "*"})
            result["removed" if round_no == 1 else "removed2"] = mb()
        return result
    finally:
        worker.close()


def peer(url: str, sessions: int, calls: int) -> dict[str, float]:
    out = subprocess.run([str(venv_python("6")), "-c", PEER, url, str(sessions), str(calls)],
                         capture_output=True, text=True, timeout=900, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--calls", type=int, default=10)
    a = parser.parse_args()
    with start_app("6") as app:
        rows = {"powershai-py worker": ours(app.url, a.sessions, a.calls),
                "gradio_client (peer)": peer(app.url, a.sessions, a.calls)}
    growth = {k: v["after"] - v["before"] for k, v in rows.items()}
    lines = [f"# Memory of {a.sessions} sessions x {a.calls} calls (RSS, MB)", "",
             "| process | before | after calls | after removal | growth | growth vs peer |",
             "|---|---|---|---|---|---|"]
    base = growth["gradio_client (peer)"] or 1e-9
    for name, v in rows.items():
        lines.append(f"| {name} | {v['before']:.1f} | {v['after']:.1f} | {v['removed']:.1f} "
                     f"| {growth[name]:.1f} | {growth[name] / base:.2f}x |")
    mine = rows["powershai-py worker"]
    lines += ["", f"The worker's second round of the same {a.sessions} sessions: "
              f"{mine['after2']:.1f} MB after its calls, {mine['removed2']:.1f} MB after removal "
              f"({mine['after2'] - mine['after']:+.1f} MB against the first round)."]
    report = "\n".join(lines) + "\n"
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "sessions-memory.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
