"""The PowerShell type PowerShai gives a Gradio endpoint parameter (Convert-GradioParamPowershell).

Input: one entry of ``/info``'s ``named_endpoints[...].parameters`` (``type`` is its JSON schema,
``python_type`` Gradio's Python type, ``component`` the component's class name). PowerShai's
rules, in its order:

* schema title ``ListFiles`` -> ``FileInfo[]``; schema title ``FileData`` -> ``FileInfo``;
* component ``Audio`` or ``Image`` -> ``FileInfo``;
* schema type ``array`` -> an array of its items' type;
* a schema type naming ``FileData`` -> ``FileInfo``;
* schema type ``number`` -> ``int``, or ``decimal`` when the Python type is ``float``;
* anything else -> ``string``.

One difference: for an array PowerShai looks its items up in the wrong place (the schema's
``type`` string instead of the schema), so its arrays always come out as ``string[]``; here the
items' own schema decides (``string[]`` still when it has none).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["gradio_param_type"]

STRING = "System.String"
FILE = "System.IO.FileInfo"
_FILE_COMPONENTS = ("audio", "image")


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, Mapping) else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def gradio_param_type(param: Mapping[str, Any] | None) -> str:
    """The .NET type name (``System.Int32``, ``System.IO.FileInfo[]``...) PowerShai's
    Convert-GradioParamPowershell would give this ``/info`` parameter.

    >>> gradio_param_type({"type": {"type": "number"}, "python_type": {"type": "float"}})
    'System.Decimal'
    """
    schema = _field(param, "type")
    title = _text(_field(schema, "title"))
    if title == "ListFiles":
        return FILE + "[]"
    if title == "FileData":
        return FILE
    if _text(_field(param, "component")).lower() in _FILE_COMPONENTS:
        return FILE
    kind = _text(_field(schema, "type"))
    if kind == "array":
        items = _field(schema, "items")
        item_type = gradio_param_type({"type": items}) if isinstance(items, Mapping) else STRING
        return item_type + "[]"
    if "filedata" in kind.lower():
        return FILE
    if kind == "number":
        python_type = _text(_field(_field(param, "python_type"), "type"))
        return "System.Decimal" if python_type == "float" else "System.Int32"
    return STRING
