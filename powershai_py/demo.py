"""``python -m powershai_py demo``: start the bundled Gradio app and stream a story from it.

The app runs under the Gradio 6 venv that ``scripts/bootstrap.sh`` builds (or the Python named by
``POWERSHAI_PY_DEMO_PYTHON``); the client side is this package.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from ._registry import SessionRegistry

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "demo" / "gradio_demo_app.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gradio_python() -> str:
    override = os.environ.get("POWERSHAI_PY_DEMO_PYTHON")
    if override:
        return override
    for candidate in (ROOT / ".cache/venvs/gradio6/bin/python",
                      ROOT / ".cache/venvs/gradio6/Scripts/python.exe"):
        if candidate.exists():
            return str(candidate)
    raise SystemExit("No Gradio venv found: run scripts/bootstrap.sh first "
                     "(or set POWERSHAI_PY_DEMO_PYTHON to a Python with gradio installed)")


@contextlib.contextmanager
def running_app() -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen([gradio_python(), str(APP), "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/config", timeout=2).status_code == 200:
                    break
            if process.poll() is not None:
                raise SystemExit("the demo app exited early")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        if process.poll() is None:
            process.kill()


def main() -> int:
    out = sys.stdout
    with running_app() as url:
        sessions = SessionRegistry()
        session = sessions.new(url, name="demo")
        out.write(f"Connected to {session.AppUrl} (Gradio {session.app.version})\n")
        call = session.invoke("tell", {"topic": "about tea", "words": 10})
        start = time.monotonic()
        for result in call.update():
            out.write(f"  +{time.monotonic() - start:5.2f}s  #{result.num} {result.event:<10}"
                      f" {result.data}\n")
            out.flush()
        shout = session.invoke("shout", ["streaming works"]).results()[-1]
        out.write(f"shout -> {shout.data[0]}\n")
        sessions.remove(session)
    return 0


if __name__ == "__main__":
    sys.exit(main())
