"""powershai_py: drive Gradio apps and Hugging Face Spaces from Python and PowerShell.

    >>> import powershai_py as ps
    >>> session = ps.GradioSession("http://127.0.0.1:7860").connect()
    >>> call = session.invoke("echo", ["hi"])
    >>> [r.data for r in call.update()]
"""

from __future__ import annotations

from ._auth import resolve_token
from ._client import AppInfo, GradioClient, normalize_app_url
from ._errors import (
    ApiNotFound,
    AuthenticationFailed,
    EventNotFound,
    FileNotFoundForUpload,
    GradioConnectionError,
    InvalidArgument,
    InvalidParams,
    MaxCallsReached,
    PowershaiPyError,
    QueueFullError,
    SessionError,
    SpaceError,
    UnsafeDownload,
)
from ._events import ApiEventResult, GradioApiEvent, PowershaiPyWarning, SessionApiEvent
from ._registry import SessionRegistry
from ._session import GradioSession, SessionOptions

__version__ = "0.1.0"

__all__ = [
    "ApiEventResult",
    "ApiNotFound",
    "AppInfo",
    "AuthenticationFailed",
    "EventNotFound",
    "FileNotFoundForUpload",
    "GradioApiEvent",
    "GradioClient",
    "GradioConnectionError",
    "GradioSession",
    "InvalidArgument",
    "InvalidParams",
    "MaxCallsReached",
    "PowershaiPyError",
    "PowershaiPyWarning",
    "QueueFullError",
    "SessionApiEvent",
    "SessionError",
    "SessionOptions",
    "SessionRegistry",
    "SpaceError",
    "UnsafeDownload",
    "__version__",
    "normalize_app_url",
    "resolve_token",
]
