"""The Gradio wire vocabulary: routes, event names, FileData helpers.

Facts come from docs/GRADIO-PROTOCOL.md (observed on Gradio 4.44.1, 5.50.0 and 6.31.0).
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal, TypedDict
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

class QueueMessage(str, Enum):
    """The ``msg`` of a message on ``GET {P}/queue/data`` (docs/GRADIO-PROTOCOL.md 4)."""

    ESTIMATION = "estimation"  # the job's place in the queue
    PROCESS_STARTS = "process_starts"  # a worker took the job
    PROCESS_GENERATING = "process_generating"  # a partial result (diffs after the first)
    PROCESS_COMPLETED = "process_completed"  # the last word on a job: result or error
    PROGRESS = "progress"  # gr.Progress updates
    LOG = "log"  # gr.Info / gr.Warning
    HEARTBEAT = "heartbeat"  # keeps the stream open; no event id
    CLOSE_STREAM = "close_stream"  # the server ends the stream (no job pending)
    UNEXPECTED_ERROR = "unexpected_error"  # the server failed outside any job


class ProcessOutput(TypedDict, total=False):
    """``output`` of process_generating / process_completed."""

    data: list[Any]
    error: str | None
    is_generating: bool
    duration: float
    average_duration: float


class ProgressUnit(TypedDict, total=False):
    """One entry of a progress message's ``progress_data``."""

    index: int | None
    length: int | None
    unit: str | None
    progress: float | None
    desc: str | None


class QueueMessageDict(TypedDict, total=False):
    """One decoded ``/queue/data`` message (every kind: each uses some of these keys)."""

    msg: str  # a QueueMessage value
    event_id: str
    success: bool
    output: ProcessOutput
    rank: int  # estimation
    queue_size: int
    rank_eta: float | None
    eta: float | None  # process_starts
    progress_data: list[ProgressUnit] | None  # progress
    log: str  # log
    level: Literal["info", "warning"]
    message: str  # unexpected_error


class FileDataDict(TypedDict, total=False):
    """A file as Gradio describes it in values (``meta._type`` is ``gradio.FileData``)."""

    path: str
    url: str | None
    size: int | None
    orig_name: str | None
    mime_type: str | None
    is_stream: bool
    meta: dict[str, str]


# Event names on a /call stream.
GENERATING = "generating"
COMPLETE = "complete"
ERROR = "error"
HEARTBEAT = "heartbeat"
TERMINAL_EVENTS = frozenset({COMPLETE, ERROR})
# GradioApiEvent.Status of a call whose end came after the user asked to cancel it (not an event).
CANCELLED = "cancelled"
# ApiEvent.error when the server's error event carried no message (PowerShai's word).
UNKNOWN_ERROR = "UnknownError"
# Queue-protocol messages that are not results: side information on the event (its position in
# the queue, gr.Progress updates, gr.Info / gr.Warning logs).
ESTIMATION = QueueMessage.ESTIMATION.value
PROCESS_STARTS = QueueMessage.PROCESS_STARTS.value
PROGRESS = QueueMessage.PROGRESS.value
LOG = QueueMessage.LOG.value
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
