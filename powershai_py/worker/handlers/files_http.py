"""Get-GradioInfo, Invoke-GradioHttp, Send-GradioFile and Send-GradioSessionFiles."""

from __future__ import annotations

import json
import os
from typing import Any

import httpx

from ... import _errors as err
from ..._auth import resolve_token, token_headers
from ..._client import GradioClient
from ..._files import file_data_from_server_path
from ..._http import check_http_url, http_errors, send
from ._base import (
    Args,
    CmdletContext,
    CmdletResult,
    cmdlet,
    local_path,
    ref_of,
    resolve_session,
    wire_for,
)
from ._wire import plain


def _client_for(ctx: CmdletContext, value: Any) -> GradioClient:
    """A discovered client for a URL, a session object or '.'."""
    if value is None or value == "." or ref_of(value) is not None:
        return resolve_session(ctx.state.registry, value).client
    return ctx.state.bare_session(str(value), None).client


@cmdlet("Get-GradioInfo")
def get_info(ctx: CmdletContext, a: Args) -> CmdletResult:
    value = a.get("AppUrl")
    if value is None or value == "." or ref_of(value) is not None:
        app = resolve_session(ctx.state.registry, value).app
    else:
        client = GradioClient(str(value), token=resolve_token(None))
        try:
            app = client.discover(disable_retry=a.flag("DisableRetry"))
        finally:
            client.close()
    return CmdletResult([{**app.info, "RealAppUrl": app.api_root}])


@cmdlet("Invoke-GradioHttp")
def invoke_http(ctx: CmdletContext, a: Args) -> CmdletResult:
    url = str(a.get("url", ""))
    method = str(a.get("method", "GET")).upper()
    data = a.get("data")
    headers = token_headers(resolve_token(a.get("token")))
    kwargs: dict[str, Any] = {"headers": headers}
    if data is not None:
        if isinstance(data, (dict, list)):
            kwargs["json"] = data
        else:
            kwargs["content"] = str(data).encode("utf-8")
            headers["content-type"] = str(a.get("ContentType", "application/json"))
    redirects = a.int_or_none("MaxRedirects") or 0
    if redirects < 0:
        raise err.InvalidArgument(f"-MaxRedirects must be 0 or more, not {redirects}")
    what = f"{method} {url}"
    # Our redirect rule (powershai_py._http.send): every credential header, x-hf-authorization
    # included, goes only to the origin it was given for.
    with httpx.Client(timeout=httpx.Timeout(10.0, read=120.0)) as http, http_errors(what):
        response = send(http, method, check_http_url(url), max_redirects=redirects,
                        stream=True, **kwargs)
        try:
            if a.has("StreamCallback"):
                for line in response.iter_lines():
                    ctx.invoke("StreamCallback", line)
                return CmdletResult([])
            body = response.read().decode(response.encoding or "utf-8", "replace")
        finally:
            response.close()
    if response.status_code >= 400:
        raise err.HttpStatusError(f"{what}: HTTP {response.status_code} {body[:300]}",
                                  status=response.status_code)
    # PowerShai answers `$resp.text | ConvertFrom-Json`: the decoded JSON, as that PowerShell's
    # ConvertFrom-Json gives it (7 writes a top-level array's items one by one; 5.1 the array).
    try:
        decoded = json.loads(body) if body.strip() else None
    except ValueError:
        kind = response.headers.get("content-type", "no content type")
        raise err.NotGradio(f"{what}: the answer is not JSON ({kind}): {body[:120]!r}") from None
    if isinstance(decoded, list) and wire_for(ctx.state).unroll:
        return CmdletResult([plain(item) for item in decoded])
    return CmdletResult([] if decoded is None else [plain(decoded)])


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@cmdlet("Send-GradioFile")
def send_file(ctx: CmdletContext, a: Args) -> CmdletResult:
    client = _client_for(ctx, a.get("AppUrl"))
    paths = [str(local_path(ctx, p)) for p in _as_list(a.get("Files"))]
    server_paths = client.upload(paths)
    if a.flag("Raw"):
        return CmdletResult(list(server_paths))

    root = client.require_app().api_root
    return CmdletResult([file_data_from_server_path(root, sp, os.path.basename(p))
                         for sp, p in zip(server_paths, paths, strict=True)])


@cmdlet("Send-GradioSessionFiles")
def send_session_files(ctx: CmdletContext, a: Args) -> CmdletResult:
    session = resolve_session(ctx.state.registry, a.get("Session"))
    return CmdletResult(session.send_files([local_path(ctx, f) for f in _as_list(a.get("files"))]))
