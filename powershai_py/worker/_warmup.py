"""Work every worker's first session needs, begun as soon as the worker starts.

The first ``New-GradioSession`` of a worker spent about 0.1 s on things no argument changes:
importing httpx's connection stack (httpcore and h11, which httpx imports only when the first
client is built; 0.05 s) and loading the CA bundle into the shared TLS context (``_tls``, 0.04 s).
A daemon thread does both while PowerShell is still busy on its side: with its part of the
handshake (stdio), or with the rest of ``Import-Module`` (in-process, whose engine starts during
the import). The first session takes what is ready and waits, on the import lock or the TLS
context's lock, for what is not, so nothing is done twice and nothing is done wrong: should
``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` differ when the session comes, the context is built again.
"""

from __future__ import annotations

import logging
import threading

__all__ = ["start_warm_up"]

log = logging.getLogger("powershai_py.worker")


def _warm_up() -> None:
    try:
        import httpcore  # noqa: F401 - importing it is the work

        from powershai_py._tls import verifying_context

        verifying_context()
    except Exception:  # noqa: BLE001 - the first session meets the same failure and reports it
        log.debug("warm-up failed", exc_info=True)


def start_warm_up() -> threading.Thread:
    """Begin the warm-up on a daemon thread of its own and return that thread."""
    thread = threading.Thread(target=_warm_up, name="powershai-py warm-up", daemon=True)
    thread.start()
    return thread
