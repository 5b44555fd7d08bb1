"""The Gradio wire vocabulary: routes, event names, FileData helpers.

Facts come from docs/GRADIO-PROTOCOL.md (observed on Gradio 4.44.1, 5.50.0 and 6.31.0).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

# Routes below the API prefix ({P}: "" on Gradio 4, "/gradio_api" on 5 and 6).
INFO = "/info"
CALL = "/call/{api}"
CALL_STREAM = "/call/{api}/{event_id}"
UPLOAD = "/upload"
FILE = "/file={path}"
CANCEL = "/cancel"
RESET = "/reset"
QUEUE_JOIN = "/queue/join"
QUEUE_DATA = "/queue/data"
# Routes that are never prefixed.
CONFIG = "/config"
LOGIN = "/login"

GRADIO_API_PREFIX = "/gradio_api"

# Event names on a /call stream.
GENERATING = "generating"
COMPLETE = "complete"
ERROR = "error"
HEARTBEAT = "heartbeat"
TERMINAL_EVENTS = frozenset({COMPLETE, ERROR})
# Queue-protocol messages that are not results: side information on the event (its position in
# the queue, gr.Progress updates, gr.Info / gr.Warning logs).
ESTIMATION = "estimation"
PROCESS_STARTS = "process_starts"
PROGRESS = "progress"
LOG = "log"
STATUS_EVENTS = frozenset({ESTIMATION, PROCESS_STARTS, PROGRESS, LOG})

# PowerShai's LastQueryStatus values, plus ours for a stream the server cut.
QUERY_RUNNING = "running"
QUERY_COMPLETE = "complete"
QUERY_HEARTBEAT_EXPIRED = "HeartBeatExpired"
QUERY_STREAM_CUT = "StreamCut"

FILE_DATA_TYPE = "gradio.FileData"
FILE_DATA_META = {"_type": FILE_DATA_TYPE}

JsonDict = dict[str, Any]


def is_file_data(value: object) -> bool:
    """True for a FileData dict as Gradio sends it (or as a user builds it)."""
    if not isinstance(value, dict):
        return False
    meta = value.get("meta")
    if isinstance(meta, dict) and meta.get("_type") == FILE_DATA_TYPE:
        return True
    return "path" in value and ("orig_name" in value or "url" in value)


def file_url(api_root: str, path: str) -> str:
    """Download URL of a server path. Built from ``path`` because Gradio 4 sends broken urls."""
    return api_root + FILE.format(path=quote(path, safe="/:"))


def api_path(api_name: str) -> str:
    """Percent-encode an api name for a path segment (names may hold spaces, dots, '&')."""
    return quote(api_name.lstrip("/"), safe="")


def is_file_schema(parameter: JsonDict) -> bool:
    """True when an /info parameter takes a file (its type schema is titled FileData)."""
    schema = parameter.get("type")
    text = repr(schema)
    return "FileData" in text or parameter.get("python_type", {}).get("type") == "filepath"
