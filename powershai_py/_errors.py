"""One exception tree for the whole package: one class per error id.

Every error a user can meet carries a stable ``error_id`` (PowerShai's id where PowerShai has one,
a new id in the same style otherwise) and a PowerShell ``category`` name. The worker turns them into
JSON-RPC errors and the PowerShell module into ErrorRecords whose ErrorId is ``error_id``. Messages
begin with ``"<error_id>: "``, as PowerShai's did, because scripts match on that prefix. Python code
catches by condition: ``except Unreachable``, ``except StreamCut``, ``except SpaceError``.

    PowershaiPyError
    ├── GradioConnectionError      the app cannot be used over HTTP
    │   ├── Unreachable            no connection, or it broke before an answer
    │   ├── RequestTimeout         no answer in time
    │   │   ├── ConnectTimeout     no connection within the session's connect limit
    │   │   ├── ReadTimeout        the server went silent longer than the read limit
    │   │   └── CallTimeout        a call did not end within the whole-call limit
    │   ├── NotGradio              what answered is not a Gradio app (or a sleeping Space's page)
    │   ├── HttpStatusError        an HTTP error status the other classes do not name
    │   ├── TooManyRedirects       more redirects than allowed
    │   ├── AuthenticationFailed   401 / wrong login
    │   ├── QueueFullError         503 queue full
    │   └── StreamCut              a result stream ended before its last message
    │       └── StreamInvalid      a result stream sent something that is not Gradio's protocol
    ├── ApiNotFound                unknown endpoint name
    ├── InvalidParams              wrong parameter names or values
    ├── SessionError               duplicate name, closed session
    │   ├── NoDefaultSession       "." without a default session
    │   └── SessionNotFound        no (or more than one) session matches
    ├── AppError                   the app answered a call with an error (predict)
    │   └── CallCancelled          the call was cancelled before it ended (predict)
    ├── EventNotFound              unknown event id in a session
    ├── EventCompleted             the event has completed already
    ├── MaxCallsReached            MaxCallsPolicy = error
    ├── FileNotFoundForUpload      a local file that does not exist
    ├── UnsafeDownload             a server file name that would escape the download folder
    ├── SpaceError                 Hugging Face Space lookup / wake-up failures
    │   ├── SpaceNotFound, SpaceTimeout, SpacePaused, SpaceFailed, SpaceNotGradio
    ├── ProxyError                 proxy functions (New-GradioSessionApiProxyFunction & co.)
    │   ├── ProxyNoSession, ProxyExists, ProxyNotFound, ProxyParamError, ProxyInvokeFailed
    └── InvalidArgument            anything else a caller passed wrong
        └── InvalidUrl             a URL that is not http(s)://host[:port][/path]

Only the root takes an ``error_id`` argument, for ids that come from elsewhere (a relayed error);
the package itself raises the classes below.
"""

from __future__ import annotations

__all__ = [
    "ApiNotFound",
    "AppError",
    "AuthenticationFailed",
    "CallCancelled",
    "CallTimeout",
    "ConnectTimeout",
    "EventCompleted",
    "EventNotFound",
    "FileNotFoundForUpload",
    "GradioConnectionError",
    "HttpStatusError",
    "InvalidArgument",
    "InvalidToken",
    "InvalidParams",
    "InvalidUrl",
    "MaxCallsReached",
    "NoDefaultSession",
    "NotGradio",
    "PowershaiPyError",
    "ProxyError",
    "ProxyExists",
    "ProxyInvokeFailed",
    "ProxyNoSession",
    "ProxyNotFound",
    "ProxyParamError",
    "QueueFullError",
    "ReadTimeout",
    "RequestTimeout",
    "SessionError",
    "SessionNotFound",
    "SpaceError",
    "SpaceFailed",
    "SpaceNotFound",
    "SpaceNotGradio",
    "SpacePaused",
    "SpaceTimeout",
    "StreamCut",
    "StreamInvalid",
    "TlsUnverified",
    "TooManyRedirects",
    "Unreachable",
    "UnsafeDownload",
]


class PowershaiPyError(Exception):
    """Root of every error raised on purpose by powershai_py."""

    error_id = "POWERSHAI_PY_ERROR"
    category = "NotSpecified"

    def __init__(self, text: str, *, error_id: str | None = None, category: str | None = None,
                 status: int | None = None) -> None:
        if error_id is not None:
            self.error_id = error_id
        if category is not None:
            self.category = category
        self.text = text
        self.status = status  # the HTTP status, when a server answered with an error one
        super().__init__(f"{self.error_id}: {text}")


# -- HTTP and the wire ------------------------------------------------------------------------


class GradioConnectionError(PowershaiPyError):
    """The app cannot be used over HTTP (parent of every connection, status and stream error)."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_CONNECTION"
    category = "ConnectionError"


class Unreachable(GradioConnectionError):
    """No connection to the server, or the connection broke before it answered."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_UNREACHABLE"


class TlsUnverified(Unreachable):
    """The server's TLS certificate or hostname did not verify, so nothing was sent to it."""

    error_id = "POWERSHAI_PY_TLS_UNVERIFIED"
    category = "SecurityError"


class RequestTimeout(GradioConnectionError):
    """The server did not connect or answer within the time allowed."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_TIMEOUT"
    category = "OperationTimeout"


class ConnectTimeout(RequestTimeout):
    """No TCP/TLS connection within the session's connect limit (``ConnectTimeoutSec``)."""

    error_id = "POWERSHAI_PY_CONNECT_TIMEOUT"


class ReadTimeout(RequestTimeout):
    """The server sent nothing for longer than the read limit (``ReadTimeoutSec``): no answer to
    a request, or a silence between two messages of a result stream."""

    error_id = "POWERSHAI_PY_READ_TIMEOUT"


class CallTimeout(RequestTimeout):
    """A call did not reach its last result within the whole-call limit (``CallTimeoutSec``),
    counted from the invoke; heartbeats do not extend it."""

    error_id = "POWERSHAI_PY_CALL_TIMEOUT"


class NotGradio(GradioConnectionError):
    """What answered is not a Gradio app: no /config nor /info, or HTML where JSON or a stream
    was due (what a sleeping Space or a login page of a proxy answers)."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_NOTGRADIO"


class HttpStatusError(GradioConnectionError):
    """An HTTP error status (``status``) that no more precise class names."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_HTTP"


class TooManyRedirects(GradioConnectionError):
    """The server redirected more times than allowed."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_REDIRECTS"


class AuthenticationFailed(GradioConnectionError):
    """The app needs a login (HTTP 401), or the login was refused."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_AUTH"
    category = "AuthenticationError"


class QueueFullError(GradioConnectionError):
    """The app's queue is full (HTTP 503)."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_QUEUEFULL"
    category = "ResourceUnavailable"


class StreamCut(GradioConnectionError):
    """A result stream ended (reset, closed, silent too long) before its last message."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_STREAMCUT"


class StreamInvalid(StreamCut):
    """A result stream sent what Gradio never sends (data that is not JSON, broken lines)."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_STREAMINVALID"
    category = "InvalidData"


# -- the calls ----------------------------------------------------------------------------------


class ApiNotFound(PowershaiPyError):
    """The app has no endpoint of that name."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI"
    category = "ObjectNotFound"


class InvalidParams(PowershaiPyError):
    """Wrong parameter names or values for an endpoint."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_PARAMS"
    category = "InvalidArgument"


class SessionError(PowershaiPyError):
    """A session cannot be used as asked (a name taken already, a closed session)."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIOSESSION"
    category = "InvalidOperation"


class NoDefaultSession(SessionError):
    """The default session was asked for and there is none."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_DEFAULT"
    category = "ObjectNotFound"


class SessionNotFound(SessionError):
    """No session, or more than one, matches what was given."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND"
    category = "ObjectNotFound"


class AppError(PowershaiPyError):
    """The app answered a call with an error (``session.predict``). ``text`` is the app's message,
    or a hint to launch it with ``show_error=True`` when the server hid the reason; ``api_name``
    names the endpoint and ``call`` is the recorded call."""

    error_id = "POWERSHAI_PY_APP_ERROR"
    category = "InvalidResult"

    def __init__(self, text: str, *, api_name: str = "", call: object = None) -> None:
        super().__init__(text)
        self.api_name = api_name
        self.call = call


class CallCancelled(AppError):
    """The call was cancelled (``session.cancel``) before it ended, so it has no final value."""

    error_id = "POWERSHAI_PY_CALL_CANCELLED"
    category = "OperationStopped"


class EventNotFound(PowershaiPyError):
    """A session has no call with that event id."""

    error_id = "POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT"
    category = "ObjectNotFound"


class EventCompleted(PowershaiPyError):
    """The event has completed: its stream cannot be read again."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_EVENTCOMPLETED"
    category = "InvalidOperation"


class MaxCallsReached(PowershaiPyError):
    """The session holds MaxCalls calls and its policy is ``error``."""

    # PowerShai spells this id with "HUGINGFACE"; scripts match on it, so it stays.
    error_id = "POWERSHAI_HUGINGFACE_GRADIOAPI_MAXCALLS"
    category = "LimitsExceeded"


class FileNotFoundForUpload(PowershaiPyError):
    """A local file to upload does not exist."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_SENDFILESESSIN_NOTFOUND"
    category = "ObjectNotFound"


class UnsafeDownload(PowershaiPyError):
    """A server file name that would be written outside the download folder."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_DOWNLOAD_UNSAFE"
    category = "SecurityError"


# -- Hugging Face Spaces ------------------------------------------------------------------------


class SpaceError(PowershaiPyError):
    """A Hugging Face Space could not be looked up or brought up (parent of the Space errors)."""

    error_id = "POWERSHAI_HUGGINGFACE_SPACE"
    category = "ResourceUnavailable"


class SpaceNotFound(SpaceError):
    """The Hub knows no such Space, or it is private and the token cannot see it."""

    error_id = "POWERSHAI_HUGGINGFACE_SPACE_NOTFOUND"
    category = "ObjectNotFound"


class SpaceTimeout(SpaceError):
    """The Space (or its app) did not come up within the time allowed."""

    error_id = "POWERSHAI_HUGGINGFACE_SPACE_TIMEOUT"
    category = "OperationTimeout"


class SpacePaused(SpaceError):
    """The Space was paused by its author: waiting will not start it."""

    error_id = "POWERSHAI_HUGGINGFACE_SPACE_PAUSED"


class SpaceFailed(SpaceError):
    """The Space is in an error stage (runtime, build, config): waiting will not start it."""

    error_id = "POWERSHAI_HUGGINGFACE_SPACE_RUNTIMEERROR"


class SpaceNotGradio(SpaceError):
    """The Space runs another SDK than Gradio."""

    error_id = "POWERSHAI_HUGGINGFACE_SPACE_NOTGRADIO"
    category = "InvalidType"


class InvalidToken(SpaceError):
    """The Hub refused the Hugging Face token (or none was given where one is needed)."""

    error_id = "INVALID_TOKEN"
    category = "AuthenticationError"


# -- proxy functions ----------------------------------------------------------------------------


class ProxyError(PowershaiPyError):
    """Parent of the proxy-function errors."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_APIPROXY"
    category = "InvalidOperation"


class ProxyNoSession(ProxyError):
    """The session a proxy function was made for is gone."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_APIPROXY_INVOKE_NOSESSION"
    category = "ObjectNotFound"


class ProxyExists(ProxyError):
    """A function of that name exists already (and replacing it was not asked for)."""

    error_id = "POWERSHAI_HUGGINGFACE_NEWGRADIOPROXY_EXISTS"
    category = "ResourceExists"


class ProxyNotFound(ProxyError):
    """No proxy function of that name."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_PROXYFUNCTION_NOTFOUND"
    category = "ObjectNotFound"


class ProxyParamError(ProxyError):
    """A proxy function's parameters could not be mapped to the endpoint's."""

    # PowerShai's spelling (three R), kept because scripts match on it.
    error_id = "POWERSHAI_HUGGINGFACE_PROXY_PARAMERRROR"
    category = "InvalidArgument"


class ProxyInvokeFailed(ProxyError):
    """A dynamic call (Invoke-GradioDynamicApi) cannot be made: no endpoint named."""

    error_id = "POWERSHAI_HUGGINGFACE_GRADIO_APIINVOKE"
    category = "ObjectNotFound"


# -- the caller's values ------------------------------------------------------------------------


class InvalidArgument(PowershaiPyError):
    """A value the caller passed is wrong (the message says which and why)."""

    error_id = "POWERSHAI_PY_INVALID_ARGUMENT"
    category = "InvalidArgument"


class InvalidUrl(InvalidArgument):
    """A URL that is not ``http(s)://host[:port][/path]`` (refused before any request)."""

    error_id = "POWERSHAI_PY_INVALID_URL"


def error_classes() -> list[type[PowershaiPyError]]:
    """Every class of the tree (the root first): one per error id."""
    found: list[type[PowershaiPyError]] = []
    pending: list[type[PowershaiPyError]] = [PowershaiPyError]
    while pending:
        cls = pending.pop(0)
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return [c for c in found if c.__module__ == __name__]


# Ids used as text (inside result messages), and older names of a few ids.
STREAM_CUT = StreamCut.error_id
STREAM_INVALID = StreamInvalid.error_id
UNREACHABLE = Unreachable.error_id
NOT_GRADIO = NotGradio.error_id
HTTP_STATUS = HttpStatusError.error_id
SESSION_DUPLICATE = SessionError.error_id
SESSION_NO_DEFAULT = NoDefaultSession.error_id
SESSION_NOT_FOUND = SessionNotFound.error_id
EVENT_COMPLETED = EventCompleted.error_id
