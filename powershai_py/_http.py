"""HTTP plumbing shared by every caller of httpx: one error map, one safe redirect rule.

* :func:`http_errors` is the one place where httpx (and httpx-sse) exceptions become ours, the
  way httpx's own transport maps httpcore's: a table from their classes to ours, looked up by the
  exception's class hierarchy. Reading a stream changes the meaning of a broken connection (the
  results stop: :class:`~powershai_py._errors.StreamCut`) from what it means before any answer
  (:class:`~powershai_py._errors.Unreachable`).
* :func:`send` follows redirects itself, because httpx strips only ``Authorization`` when a
  redirect leaves the origin and our requests carry ``x-hf-authorization`` too. Credentials
  (``Authorization``, ``x-hf-authorization``, ``Proxy-Authorization``, ``Cookie``) go only to the
  origin they were given for; 301/302 turn a POST into a GET and 303 anything into a GET, without
  the body (what curl, requests and httpx do).
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import httpx_sse

from . import _errors as err

# (httpx class, our class while a stream is read, our class otherwise, what to say). The first
# row whose class the exception is an instance of wins, so the more precise classes come first.
_MAP: tuple[tuple[type[Exception], type[err.PowershaiPyError], type[err.PowershaiPyError], str],
            ...] = (
    # httpx-sse's error (a body that is not an event stream) derives from httpx.TransportError.
    (httpx_sse.SSEError, err.NotGradio, err.NotGradio, "not an event stream"),
    (httpx.InvalidURL, err.InvalidUrl, err.InvalidUrl, "not a usable URL"),
    (httpx.UnsupportedProtocol, err.InvalidUrl, err.InvalidUrl, "not an http(s) URL"),
    (httpx.TooManyRedirects, err.TooManyRedirects, err.TooManyRedirects, "too many redirects"),
    (httpx.ConnectTimeout, err.ConnectTimeout, err.ConnectTimeout, "timed out connecting"),
    (httpx.PoolTimeout, err.RequestTimeout, err.RequestTimeout,
     "timed out waiting for a free connection"),
    # Read and write: the server went silent (before its answer, or between two messages).
    (httpx.TimeoutException, err.ReadTimeout, err.ReadTimeout, "went silent for too long"),
    (httpx.ConnectError, err.Unreachable, err.Unreachable, "cannot connect"),
    (httpx.TransportError, err.StreamCut, err.Unreachable, "the connection broke"),
    (httpx.HTTPError, err.StreamCut, err.Unreachable, "HTTP failure"),
)

CREDENTIAL_HEADERS = frozenset({"authorization", "x-hf-authorization", "proxy-authorization",
                                "cookie"})
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


def _certificate_refused(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate check behind a failed connection, if that is why it failed."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def translate(exc: Exception, what: str, *, stream: bool = False) -> err.PowershaiPyError | None:
    """Our error for an httpx/httpx-sse exception (None for anything else)."""
    refused = _certificate_refused(exc) if isinstance(exc, httpx.ConnectError) else None
    if refused is not None:
        reason = refused.verify_message or str(refused)
        return err.TlsUnverified(
            f"{what}: the server's TLS certificate did not verify ({reason}); nothing was sent. "
            "For a private certificate authority, point SSL_CERT_FILE at its certificate.")
    for source, in_stream, otherwise, text in _MAP:
        if isinstance(exc, source):
            cls = in_stream if stream else otherwise
            category = "OperationTimeout" if isinstance(exc, httpx.TimeoutException) else None
            detail = str(exc) or type(exc).__name__
            return cls(f"{what}: {text} ({detail})", category=category)
    return None


@contextlib.contextmanager
def http_errors(what: str, *, stream: bool = False) -> Iterator[None]:
    """Run a block that talks HTTP; httpx exceptions leave it as our errors (``from`` theirs).

    ``what`` names the operation for the message ("GET http://host/config"); ``stream`` says the
    block reads a result stream, where a broken or silent connection means the stream was cut.
    """
    try:
        yield
    except (httpx.HTTPError, httpx.InvalidURL, httpx_sse.SSEError) as exc:
        mapped = translate(exc, what, stream=stream)
        if mapped is None:  # pragma: no cover - the table ends with the base classes
            raise
        raise mapped from exc


# -- redirects ----------------------------------------------------------------------------------


def origin(url: str | httpx.URL) -> tuple[str, str, int]:
    """(scheme, host, port) with the default port filled in."""
    parts = httpx.URL(str(url))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, parts.host.lower(), port


def keeps_credentials(source: str | httpx.URL, target: str | httpx.URL) -> bool:
    """True when credentials given for ``source`` may go to ``target``.

    The same origin, or the upgrade of http to https on the same host with default ports (the
    one exception httpx and requests make).
    """
    a, b = origin(source), origin(target)
    if a == b:
        return True
    return a == ("http", b[1], 80) and b[0] == "https" and b[2] == 443


def strip_credentials(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in CREDENTIAL_HEADERS}


def send(http: httpx.Client, method: str, url: str, *, headers: dict[str, str] | None = None,
         max_redirects: int = 0, stream: bool = False, **kwargs: Any) -> httpx.Response:
    """One request, following up to ``max_redirects`` redirects with our credential rules.

    Errors are httpx's (wrap the call in :func:`http_errors`); a redirect beyond the limit raises
    ``httpx.TooManyRedirects``. With ``stream`` the body of the answer is not read (close it).
    The client's own cookie jar keeps its per-domain rules; cookies passed in ``headers`` are
    credentials like the others.
    """
    current_headers = dict(headers or {})
    current_method, current_url = method.upper(), httpx.URL(url)
    body = dict(kwargs)
    for hop in range(max_redirects + 1):
        request = http.build_request(current_method, current_url, headers=current_headers,
                                     **body)
        response = http.send(request, stream=True, follow_redirects=False)
        location = response.headers.get("location")
        if max_redirects == 0 or response.status_code not in REDIRECT_CODES or not location:
            break
        response.close()
        if hop == max_redirects:
            raise httpx.TooManyRedirects(f"more than {max_redirects} redirects",
                                         request=request)
        target = current_url.join(location)
        if target.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"redirect to a {target.scheme}: URL",
                                            request=request)
        if not keeps_credentials(current_url, target):
            current_headers = strip_credentials(current_headers)
        code = response.status_code
        if code == 303 and current_method != "HEAD" or code in (301, 302) and (
                current_method == "POST"):
            current_method, body = "GET", {}
            current_headers = {k: v for k, v in current_headers.items()
                               if k.lower() not in ("content-type", "content-length")}
        current_url = target
    if not stream:
        try:
            response.read()
        finally:
            response.close()
    return response


def check_http_url(url: str) -> str:
    """``url`` when it is an absolute http(s) URL with a host and a valid port; else InvalidUrl."""
    text = str(url).strip()
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError for "host:notaport"
    except ValueError as exc:
        raise err.InvalidUrl(f"Not a valid URL: {url!r} ({exc})") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise err.InvalidUrl(f"Not an http(s) URL with a host: {url!r}")
    if port == 0:
        raise err.InvalidUrl(f"Port 0 is not a usable port: {url!r}")
    try:
        httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise err.InvalidUrl(f"Not a valid URL: {url!r} ({exc})") from exc
    return text


def drain(events: Iterator[Any]) -> None:
    """Read what is left of a stream whose last message came, ignoring a broken end.

    Gradio ends the body right after its last message: reading that end returns the connection
    to the pool (closing early drops it, and the next call connects again).
    """
    with contextlib.suppress(httpx.HTTPError, httpx_sse.SSEError, err.GradioConnectionError):
        for _ in events:
            pass
