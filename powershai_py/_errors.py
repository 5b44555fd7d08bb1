"""One exception tree for the whole package.

Every error a user can meet carries a stable ``error_id`` (PowerShai's id where PowerShai has one,
a new id in the same style otherwise) and a PowerShell ``category`` name. The worker turns them into
JSON-RPC errors and the PowerShell module into ErrorRecords whose ErrorId is ``error_id``. Messages
begin with ``"<error_id>: "``, as PowerShai's did, because scripts match on that prefix.

    PowershaiPyError
    ├── GradioConnectionError      the app cannot be reached / is not a Gradio app / HTTP failure
    │   ├── AuthenticationFailed   401 / wrong login
    │   └── QueueFullError         503 queue full
    ├── ApiNotFound                unknown endpoint name
    ├── InvalidParams              wrong parameter names or values
    ├── SessionError               duplicate name, no default, not found
    ├── EventNotFound              unknown event id in a session
    ├── MaxCallsReached            MaxCallsPolicy = error
    ├── FileNotFoundForUpload      a local file that does not exist
    ├── UnsafeDownload             a server file name that would escape the download folder
    ├── SpaceError                 Hugging Face Space lookup / wake-up failures
    └── InvalidArgument            anything else a caller passed wrong
"""

from __future__ import annotations

__all__ = [
    "ApiNotFound",
    "AuthenticationFailed",
    "EventNotFound",
    "FileNotFoundForUpload",
    "GradioConnectionError",
    "InvalidArgument",
    "InvalidParams",
    "MaxCallsReached",
    "PowershaiPyError",
    "QueueFullError",
    "SessionError",
    "SpaceError",
    "UnsafeDownload",
]


class PowershaiPyError(Exception):
    """Root of every error raised on purpose by powershai_py."""

    error_id = "POWERSHAI_PY_ERROR"
    category = "NotSpecified"

    def __init__(self, text: str, *, error_id: str | None = None, category: str | None = None):
        if error_id is not None:
            self.error_id = error_id
        if category is not None:
            self.category = category
        self.text = text
        super().__init__(f"{self.error_id}: {text}")


class GradioConnectionError(PowershaiPyError):
    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_CONNECTION"
    category = "ConnectionError"
    status: int | None = None  # the HTTP status, when the server answered with an error one


class AuthenticationFailed(GradioConnectionError):
    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_AUTH"
    category = "AuthenticationError"


class QueueFullError(GradioConnectionError):
    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_QUEUEFULL"
    category = "ResourceUnavailable"


class ApiNotFound(PowershaiPyError):
    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI"
    category = "ObjectNotFound"


class InvalidParams(PowershaiPyError):
    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_PARAMS"
    category = "InvalidArgument"


class SessionError(PowershaiPyError):
    error_id = "POWERSHAI_HUGGINGFACE_GRADIOSESSION"
    category = "InvalidOperation"


class EventNotFound(PowershaiPyError):
    error_id = "POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT"
    category = "ObjectNotFound"


class MaxCallsReached(PowershaiPyError):
    # PowerShai spells this id with "HUGINGFACE"; scripts match on it, so it stays.
    error_id = "POWERSHAI_HUGINGFACE_GRADIOAPI_MAXCALLS"
    category = "LimitsExceeded"


class FileNotFoundForUpload(PowershaiPyError):
    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_SENDFILESESSIN_NOTFOUND"
    category = "ObjectNotFound"


class UnsafeDownload(PowershaiPyError):
    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_DOWNLOAD_UNSAFE"
    category = "SecurityError"


class SpaceError(PowershaiPyError):
    error_id = "POWERSHAI_HUGGINGFACE_SPACE"
    category = "ResourceUnavailable"


class InvalidArgument(PowershaiPyError):
    error_id = "POWERSHAI_PY_INVALID_ARGUMENT"
    category = "InvalidArgument"


# Ids of the session lookups, kept as named constants because several places raise them.
SESSION_DUPLICATE = "POWERSHAI_HUGGINGFACE_GRADIOSESSION"
SESSION_NO_DEFAULT = "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_DEFAULT"
SESSION_NOT_FOUND = "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND"
NOT_GRADIO = "POWERSHAI_HUGGINGFACE_GRADIO_NOTGRADIO"
UNREACHABLE = "POWERSHAI_HUGGINGFACE_GRADIO_UNREACHABLE"
HTTP_STATUS = "POWERSHAI_HUGGINGFACE_GRADIO_HTTP"
STREAM_CUT = "POWERSHAI_HUGGINGFACE_GRADIO_STREAMCUT"
EVENT_COMPLETED = "POWERSHAI_HUGGINGFACE_GRADIO_EVENTCOMPLETED"
