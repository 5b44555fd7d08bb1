"""What the demo needs besides the calls themselves: finding Gradio and pwsh, a free port, the
app's output kept in memory (so no log file is left behind), the text of a result."""

from __future__ import annotations

import collections
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
APP = PACKAGE / "demo_app.py"
# In a checkout, the package sits next to the venvs and tools that scripts/bootstrap.sh makes.
CHECKOUT = PACKAGE.parent
TAIL_LINES = 40


class DemoError(Exception):
    """The demo cannot go on; the message says why and what to do."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _venv_python(venv: Path) -> Path | None:
    for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if candidate.is_file():
            return candidate
    return None


def _has_gradio(python: str) -> bool:
    try:
        done = subprocess.run([python, "-c", "import gradio"], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def find_gradio_python(explicit: str | None = None) -> str:
    """The Python that runs the app; the error names every place that was looked at."""
    choice = explicit or os.environ.get("POWERSHAI_PY_DEMO_PYTHON")
    if choice:
        return choice
    tried: list[str] = []
    for version in ("6", "5", "4"):
        venv = CHECKOUT / ".cache" / "venvs" / f"gradio{version}"
        python = _venv_python(venv)
        if python is not None:
            return str(python)
        tried.append(str(venv))
    if _has_gradio(sys.executable):
        return sys.executable
    tried.append(f"{sys.executable} (no gradio)")
    raise DemoError(
        "no Python with Gradio found (looked at: " + ", ".join(tried) + "). Run "
        "scripts/bootstrap.sh in a checkout, or `pip install gradio`, or pass --gradio-python.")


def find_pwsh(explicit: str | None = None) -> str | None:
    """PowerShell 7 for the second half: the one asked for, the checkout's, else PATH's."""
    if explicit:
        return explicit
    for candidate in (CHECKOUT / ".tools" / "pwsh" / "pwsh",
                      CHECKOUT / ".tools" / "pwsh" / "pwsh.exe"):
        if candidate.is_file():
            return str(candidate)
    return shutil.which("pwsh")


def text_of(data: Any) -> str:
    """A result's value as a reader wants it: one output as itself, several joined by spaces."""
    if isinstance(data, (list, tuple)):
        return " ".join(text_of(item) for item in data)
    return "" if data is None else str(data)


class OutputTail:
    """Drain a child's merged stdout/stderr into the last few lines, in memory."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._lines: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._stream = process.stdout
        self._thread = threading.Thread(target=self._drain, name="demo-app-output", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        if self._stream is None:
            return
        for line in self._stream:
            self._lines.append(line.rstrip("\n"))

    def text(self) -> str:
        return "\n".join(self._lines) or "(no output)"

    def close(self) -> None:
        self._thread.join(5)
        if self._stream is not None:
            self._stream.close()
