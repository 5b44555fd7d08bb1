"""Start and stop real Gradio servers (4.x, 5.x, 6.x) for tests, benchmarks and demos.

Usable outside pytest:

    from tests.gradio_servers import start_app

    with start_app("6") as app:          # tests/apps/gradio_test_app.py under .cache/venvs/gradio6
        print(app.url, app.version)      # http://127.0.0.1:PORT 6

Each server runs the version's own venv python (made by scripts/bootstrap.sh), binds 127.0.0.1 on
a free port, logs to tests/.tmp/, and is stopped by close() (terminate, then kill), by leaving the
``with`` block, or at interpreter exit at the latest.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import httpx

ROOT = Path(__file__).resolve().parent.parent
TEST_APP = ROOT / "tests" / "apps" / "gradio_test_app.py"
LOG_DIR = ROOT / "tests" / ".tmp"
VERSIONS: tuple[str, ...] = ("4", "5", "6")
START_TIMEOUT = 90.0
BASE_ENV: dict[str, str] = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "GRADIO_SERVER_NAME": "127.0.0.1",
    "PYTHONUNBUFFERED": "1",
}

_running: set[RunningApp] = set()
_running_lock = threading.Lock()


class GradioStartError(RuntimeError):
    """The server did not come up; the message ends with the tail of its log."""


def venv_python(version: str) -> Path:
    """Python of the venv that holds Gradio ``version`` ("4", "5" or "6").

    POWERSHAI_PY_GRADIO<N>_PYTHON overrides the default .cache/venvs/gradio<N>/bin/python.
    """
    version = str(version)
    if version not in VERSIONS:
        raise ValueError(f"unknown Gradio major version {version!r}; expected one of {VERSIONS}")
    override = os.environ.get(f"POWERSHAI_PY_GRADIO{version}_PYTHON")
    if override:
        return Path(override)
    return ROOT / ".cache" / "venvs" / f"gradio{version}" / "bin" / "python"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _auth_from_args(args: Sequence[str]) -> tuple[str, str] | None:
    for i, arg in enumerate(args):
        value = None
        if arg == "--auth" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--auth="):
            value = arg.split("=", 1)[1]
        if value is not None:
            user, _, password = value.partition(":")
            return user, password
    return None


class RunningApp:
    """One Gradio server process."""

    def __init__(
        self,
        version: str,
        port: int,
        process: subprocess.Popen[bytes],
        log_path: Path,
        args: Sequence[str],
    ) -> None:
        self.version = int(version)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process = process
        self.log_path = log_path
        self.args = tuple(args)
        self.auth = _auth_from_args(args)

    def __repr__(self) -> str:
        return f"RunningApp(version={self.version}, url={self.url!r}, pid={self.process.pid})"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def close(self, timeout: float = 10.0) -> None:
        """Stop the server: SIGTERM to its process group, then SIGKILL if it lingers."""
        with _running_lock:
            _running.discard(self)
        proc = self.process
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=timeout)
        else:
            # The server may have left children behind in its own group.
            _signal_group(proc, signal.SIGKILL)

    def __enter__(self) -> RunningApp:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    # The server was started in a new session, so its process group id is its pid.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _wait_ready(app: RunningApp, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5.0) as client:
        while time.monotonic() < deadline:
            if not app.alive:
                raise GradioStartError(
                    f"Gradio {app.version} server exited with code {app.process.returncode} "
                    f"before answering /config; last lines of {app.log_path}:\n{app.log_tail()}"
                )
            try:
                response = client.get(f"{app.url}/config")
            except httpx.HTTPError:
                pass
            else:
                # 401 is the answer of a server with auth= before login: it is up.
                if response.status_code in (200, 401):
                    return
            time.sleep(0.25)
    raise GradioStartError(
        f"Gradio {app.version} server did not answer {app.url}/config within {timeout:.0f} s; "
        f"last lines of {app.log_path}:\n{app.log_tail()}"
    )


def start_app(
    version: str,
    *args: str,
    env: Mapping[str, str] | None = None,
    app: Path | str = TEST_APP,
    timeout: float = START_TIMEOUT,
) -> RunningApp:
    """Start ``app`` (default: the test app) under Gradio ``version`` and wait until it answers.

    ``args`` are passed to the app after ``--port N``; ``env`` adds or overrides environment
    variables. The result is a context manager; call ``close()`` when not using ``with``.
    """
    version = str(version)
    python = venv_python(version)
    if not python.exists():
        raise GradioStartError(
            f"no Python for Gradio {version} at {python}; run scripts/bootstrap.sh first"
        )
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ)
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
        full_env.pop(name, None)
    full_env.update(BASE_ENV)
    if env:
        full_env.update(env)

    last_error: GradioStartError | None = None
    for _attempt in range(3):  # a free port can be taken between probing and binding
        port = free_port()
        log_path = LOG_DIR / f"gradio{version}-{port}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [str(python), str(app), "--port", str(port), *args],
                cwd=str(ROOT),
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        running = RunningApp(version, port, process, log_path, args)
        with _running_lock:
            _running.add(running)
        try:
            _wait_ready(running, timeout)
        except GradioStartError as exc:
            running.close()
            last_error = exc
            if "address already in use" in running.log_tail(80).lower():
                continue
            raise
        except BaseException:
            running.close()
            raise
        return running
    assert last_error is not None
    raise last_error


class ServerPool:
    """Servers shared by key (version, args, env) and closed together."""

    def __init__(self) -> None:
        self._apps: dict[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], RunningApp] = {}
        self._lock = threading.Lock()

    def get(self, version: str, *args: str, env: Mapping[str, str] | None = None) -> RunningApp:
        key = (str(version), tuple(args), tuple(sorted((env or {}).items())))
        with self._lock:
            app = self._apps.get(key)
            if app is not None and not app.alive:
                app.close()
                app = None
            if app is None:
                app = start_app(str(version), *args, env=env)
                self._apps[key] = app
            return app

    def close_all(self) -> None:
        with self._lock:
            apps = list(self._apps.values())
            self._apps.clear()
        for app in apps:
            app.close()


@atexit.register
def _close_leftovers() -> None:
    with _running_lock:
        leftovers = list(_running)
    for app in leftovers:
        with contextlib.suppress(Exception):
            app.close(timeout=5.0)


if __name__ == "__main__":
    # Manual use: python tests/gradio_servers.py 6 [app args...] -> runs until Ctrl+C.
    ver = sys.argv[1] if len(sys.argv) > 1 else "6"
    with start_app(ver, *sys.argv[2:]) as running_app:
        print(f"Gradio {running_app.version} test app at {running_app.url} (Ctrl+C stops it)")
        with contextlib.suppress(KeyboardInterrupt):
            running_app.process.wait()
