"""The worker's cmdlet handlers, one module per concern, over one base (``_base``).

``handler_table()`` is the whole list of handler modules: adding a module means naming it here,
not importing it somewhere for its side effects. The server builds its table from it once.
"""

from __future__ import annotations

from . import calls, files_http, hub, sessions, spaces
from ._base import Cmdlet, collect
from .proxies import dynamic, functions
from .sessions import get_property, set_property

__all__ = ["Cmdlet", "get_property", "handler_table", "set_property"]

_MODULES = (sessions, calls, files_http, functions, dynamic, spaces, hub)


def handler_table() -> dict[str, Cmdlet]:
    """Every cmdlet the worker serves, by name (internal ones included: see ``Cmdlet.internal``)."""
    return collect(_MODULES)
