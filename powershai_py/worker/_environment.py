"""The environment variables the core reads, kept in step with PowerShell's.

PowerShai reads ``$env:HF_API_TOKEN`` (and the others) at each call, so a script may set one
after importing the module. The worker's ``os.environ`` is a copy made when it started, and an
in-process host does not see them at all (on Linux and macOS, .NET keeps its own copy of the
environment: ``$env:X = ...`` never reaches the C ``environ`` that Python read). So the module
sends, with every cmdlet request, the values of the names listed here that are set in PowerShell
(on stdin or the in-process bridge, never in arguments), and the worker applies them first: a name
listed but not sent is unset. Only these names are touched.
"""

from __future__ import annotations

import os
from typing import Any

from .._auth import TOKEN_ENV_VARS
from .._spaces import HUB_ENV_VARS

# Trust for TLS (read by _tls) and proxies (httpx reads them when a session's client is made).
_HTTP_ENV_VARS = ("SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                  "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy")

WATCHED_ENV_VARS: tuple[str, ...] = (*TOKEN_ENV_VARS, *HUB_ENV_VARS, *_HTTP_ENV_VARS)


def apply_environment(values: Any) -> None:
    """Make ``os.environ`` hold PowerShell's values of the watched names (None: not sent)."""
    if not isinstance(values, dict):
        return
    for name in WATCHED_ENV_VARS:
        value = values.get(name)
        if isinstance(value, str) and value:
            if os.environ.get(name) != value:
                os.environ[name] = value
        elif name in os.environ:
            del os.environ[name]
