"""``python -m powershai_py demo``: start the bundled Gradio app once and stream a story from it,
first from Python, then from PowerShell through the PowershaiPy module.

The app (``demo_app.py``, shipped in the package) needs a Python with Gradio: ``--gradio-python``,
else ``POWERSHAI_PY_DEMO_PYTHON``, else the checkout's ``.cache/venvs/gradio6`` (made by
``scripts/bootstrap.sh``), else this Python when it can import gradio. Nothing is written to disk:
the app's output is kept in memory and shown only when it fails to start.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

import httpx

from ._demo_support import (
    APP,
    DemoError,
    OutputTail,
    find_gradio_python,
    find_pwsh,
    free_port,
    text_of,
)
from ._psmodule import module_source
from ._registry import SessionRegistry

PS_SCRIPT = APP.with_name("demo.ps1")
START_TIMEOUT = 120.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m powershai_py demo",
        description="Start the bundled Gradio story app on 127.0.0.1, stream a story from it in "
        "Python, then in PowerShell (when pwsh is found), and stop the app.",
    )
    parser.add_argument("--topic", default="about tea", help="what the story is about "
                        "(default: %(default)r)")
    parser.add_argument("--words", type=int, default=12, help="how many words to tell "
                        "(default: %(default)s)")
    parser.add_argument("--url", help="use this running app instead of starting one")
    parser.add_argument("--gradio-python", help="the Python with Gradio that runs the app")
    parser.add_argument("--pwsh", help="the PowerShell to run the second half with "
                        "(default: the checkout's .tools/pwsh/pwsh, else pwsh on PATH)")
    parser.add_argument("--no-powershell", action="store_true",
                        help="run the Python half only")
    return parser


def say(out: TextIO, text: str) -> None:
    out.write(text + "\n")
    out.flush()


@contextlib.contextmanager
def running_app(out: TextIO, python: str) -> Iterator[str]:
    """Start the app, say what is happening while it starts, stop it on the way out."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Gradio keeps uploads and an edit history in its temp folder: one of ours, removed at exit.
    scratch = tempfile.TemporaryDirectory(prefix="powershai-py-demo-")
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1",
           "PYTHONUNBUFFERED": "1", "GRADIO_TEMP_DIR": scratch.name}
    say(out, f"demo: starting the story app on {url} with {python}")
    say(out, "demo: (Gradio takes a few seconds to import)")
    try:
        process = subprocess.Popen(
            [python, str(APP), "--port", str(port)], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    except OSError as exc:
        scratch.cleanup()
        raise DemoError(f"cannot start {python}: {exc.strerror or exc}") from None
    tail = OutputTail(process)
    try:
        started = time.monotonic()
        next_note = started + 5
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/config", timeout=2).status_code == 200:
                    break
            now = time.monotonic()
            if process.poll() is not None or now - started > START_TIMEOUT:
                raise DemoError("the story app did not start; its output:\n" + tail.text())
            if now >= next_note:
                say(out, f"demo: still starting ({now - started:.0f} s)")
                next_note = now + 5
            time.sleep(0.2)
        say(out, f"demo: the app is up after {time.monotonic() - started:.1f} s")
        yield url
    finally:
        say(out, "demo: stopping the story app")
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        tail.close()
        scratch.cleanup()


def python_half(out: TextIO, url: str, topic: str, words: int) -> str:
    """Stream the story through the Python API; return its text."""
    sessions = SessionRegistry()
    session = sessions.new(url, name="demo")
    say(out, f"Python: connected to {session.AppUrl} (Gradio {session.app.version})")
    say(out, f"Python: s.invoke('tell', {{'topic': {topic!r}, 'words': {words}}})")
    call = session.invoke("tell", {"topic": topic, "words": words})
    progress = {"text": ""}

    def status(kind: str, info: dict[str, Any]) -> None:
        if kind == "estimation" and isinstance(info.get("rank"), int):
            say(out, f"Python: queued, position {info['rank'] + 1} of {info.get('queue_size')}")
        elif kind == "process_starts":
            say(out, "Python: the app started the call")
        elif kind == "progress":
            units = info.get("progress_data") or [{}]
            unit = units[0] if isinstance(units[0], dict) else {}
            progress["text"] = f"{unit.get('index')}/{unit.get('length')} {unit.get('unit')}"

    start = time.monotonic()
    text = ""
    for result in call.update(status_hook=status):
        if result.event in ("generating", "complete"):
            text = text_of(result.data)
        say(out, f"  +{time.monotonic() - start:5.2f}s  #{result.num:<3} {result.event:<10} "
            f"{progress['text']:<10} {text_of(result.data)}")
    if call.ApiEvent.error is not None:
        raise DemoError(f"the call failed: {call.ApiEvent.error}")
    say(out, f"Python: the story: {text}")
    sessions.remove(session)
    return text


def powershell_half(out: TextIO, url: str, topic: str, words: int, pwsh: str) -> int:
    """Run the same call from PowerShell, against the same app."""
    say(out, f"demo: now the same from PowerShell ({pwsh})")
    out.flush()
    env = {**os.environ, "POWERSHAI_PY_PYTHON": sys.executable}
    command = [pwsh, "-NoLogo", "-NoProfile", "-NonInteractive", "-File", str(PS_SCRIPT),
               "-Url", url, "-Topic", topic, "-Words", str(words),
               "-ModulePath", str(module_source() / "PowershaiPy.psd1")]
    return subprocess.run(command, env=env, stdin=subprocess.DEVNULL, check=False).returncode


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Command-line entry point; returns the exit code (0 ok, 1 failed, 130 interrupted)."""
    args = _parser().parse_args(list(argv) if argv is not None else None)
    out = out or sys.stdout
    try:
        pwsh = None if args.no_powershell else find_pwsh(args.pwsh)
        if pwsh is None and not args.no_powershell:
            say(out, "demo: no pwsh found (pass --pwsh PATH): the PowerShell half is skipped")
        with contextlib.ExitStack() as stack:
            url = args.url or stack.enter_context(
                running_app(out, find_gradio_python(args.gradio_python)))
            python_half(out, url, args.topic, args.words)
            if pwsh is not None and powershell_half(out, url, args.topic, args.words, pwsh):
                raise DemoError("the PowerShell half failed (see above)")
    except DemoError as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        say(out, "demo: interrupted")
        return 130
    say(out, "demo: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
