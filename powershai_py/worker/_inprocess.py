"""The worker inside the PowerShell process: the same JSON-RPC server, fed lines from C#.

With ``$env:POWERSHAI_PY_TRANSPORT = 'inprocess'`` the module hosts CPython in its own process
through pythonnet and creates one ``InProcessHost`` per module instance (so each runspace keeps
its own sessions, as each would have its own worker process). The host's own thread reads request
lines with the ``read_line`` callback the C# side passed in (it blocks inside .NET, where pythonnet
has released the GIL) and every response line goes back through the ``write_line`` callback; the
lines are exactly those of the stdio worker, read and dispatched by the same ``Server.run`` loop.
So PowerShell's pipeline thread never waits for the GIL to send a request: it only queues a line
(measured: 0.36 to 0.43 ms per request when it took the GIL to call into Python, against 0.07 ms
for the stdio worker's pipe).

What differs from a worker process, and why:

- ``shutdown`` closes this host only; CPython cannot be unloaded, so one interpreter serves the
  process for its whole life (``Remove-Module`` + ``Import-Module`` make a new host on it).
- No parent watch: the parent is this very process.
- Python's ``sys.stdout``/``sys.stderr`` and the package's logging go to one log file per process
  (``configure_process``), never to the PowerShell host's console.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import site
import sys
import sysconfig
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import IO, Any

from ._server import CmdletHandler, PropertyGetter, Server
from ._transport import decode_line, encode_message
from ._warmup import start_warm_up

__all__ = [
    "InProcessHost",
    "LineCallbackTransport",
    "at_process_exit",
    "configure_process",
    "print_probe",
    "probe",
]

log = logging.getLogger("powershai_py.worker")

WriteLine = Callable[[str], None]
# Blocks until the next request line; None at the end of input (the C# side closed the channel).
ReadLine = Callable[[], "str | None"]

_configure_lock = threading.Lock()
_log_stream: IO[str] | None = None
# The hosts of this process still open, closed at process exit (PowerShell's Exiting event,
# which would close them, is not raised when a -File script ends).
_open_hosts: weakref.WeakSet[InProcessHost] = weakref.WeakSet()


def configure_process(log_path: str, level: int | str = logging.WARNING) -> str:
    """Send this interpreter's stdout, stderr and the package's logs to ``log_path`` (append).

    Idempotent: the first call wins (one interpreter, one log), later calls return its path.
    The first call also begins the worker's warm-up (``_warmup``).
    Python's own signal handlers are left as the embedding installed them (none for SIGINT), so
    Ctrl+C stays PowerShell's.
    """
    global _log_stream
    with _configure_lock:
        if _log_stream is not None:
            return str(getattr(_log_stream, "name", log_path))
        stream = open(log_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - lives on
        _log_stream = stream
        sys.stdout = stream
        sys.stderr = stream
        handler = logging.StreamHandler(stream)
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        # The root logger, as the stdio worker's basicConfig: httpx's records land here too.
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(_level_of(level))
        # On the engine's start thread, during Import-Module: what the first session needs.
        start_warm_up()
        return log_path


def at_process_exit() -> None:
    """What this interpreter does when the PowerShell process exits (instead of Py_Finalize).

    Open hosts are closed (their streams stopped), then the atexit functions run (logging's
    flush and close among them); threads, sockets and memory go with the process.
    """
    import atexit

    for host in list(_open_hosts):
        try:
            host.close()
        except Exception:  # noqa: BLE001 - the process is going; the others still close
            log.exception("closing an in-process host at exit")
    atexit._run_exitfuncs()
    if _log_stream is not None:
        _log_stream.flush()


def _level_of(level: int | str) -> int:
    if isinstance(level, int):
        return level
    text = level.strip()
    if not text:
        return logging.WARNING
    if text.isdigit():
        return int(text)
    value = logging.getLevelName(text.upper())
    return value if isinstance(value, int) else logging.WARNING


class LineCallbackTransport:
    """The server's channel when the client lives in this process: two callbacks, one per way."""

    def __init__(self, write_line: WriteLine, read_line: ReadLine) -> None:
        self._write_line = write_line
        self._read_line = read_line
        self._lock = threading.Lock()
        self.closed = False

    def read_message(self) -> dict[str, Any] | None:
        while not self.closed:
            try:
                line = self._read_line()
            except Exception:  # noqa: BLE001 - the channel broke: the same as its end
                log.exception("reading the next request line from PowerShell")
                return None
            if line is None:
                return None
            if line.strip():
                return decode_line(line.encode("utf-8"))
        return None

    def write_message(self, message: dict[str, Any]) -> None:
        line = encode_message(message)[:-1].decode("utf-8")
        # One line at a time, as over a pipe: the receiving side needs no locking of its own.
        with self._lock:
            if self.closed:
                return
            self._write_line(line)


class InProcessHost:
    """One worker's worth of state and dispatch, driven by string lines from the C# side.

    A thread of its own runs the server's read loop (as the stdio worker's main thread does)
    until ``read_line`` reports the end of input.
    """

    def __init__(
        self,
        write_line: WriteLine,
        read_line: ReadLine,
        *,
        cmdlets: Mapping[str, CmdletHandler] | None = None,
        get_property: PropertyGetter | None = None,
    ) -> None:
        self.transport = LineCallbackTransport(write_line, read_line)
        self.server = Server(
            self.transport,
            cmdlets=cmdlets,
            get_property=get_property,
            exit_process=self._on_shutdown,
            watch_parent=False,
        )
        _open_hosts.add(self)
        self.reader = threading.Thread(target=self.server.run, name="inprocess-reader",
                                       daemon=True)
        self.reader.start()

    @property
    def closed(self) -> bool:
        return self.transport.closed

    def close(self) -> None:
        """Stop every open stream and answer nothing more (the end of input of a worker)."""
        if self.transport.closed:
            return
        self.server.cancel_all_streams()
        with self.transport._lock:
            self.transport.closed = True
        log.info("in-process host closed (pid %d)", os.getpid())

    def _on_shutdown(self, code: int) -> None:
        del code
        self.close()


# -- what the module needs to host this interpreter -------------------------------------------

NO_SHARED_LIBPYTHON = "POWERSHAI_PY_NO_SHARED_LIBPYTHON"
INPROCESS_UNAVAILABLE = "POWERSHAI_PY_INPROCESS_UNAVAILABLE"


def shared_library() -> str | None:
    """The path of this interpreter's shared library (what pythonnet loads), or ``None``."""
    if sys.platform == "win32":
        # python3XY.dll sits beside the base python.exe (a venv's python.exe is a launcher).
        name = f"python{sys.version_info.major}{sys.version_info.minor}.dll"
        for folder in (sys.base_prefix, os.path.dirname(sys.executable), sys.prefix):
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                return candidate
        return None
    # macOS framework builds link the framework's Python binary, not a libpython file.
    framework = sys.platform == "darwin" and sysconfig.get_config_var("PYTHONFRAMEWORK")
    if not sysconfig.get_config_var("Py_ENABLE_SHARED") and not framework:
        return None
    libdir = sysconfig.get_config_var("LIBDIR")
    folders = [libdir, sysconfig.get_config_var("PYTHONFRAMEWORKPREFIX")]
    if libdir and sysconfig.get_config_var("MULTIARCH"):  # Debian keeps it one level down
        folders.append(os.path.join(libdir, sysconfig.get_config_var("MULTIARCH")))
    # LDLIBRARY may name a static archive next to the shared one; INSTSONAME is what got
    # installed (libpython3.11.so.1.0 when the unversioned .so symlink is a -dev extra).
    for key in ("LDLIBRARY", "INSTSONAME"):
        name = sysconfig.get_config_var(key)
        if not name or str(name).endswith(".a"):
            continue
        for folder in folders:
            candidate = os.path.join(str(folder), str(name)) if folder else ""
            if candidate and os.path.isfile(candidate):
                return candidate
    return None


def runtime_assembly() -> str | None:
    """``Python.Runtime.dll`` from the installed pythonnet wheel, or ``None``."""
    spec = importlib.util.find_spec("pythonnet")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = os.path.join(folder, "runtime", "Python.Runtime.dll")
        if os.path.isfile(candidate):
            return candidate
    return None


def site_dirs() -> list[str]:
    """The site folders this interpreter imports from (processed again, .pth files included,
    inside the embedded one, whose own prefix is the base installation, not a venv)."""
    dirs = [path for path in site.getsitepackages() if os.path.isdir(path)]
    if site.ENABLE_USER_SITE:
        user = site.getusersitepackages()
        if os.path.isdir(user):
            dirs.append(user)
    return dirs


def probe() -> dict[str, Any]:
    """Everything the PowerShell module needs to load this Python in-process, or why it can't."""
    found: dict[str, Any] = {
        "executable": sys.executable,
        "version": ".".join(str(part) for part in sys.version_info[:3]),
        "pythonDll": shared_library(),
        "runtimeDll": runtime_assembly(),
        "siteDirs": site_dirs(),
        "errorId": None,
        "reason": None,
    }
    if found["pythonDll"] is None:
        found["errorId"] = NO_SHARED_LIBPYTHON
        found["reason"] = (
            f"the Python at '{sys.executable}' was built without a shared library "
            "(libpython), which hosting it inside PowerShell needs; use a Python built with "
            "--enable-shared (python.org installers, most distribution and pyenv builds with "
            "PYTHON_CONFIGURE_OPTS=--enable-shared), or the stdio transport"
        )
    elif found["runtimeDll"] is None:
        found["errorId"] = INPROCESS_UNAVAILABLE
        found["reason"] = (
            f"pythonnet is not installed for the Python at '{sys.executable}': run "
            f"'{sys.executable} -m pip install pythonnet'"
        )
    return found


def print_probe() -> None:
    """``python -c "...; print_probe()"``: the probe as one JSON line on stdout."""
    sys.stdout.write(json.dumps(probe()) + "\n")
