"""Gradio app used by the test suite, the benchmarks and the demos.

One source file that runs unchanged on Gradio 4.44.1, 5.50.0 and 6.31.0:

    GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 GRADIO_SERVER_NAME=127.0.0.1 \\
        python tests/apps/gradio_test_app.py --port 7860 [--auth user:pass] [--show-error]

Every endpoint has an explicit api_name; the Python parameter names are part of the contract
(Gradio's /info shows them as parameter_name).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

MAJOR = int(gr.__version__.split(".")[0])


def echo(text: str) -> str:
    return f"echo: {text}"


def partials(count: float = 4, delay: float = 0.3) -> Iterator[str]:
    for i in range(int(count)):
        time.sleep(float(delay))
        yield f"part {i}"


def stamped(count: float = 10, delay: float = 0.1) -> Iterator[dict[str, Any]]:
    for i in range(int(count)):
        if i:
            time.sleep(float(delay))
        yield {"i": i, "t": time.time()}


def flood(count: float = 1000) -> Iterator[str]:
    for i in range(int(count)):
        yield f"item {i}"


def fail_gradio(text: str) -> str:
    raise gr.Error(f"bad input: {text}")


def fail_plain(text: str) -> str:
    raise RuntimeError("something broke")


def file_echo(file: str | None) -> tuple[str | None, str]:
    if not file:
        return None, "none:0"
    name = os.path.basename(file)
    out_dir = tempfile.mkdtemp(prefix="file_echo_")
    out_path = os.path.join(out_dir, "echo-" + name)
    shutil.copyfile(file, out_path)
    return out_path, f"{name}:{os.path.getsize(file)}"


def counter(text: str, state: int | None) -> tuple[str, int]:
    n = (state or 0) + 1
    return f"{text} #{n}", n


def typed(
    number: float | None,
    slider: float,
    flag: bool,
    choice: str | None,
    doc: str | None,
    picture: str | None,
) -> str:
    doc_name = os.path.basename(doc) if doc else "none"
    picture_name = os.path.basename(picture) if picture else "none"
    return (
        f"number={number!r} slider={slider!r} flag={flag!r} choice={choice!r} "
        f"doc={doc_name} picture={picture_name}"
    )


def Op1(val: str) -> str:  # name mirrors PowerShai's own test app
    return val


def Op2(MaxNums: float = 5, sleep: float = 50) -> Iterator[str]:
    yield "--start--"
    for i in range(1, int(MaxNums) + 1):
        time.sleep(float(sleep) / 1000.0)
        yield str(i)
    yield "--end--"


def slow(seconds: float = 20) -> str:
    time.sleep(float(seconds))
    return "slept"


def bench_noop(x: str) -> str:
    return x


def grow(count: float = 4, delay: float = 0.1) -> Iterator[str]:
    """A growing string: the queue protocol sends each update as an ``append`` diff."""
    text = ""
    for i in range(int(count)):
        if i:
            time.sleep(float(delay))
        text += f"w{i} "
        yield text


def progress_logs(steps: float = 3, progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008
    """gr.Progress updates and gr.Info / gr.Warning logs (seen only through the queue)."""
    bar = progress
    gr.Info(f"starting {int(steps)} steps")
    for i in range(int(steps)):
        bar((i + 1) / float(steps), desc=f"step {i + 1} of {int(steps)}")
        time.sleep(0.1)
    gr.Warning("almost done")
    return f"done {int(steps)}"


_gates: dict[str, threading.Event] = {}
_gates_lock = threading.Lock()
GATE_TIMEOUT = 20.0


def _gate(key: str) -> threading.Event:
    with _gates_lock:
        return _gates.setdefault(key, threading.Event())


def gated(key: str) -> Iterator[str]:
    """Yields "waiting", then holds until release_gate(key) ran: a client that only gets the
    first partial at the end sees "timed out" instead of "released"."""
    yield f"{key}: waiting"
    released = _gate(key).wait(GATE_TIMEOUT)
    yield f"{key}: released" if released else f"{key}: timed out"


def release_gate(key: str) -> str:
    _gate(key).set()
    return f"{key}: opened"


def build() -> gr.Blocks:
    with gr.Blocks(title="powershai-py test app") as demo:
        gr.Markdown("Test app for powershai-py: every button below is an API endpoint.")
        text_in = gr.Textbox(label="Text to send", value="hello")
        text_out = gr.Textbox(label="Text result")
        btn = gr.Button("Run")

        btn.click(echo, text_in, text_out, api_name="echo")

        count = gr.Number(label="How many parts", value=4, precision=0)
        delay = gr.Number(label="Seconds between parts", value=0.3)
        btn.click(partials, [count, delay], text_out, api_name="partials")

        stamp_count = gr.Number(label="How many stamps", value=10, precision=0)
        stamp_delay = gr.Number(label="Seconds between stamps", value=0.1)
        stamp_out = gr.JSON(label="Stamp (index and server time)")
        btn.click(stamped, [stamp_count, stamp_delay], stamp_out, api_name="stamped")

        flood_count = gr.Number(label="How many outputs", value=1000, precision=0)
        btn.click(flood, flood_count, text_out, api_name="flood")

        btn.click(fail_gradio, text_in, text_out, api_name="fail_gradio")
        btn.click(fail_plain, text_in, text_out, api_name="fail_plain")

        file_in = gr.File(label="File to echo", type="filepath")
        file_out = gr.File(label="Echoed file")
        file_info = gr.Textbox(label="Name and size of the file received")
        btn.click(file_echo, file_in, [file_out, file_info], api_name="file_echo")

        state = gr.State(0)
        btn.click(counter, [text_in, state], [text_out, state], api_name="counter")

        number = gr.Number(label="A number")
        slider = gr.Slider(label="A slider from 0 to 10", minimum=0, maximum=10, step=1, value=5)
        flag = gr.Checkbox(label="A flag", value=True)
        choice = gr.Dropdown(label="A colour", choices=["red", "green", "blue"], value="green")
        doc = gr.File(label="A document", type="filepath")
        picture = gr.Image(label="A picture", type="filepath")
        btn.click(
            typed,
            [number, slider, flag, choice, doc, picture],
            text_out,
            api_name="typed",
        )

        val = gr.Textbox(label="Value to return unchanged")
        op1_out = gr.Textbox(label="Op1 result")
        btn.click(Op1, val, op1_out, api_name="Op1")

        max_nums = gr.Number(label="MaxNums", value=5, precision=0)
        sleep_ms = gr.Number(label="Milliseconds between numbers", value=50, precision=0)
        op2_out = gr.Textbox(label="Op2 result")
        btn.click(Op2, [max_nums, sleep_ms], op2_out, api_name="Op2")

        seconds = gr.Number(label="Seconds to sleep", value=20)
        btn.click(slow, seconds, text_out, api_name="slow")

        btn.click(bench_noop, text_in, text_out, api_name="bench_noop")

        # Added later: kept after the others so earlier endpoints keep their fn_index.
        grow_count = gr.Number(label="How many words", value=4, precision=0)
        grow_delay = gr.Number(label="Seconds between words", value=0.1)
        btn.click(grow, [grow_count, grow_delay], text_out, api_name="grow")

        steps = gr.Number(label="How many progress steps", value=3, precision=0)
        btn.click(progress_logs, steps, text_out, api_name="progress_logs")

        gate_key = gr.Textbox(label="Gate key")
        btn.click(gated, gate_key, text_out, api_name="gated")
        btn.click(release_gate, gate_key, text_out, api_name="release_gate")
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--auth", default=None, help="user:pass to require a login")
    parser.add_argument("--show-error", action="store_true", help="send exception texts")
    args = parser.parse_args()

    demo = build()
    # No per-endpoint concurrency limit: many concurrent calls must run at once.
    demo.queue(default_concurrency_limit=None)
    launch: dict[str, Any] = {
        "server_name": "127.0.0.1",
        "server_port": args.port,
        "share": False,
        "max_threads": 200,
        "show_error": args.show_error,
    }
    if args.auth:
        user, _, password = args.auth.partition(":")
        launch["auth"] = (user, password)
    if MAJOR >= 5:
        launch["ssr_mode"] = False
    demo.launch(**launch)


if __name__ == "__main__":
    main()
