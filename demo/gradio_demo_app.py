"""The demo's Gradio app: a tiny "story teller" whose main endpoint streams its text.

Runs on Gradio 4, 5 and 6: ``python demo/gradio_demo_app.py --port 7860``.
"""

from __future__ import annotations

import argparse
import time

import gradio as gr

WORDS = "Once upon a time a PowerShell script asked a Gradio app for a story".split()


def tell(topic: str, words: float) -> object:
    """Yield the story so far, one more word each 0.25 s (a generator endpoint)."""
    told: list[str] = []
    for word in (WORDS + (topic or "tea").split())[: int(words)]:
        time.sleep(0.25)
        told.append(word)
        yield " ".join(told)


def shout(text: str) -> str:
    return (text or "").upper() + "!"


def build() -> gr.Blocks:
    with gr.Blocks(title="powershai-py demo") as app:
        topic = gr.Textbox(label="Topic", value="about tea")
        words = gr.Number(label="Words", value=8)
        story = gr.Textbox(label="Story")
        button = gr.Button("Tell")
        button.click(tell, [topic, words], story, api_name="tell")
        button.click(shout, topic, story, api_name="shout")
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=7860)
    options = parser.parse_args()
    extra = {"ssr_mode": False} if int(gr.__version__.split(".")[0]) >= 5 else {}
    build().queue().launch(server_name="127.0.0.1", server_port=options.port, **extra)
