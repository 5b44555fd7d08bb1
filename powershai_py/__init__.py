"""powershai_py: drive Gradio apps and Hugging Face Spaces from Python and PowerShell.

    >>> import powershai_py as ps
    >>> with ps.connect("http://127.0.0.1:7860") as app:
    ...     print(app.predict("tell", topic="about tea", words=3))   # the value itself
    ...     call = app.submit("tell", topic="about coffee")   # or the results as they come
    ...     for result in call.update():
    ...         print(result.event, result.data)
"""

from __future__ import annotations

from ._auth import resolve_token
from ._client import AppInfo, GradioClient, normalize_app_url
from ._errors import (
    ApiNotFound,
    AppError,
    AuthenticationFailed,
    CallCancelled,
    EventNotFound,
    FileNotFoundForUpload,
    GradioConnectionError,
    InvalidArgument,
    InvalidParams,
    InvalidToken,
    MaxCallsReached,
    PowershaiPyError,
    QueueFullError,
    SessionError,
    SpaceError,
    UnsafeDownload,
)
from ._events import ApiEventResult, GradioApiEvent, PowershaiPyWarning, SessionApiEvent
from ._hub_commands import get_space, list_spaces, set_token, start_space, wait_space, whoami
from ._options import SessionOptions
from ._param_types import gradio_param_type
from ._predict import connect, final_value
from ._registry import SessionRegistry
from ._session import GradioSession

__version__ = "0.1.0"

__all__ = [
    "ApiEventResult",
    "ApiNotFound",
    "AppError",
    "AppInfo",
    "AuthenticationFailed",
    "CallCancelled",
    "EventNotFound",
    "FileNotFoundForUpload",
    "GradioApiEvent",
    "GradioClient",
    "GradioConnectionError",
    "GradioSession",
    "InvalidArgument",
    "InvalidParams",
    "InvalidToken",
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
    "connect",
    "final_value",
    "get_space",
    "gradio_param_type",
    "list_spaces",
    "normalize_app_url",
    "resolve_token",
    "set_token",
    "start_space",
    "wait_space",
    "whoami",
]
