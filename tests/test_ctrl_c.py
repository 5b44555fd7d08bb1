"""Ctrl+C at an interactive pwsh prompt, typed as a user types it (a real terminal: a pty).

The keystroke must stop the stream being read at once, leave pwsh, the session and the worker
(or the embedded interpreter) alive, and a later Update must go on from where it stopped. On the
in-process transport this also proves Python's own SIGINT handling never takes the key from
PowerShell. Both transports, against a real Gradio 6 server.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from tests.gradio_servers import RunningApp

ROOT = Path(__file__).resolve().parents[1]
PWSH = ROOT / ".tools" / "pwsh" / "pwsh"
HELPERS = ROOT / "tests" / "pester" / "TestHelpers.ps1"
WAIT = 60.0  # bound on each expected line; the app's gate gives up after 20 s
_CURSOR_QUERY = "\x1b[6n"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")

pytestmark = [pytest.mark.pwsh, pytest.mark.gradio6]


class Terminal:
    """An interactive pwsh on a pseudo-terminal: type lines, send keys, wait for output."""

    def __init__(self, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        self.proc = subprocess.Popen(
            [str(PWSH), "-NoProfile", "-NoLogo"], stdin=slave, stdout=slave, stderr=slave,
            env=env, cwd=ROOT, start_new_session=True,
            # the pty becomes the controlling terminal, so ^C reaches pwsh as a terminal key
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        self.seen = ""

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def key(self, data: bytes) -> None:
        os.write(self.master, data)

    def expect(self, pattern: str, what: str) -> str:
        """Wait (bounded) until the output since the last match holds ``pattern``."""
        deadline = time.monotonic() + WAIT
        regex = re.compile(pattern)
        while True:
            shown = _ANSI.sub("", self.seen)
            match = regex.search(shown)
            if match:
                self.seen = shown[match.end():]
                return match.group(0)
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                pytest.fail(f"never saw {what} ({pattern!r}); the terminal shows:\n{self.seen}")
            self._read(min(left, 0.5))

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return
        try:
            chunk = os.read(self.master, 65536).decode("utf-8", "replace")
        except OSError:  # the child closed the terminal
            time.sleep(timeout)  # a closed pty stays readable: do not spin
            return
        # PSReadLine asks where the cursor is and waits for the terminal's answer
        for _ in range(chunk.count(_CURSOR_QUERY)):
            os.write(self.master, b"\x1b[1;1R")
        self.seen += chunk

    def close(self) -> None:
        if self.proc.poll() is None:
            self.type("exit")
            deadline = time.monotonic() + 20
            while self.proc.poll() is None and time.monotonic() < deadline:
                self._read(0.2)  # answering PSReadLine's questions until pwsh has gone
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        os.close(self.master)


@pytest.mark.parametrize("transport", ["stdio", "inprocess"])
def test_ctrl_c_stops_a_stream_at_once_and_update_goes_on(gradio6_app: RunningApp,
                                                          transport: str) -> None:
    env = {**os.environ, "POWERSHAI_PY_TRANSPORT": transport, "TERM": "xterm",
           "POWERSHELL_TELEMETRY_OPTOUT": "1", "POWERSHELL_UPDATECHECK": "Off"}
    term = Terminal(env)
    key = f"ctrlc-{transport}-{os.getpid()}"
    try:
        term.expect(r"PS [^>]*> ", "the first prompt")
        # Markers are built by concatenation, so the terminal's echo of a typed line never
        # matches what only the command's output can print.
        term.type(f". '{HELPERS}'; $null = Import-PshaiTestModule; "
                  f"$s = New-GradioSession '{gradio6_app.url}' -Name ctrlc; "
                  f"$call = Invoke-GradioSessionApi gated @('{key}') -session $s; "
                  "'REA' + 'DY'")
        term.expect(r"REA" r"DY", "the session and the call")
        term.expect(r"PS [^>]*> ", "the prompt")
        term.type("$call | Update-GradioSessionApiResult | "
                  "ForEach-Object { 'GO' + 'T=' + @($_.data)[0] }")
        term.expect(f"GOT={key}: waiting", "the first partial, with the app now holding its gate")

        term.key(b"\x03")
        # Back at the prompt while the app still holds the gate: the stream stopped at once.
        term.type("'BA' + 'CK ' + $call.ApiEvent.Status")
        status = term.expect(r"BACK \w+", "the prompt after Ctrl+C")
        assert status != "BACK complete", "the stream was read to its end instead of stopped"

        term.type(f"$null = Invoke-GradioSessionApi release_gate @('{key}') -session $s | "
                  "Update-GradioSessionApiResult; $call | Update-GradioSessionApiResult | "
                  "ForEach-Object { 'AFT' + 'ER=' + $_.event + '=' + @($_.data)[0] }")
        # "released" (not "timed out"): the later Update continued the same job in time
        term.expect(f"AFTER=\\w+={key}: released", "the rest of the stream after Ctrl+C")
        term.expect(f"AFTER=complete={key}: released", "the call's end")
        term.type("'ali' + 've ' + (Get-GradioSession ctrlc).name")
        term.expect("alive ctrlc", "the session, still there")
        assert term.proc.poll() is None, "Ctrl+C ended pwsh itself"
    finally:
        term.close()
