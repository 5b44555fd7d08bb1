"""The long-lived worker the PowerShell module talks to (JSON-RPC 2.0, one JSON per line).

``python -m powershai_py worker`` runs ``main()``: stdout carries protocol messages only, logs go
to stderr (level from ``POWERSHAI_PY_LOG``, default WARNING), end of stdin ends the process.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from typing import IO

from ._context import CmdletContext, CmdletResult
from ._server import CmdletHandler, PropertyGetter, Server, serve
from ._transport import MemoryTransport, StdioTransport, Transport
from ._warmup import start_warm_up

__all__ = [
    "CmdletContext",
    "CmdletResult",
    "MemoryTransport",
    "Server",
    "StdioTransport",
    "Transport",
    "main",
    "serve",
]


def _log_level() -> int:
    raw = os.environ.get("POWERSHAI_PY_LOG", "").strip()
    if not raw:
        return logging.WARNING
    if raw.isdigit():
        return int(raw)
    level = logging.getLevelName(raw.upper())
    return level if isinstance(level, int) else logging.WARNING


def _claim_stdio() -> tuple[IO[bytes], IO[bytes]]:
    """Keep private handles on the real stdin/stdout; point fd 0 at devnull and fd 1 at stderr.

    After this, nothing (a stray ``print``, a C extension, a child process) can write to the
    protocol channel or steal bytes from it.
    """
    sys.stdout.flush()
    in_fd = os.dup(0)
    out_fd = os.dup(1)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if sys.platform == "win32":
        import msvcrt

        msvcrt.setmode(in_fd, os.O_BINARY)
        msvcrt.setmode(out_fd, os.O_BINARY)
    reader = os.fdopen(in_fd, "rb")
    writer = os.fdopen(out_fd, "wb")
    sys.stdout = sys.stderr
    return reader, writer


def main(
    argv: Sequence[str] | None = None,
    *,
    cmdlets: Mapping[str, CmdletHandler] | None = None,
    get_property: PropertyGetter | None = None,
) -> int:
    """Run the worker on the process's stdin/stdout; never returns normally (exits the process)."""
    del argv
    # Ctrl+C in a terminal signals the whole process group, worker included. Stopping a call is
    # PowerShell's business (it sends stream/close); the worker must outlive the keystroke.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(
        stream=sys.stderr,
        level=_log_level(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    reader, writer = _claim_stdio()
    start_warm_up()
    transport = StdioTransport(reader, writer)
    from ._server import _hard_exit

    code = serve(transport, cmdlets=cmdlets, get_property=get_property, exit_process=_hard_exit)
    _hard_exit(code)
    return code  # pragma: no cover - _hard_exit does not return
