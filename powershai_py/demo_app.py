"""The demo's Gradio app: a tiny story teller whose ``/tell`` endpoint streams its text.

Shipped inside the package so that ``python -m powershai_py demo`` works from an installed wheel.
It runs under whatever Python has Gradio (4, 5 or 6), not necessarily the one that has
powershai_py, so it imports nothing from the package:

    python powershai_py/demo_app.py --port 7860
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import gradio as gr

# How long each word takes: slow enough to watch the stream, quick enough to not bore.
WORD_DELAY = 0.15


def story_words(topic: str) -> list[str]:
    """The story, as words: it is about the topic it is given, from the first sentence."""
    subject = " ".join((topic or "").split()) or "about tea"
    text = (
        f"A story {subject}. Once upon a time a PowerShell script and a Python program asked "
        f"a Gradio app for a story {subject}, and the app told it word by word, "
        "so both could read it as it was written."
    )
    return text.split()


def tell(topic: str, words: float, progress: Any = gr.Progress()) -> Any:  # noqa: B008
    """Yield the story so far, one more word each time, reporting progress (a generator)."""
    story = story_words(topic)
    count = max(1, min(int(words or len(story)), len(story)))
    told: list[str] = []
    for index in range(count):
        time.sleep(WORD_DELAY)
        told.append(story[index])
        progress((index + 1, count), desc="telling", unit="words")
        yield " ".join(told)


def shout(text: str) -> str:
    """A plain (non-streaming) endpoint."""
    return (text or "").upper() + "!"


def build() -> Any:
    with gr.Blocks(title="powershai-py demo") as app:
        topic = gr.Textbox(label="Topic", value="about tea")
        words = gr.Number(label="Words", value=12)
        story = gr.Textbox(label="Story")
        tell_button = gr.Button("Tell")
        shout_button = gr.Button("Shout")
        tell_button.click(tell, [topic, words], story, api_name="tell")
        shout_button.click(shout, topic, story, api_name="shout")
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="The powershai-py demo's Gradio app.")
    parser.add_argument("--port", type=int, default=7860)
    options = parser.parse_args()
    extra = {"ssr_mode": False} if int(gr.__version__.split(".")[0]) >= 5 else {}
    build().queue().launch(server_name="127.0.0.1", server_port=options.port,
                           quiet=True, **extra)


if __name__ == "__main__":
    main()
