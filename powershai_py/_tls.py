"""One verifying TLS context for every HTTP client of the process.

httpx builds a new ``ssl.SSLContext`` for each ``httpx.Client`` given ``verify=True``, and each
one loads the whole CA bundle into C memory (about 0.8 MB, which the allocator keeps after the
client closes). A worker that opened 50 sessions grew by 50 such copies. Every session and Hub
client here takes this one context instead: the same trust as httpx's default (``SSL_CERT_FILE``,
else ``SSL_CERT_DIR``, else certifi's bundle; hostnames checked), built once, and built again only
when those variables change. ``ssl.SSLContext`` may be shared between threads and connections.
"""

from __future__ import annotations

import os
import ssl
import threading

import httpx

__all__ = ["verifying_context"]

_lock = threading.Lock()
_context: ssl.SSLContext | None = None
_built_for: tuple[str | None, str | None] | None = None


def verifying_context() -> ssl.SSLContext:
    """The process's shared TLS context that verifies certificates and hostnames."""
    global _context, _built_for
    trust = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    with _lock:
        if _context is None or _built_for != trust:
            _context = httpx.create_ssl_context(verify=True)
            _built_for = trust
        return _context
