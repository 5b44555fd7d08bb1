"""From an endpoint's /info entry to the PowerShell parameters of its proxy function.

Naming (PowerShai's rules): the function is ``Prefix`` + the endpoint name title-cased with every
character but ASCII letters and digits removed (``/Op1`` -> ``Invoke-GradioApiOp1``,
``/file_echo`` -> ``Invoke-GradioApiFileEcho``). Each parameter is the input's ``parameter_name``
treated the same way; it is ``paramN`` (N = 0-based position) when the input has no name, when the
name clashes with an added parameter, a common parameter, a read-only PowerShell variable or an
earlier parameter, or when it would start with a digit.

Types (from /info): files -> ``[object]`` (``[object[]]`` for lists) taking a path, URL, FileInfo
or FileData, uploaded by the worker; ``integer`` -> ``[int]``; ``number`` -> ``[decimal]``
(``[int]`` when Python says ``int``); ``boolean`` -> ``[bool]``; strings -> ``[string]``, with
``[ValidateSet(...)]`` when the schema lists an ``enum`` (case-sensitive, as Gradio compares);
arrays of those -> typed arrays, other arrays -> ``[object[]]``; anything else -> ``[object]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .... import _errors as err
from .... import _protocol as proto
from ...._session import GradioSession

# Parameters every proxy function has, in this order.
ADDED_PARAMETERS = ("Manual", "ApiResultMap", "DebugData", "ApiToken", "PipeObj")
_ADDED_NAMES = {"manual", "apiresultmap", "map", "arm", "debugdata", "apitoken", "pipeobj"}
_COMMON_NAMES = {
    "verbose", "vb", "debug", "db", "erroraction", "ea", "warningaction", "wa",
    "informationaction", "infa", "progressaction", "proga", "errorvariable", "ev",
    "warningvariable", "wv", "informationvariable", "iv", "outvariable", "ov", "outbuffer", "ob",
    "pipelinevariable", "pv", "whatif", "wi", "confirm", "cf", "usetransaction", "usetx",
}
# Variables a parameter must not be named after: read-only or constant ones, and the ones the
# function body itself reads.
_VARIABLE_NAMES = {
    "true", "false", "null", "host", "pid", "pshome", "shellid", "executioncontext", "home",
    "psversiontable", "psculture", "psuiculture", "enabledexperimentalfeatures", "islinux",
    "iswindows", "ismacos", "iscoreclr", "psedition", "myinvocation", "pscmdlet",
    "psboundparameters", "input", "args", "this", "psitem", "error", "foreach", "switch",
}
_RESERVED = _ADDED_NAMES | _COMMON_NAMES | _VARIABLE_NAMES

_SIMPLE_TYPES = {"string": "string", "integer": "int", "boolean": "bool"}
_FILE_COMPONENTS = {"audio", "image", "video", "file", "model3d"}


# -- names -------------------------------------------------------------------------------------


def title_case(text: str) -> str:
    """.NET's TextInfo.ToTitleCase (invariant culture), which PowerShai uses for names.

    A word is a run of letters, digits and apostrophes; its first letter is upper-cased and the
    rest lower-cased, except in words whose letters are all upper case (acronyms stay).
    """
    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        letters = [c for c in word if c.isalpha()]
        if not letters or all(c.isupper() for c in letters):
            return word
        out, seen = [], False
        for c in word:
            if c.isalpha():
                out.append(c.lower() if seen else c.upper())
                seen = True
            else:
                out.append(c)
        return "".join(out)

    return re.sub(r"(?:[^\W_]|')+", fix, text)


def clean_name(text: str) -> str:
    """Title case, then keep only ASCII letters and digits (PowerShai's ``[^A-z0-9]|_`` rule)."""
    return re.sub(r"[^A-Za-z0-9]", "", title_case(text))


def function_name(prefix: str, api_name: str) -> str:
    return f"{prefix}{clean_name(api_name.lstrip('/'))}"


# -- parameter plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProxyParam:
    """One endpoint input as a PowerShell parameter."""

    index: int
    ps_name: str
    gradio_name: str | None
    ps_type: str  # PowerShell type name without brackets: int, decimal, bool, string, object[]...
    kind: str  # "value", "file" (one file) or "files" (a list of files)
    enum: tuple[str, ...]
    has_default: bool
    default: Any
    label: str
    component: str

    @property
    def is_array(self) -> bool:
        return self.ps_type.endswith("[]")

    @property
    def help_message(self) -> str:
        parts = [self.label] if self.label else []
        detail = f"Gradio component: {self.component}" if self.component else ""
        if self.kind != "value":
            detail += ("; " if detail else "") + "a path, URL or FileData (uploaded for you)"
        if detail:
            parts.append(f"({detail})")
        return " ".join(parts) or (self.gradio_name or f"param{self.index}")


def _schema_type(schema: Any) -> str | None:
    return schema.get("type") if isinstance(schema, dict) and isinstance(
        schema.get("type"), str) else None


def _scalar_type(schema: Any, python_type: str) -> str | None:
    kind = _schema_type(schema)
    if kind == "number":
        return "int" if python_type.strip() == "int" else "decimal"
    return _SIMPLE_TYPES.get(kind or "")


def _enum_of(schema: Any) -> tuple[str, ...]:
    if isinstance(schema, dict):
        values = schema.get("enum")
        if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
            return tuple(values)
    return ()


def ps_type_of(parameter: Mapping[str, Any]) -> tuple[str, str, tuple[str, ...]]:
    """(PowerShell type, kind, enum choices) of one /info parameter."""
    schema = parameter.get("type")
    python_type = str((parameter.get("python_type") or {}).get("type") or "")
    component = str(parameter.get("component") or "").lower()
    title = schema.get("title") if isinstance(schema, dict) else None
    items = schema.get("items") if isinstance(schema, dict) else None
    if title == "ListFiles" or (_schema_type(schema) == "array" and isinstance(items, dict)
                                 and "FileData" in json.dumps(items)):
        return "object[]", "files", ()
    if proto.is_file_schema(dict(parameter)) or component in _FILE_COMPONENTS and (
            _schema_type(schema) in (None, "object")):
        return "object", "file", ()
    if _schema_type(schema) == "array":
        inner = _scalar_type(items, "") if isinstance(items, dict) else None
        if inner is not None:
            return inner + "[]", "value", _enum_of(items) if inner == "string" else ()
        return "object[]", "value", ()
    scalar = _scalar_type(schema, python_type)
    if scalar is None:
        return "object", "value", ()
    return scalar, "value", _enum_of(schema) if scalar == "string" else ()


def plan_parameters(endpoint: Mapping[str, Any]) -> list[ProxyParam]:
    """The PowerShell parameters of an endpoint, in the endpoint's order."""
    plan: list[ProxyParam] = []
    taken: set[str] = set()
    for index, parameter in enumerate(endpoint.get("parameters") or []):
        gradio_name = parameter.get("parameter_name")
        name = clean_name(str(gradio_name)) if gradio_name else ""
        if (not name or name[0].isdigit() or name.lower() in _RESERVED
                or name.lower() in taken):
            name = f"param{index}"
        taken.add(name.lower())
        ps_type, kind, enum = ps_type_of(parameter)
        plan.append(ProxyParam(
            index=index, ps_name=name, gradio_name=str(gradio_name) if gradio_name else None,
            ps_type=ps_type, kind=kind, enum=enum,
            has_default=bool(parameter.get("parameter_has_default")),
            default=parameter.get("parameter_default"),
            label=str(parameter.get("label") or ""),
            component=str(parameter.get("component") or ""),
        ))
    return plan



def find_param(plan: list[ProxyParam], name: str) -> ProxyParam | None:
    key = str(name).lower()
    for p in plan:
        if p.ps_name.lower() == key:
            return p
    for p in plan:
        if p.gradio_name is not None and p.gradio_name.lower() == key:
            return p
    return None



def endpoint_plan(session: GradioSession, api: str) -> list[ProxyParam]:
    endpoint = session.endpoint(api)
    if endpoint is None:
        raise err.ApiNotFound(f"Api name {api} not found. Valid names: "
                              + ", ".join(session.endpoint_names()))
    return plan_parameters(endpoint)

