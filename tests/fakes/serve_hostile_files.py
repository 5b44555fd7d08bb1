"""Serve a fake Gradio app whose `x` endpoint returns files with hostile names, for Pester.

Prints the app URL on one line, then serves until stdin closes. Run from the repo root.
"""

from __future__ import annotations

import json
import sys

from tests.fakes.fake_gradio import FakeGradio, Script

HOSTILE = ["../../evil.txt", "..\\..\\x.txt", "/etc/evil_abs.txt", "..", "sub/../../../mid.txt"]


def main() -> None:
    files = {f"/srv/out/{i}": f"file {i}".encode() for i in range(len(HOSTILE))}
    data = [{"path": f"/srv/out/{i}", "url": "http://ignored/", "orig_name": name,
             "meta": {"_type": "gradio.FileData"}} for i, name in enumerate(HOSTILE)]
    with FakeGradio({"x": Script([("complete", json.dumps([data]))])}, files=files) as fake:
        print(fake.url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
