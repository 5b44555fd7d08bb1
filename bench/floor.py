"""The floor: the least work any client must do for one Gradio /call round trip.

One pooled ``httpx.Client``; ``POST {P}/call/<api>`` for the event id, then ``GET`` the event's
stream parsed with httpx-sse until ``complete``. No discovery per call, no bookkeeping, no
threads: everything our Python API and PowerShell module add shows up as the difference.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import httpx_sse


def api_root(base_url: str) -> str:
    """The app's API root (base URL + /config's ``api_prefix``, e.g. ``/gradio_api``)."""
    config = httpx.get(base_url.rstrip("/") + "/config", timeout=10.0).json()
    return base_url.rstrip("/") + str(config.get("api_prefix") or "")


def new_client() -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(60.0),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=200),
    )


def call(http: httpx.Client, root: str, api: str, data: list[Any],
         session_hash: str | None = None) -> Any:
    """One round trip; returns the ``complete`` payload.

    Without ``session_hash`` Gradio gives the event its own id as session; with one (what
    powershai_py sends on Gradio 6, one per session), Gradio reuses its per-session state,
    which is about 2 ms cheaper per call on the server.
    """
    body: dict[str, Any] = {"data": data}
    if session_hash:
        body["session_hash"] = session_hash
    response = http.post(f"{root}/call/{api}", json=body)
    response.raise_for_status()
    event_id = response.json()["event_id"]
    with httpx_sse.connect_sse(http, "GET", f"{root}/call/{api}/{event_id}") as source:
        for sse in source.iter_sse():
            if sse.event == "complete":
                return json.loads(sse.data)
            if sse.event == "error":
                raise RuntimeError(f"{api} failed: {sse.data}")
    raise RuntimeError(f"{api}: stream ended before 'complete'")


def stream_delays(http: httpx.Client, root: str, count: int, delay: float) -> list[float]:
    """Receive time minus the server's stamp for each ``generating`` message of ``stamped``."""
    response = http.post(f"{root}/call/stamped", json={"data": [count, delay]})
    response.raise_for_status()
    event_id = response.json()["event_id"]
    delays: list[float] = []
    with httpx_sse.connect_sse(http, "GET", f"{root}/call/stamped/{event_id}") as source:
        for sse in source.iter_sse():
            if sse.event == "generating":
                now = time.time()
                delays.append(now - float(json.loads(sse.data)[0]["t"]))
            elif sse.event in ("complete", "error"):
                break
    return delays


def fn_index(base_url: str, api: str) -> int:
    """The dependency id ``/queue/join`` wants for ``api`` (from ``/config``)."""
    config = httpx.get(base_url.rstrip("/") + "/config", timeout=10.0).json()
    for position, dep in enumerate(config.get("dependencies", [])):
        if dep.get("api_name") == api:
            return int(dep.get("id", position))
    raise KeyError(api)


def queue_call(http: httpx.Client, root: str, fn: int, data: list[Any],
               session_hash: str) -> Any:
    """One round trip on the queue protocol, as Gradio's own clients make it.

    ``POST {P}/queue/join``, then ``GET {P}/queue/data?session_hash=`` until ``process_completed``
    of that event; the stream is read on to its end (``close_stream``, then the end of the body)
    so its connection goes back to the pool.
    """
    response = http.post(f"{root}/queue/join",
                         json={"data": data, "fn_index": fn, "session_hash": session_hash})
    response.raise_for_status()
    event_id = response.json()["event_id"]
    result: Any = None
    with httpx_sse.connect_sse(http, "GET", f"{root}/queue/data",
                               params={"session_hash": session_hash}) as source:
        events = source.iter_sse()
        for sse in events:
            message = json.loads(sse.data)
            kind = message.get("msg")
            if kind == "process_completed" and message.get("event_id") == event_id:
                output = message.get("output") or {}
                if not message.get("success"):
                    raise RuntimeError(f"queue call failed: {output}")
                result = output.get("data")
            elif kind == "close_stream":
                # Read on to the end of the body so the connection goes back to the pool.
                for _ in events:
                    pass
                break
    if result is None:
        raise RuntimeError("the queue stream ended before process_completed")
    return result
