"""Proxy functions (New/Get/Remove-GradioSessionApiProxyFunction) and Invoke-GradioDynamicApi.

A proxy function is a PowerShell function with one parameter per input of a Gradio endpoint. The
worker writes its text and PowerShell defines it (``{"$directive": "defineFunction"}``); when it
runs, it hands its bound parameters back to the internal cmdlet ``Invoke-GradioProxyFunction``.

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

Which results a proxy writes (without -Manual): every message of the call except heartbeats, and
except the final ``complete`` of a generator endpoint: Gradio repeats the last ``generating``
value in it, so writing it would hand the next proxy in a pipeline the last value twice. So
``Op2 -MaxNums 5 | Op1 -map val=0`` gives Op1 exactly seven inputs: ``--start--``, ``1``..``5``,
``--end--``. A non-generator endpoint writes its one ``complete``. ``error`` results are written
too; an ``error`` result piped into a proxy is passed through unchanged (nothing is called).
"""

from __future__ import annotations

import fnmatch
import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .. import _errors as err
from .. import _protocol as proto
from .._session import GradioSession
from ._cmdlets import REGISTRY, Args, cmdlet, resolve_session, resolve_sessions
from ._context import CmdletContext, CmdletResult
from ._wire import encode, encode_result

PROXY_MARKER = "# powershai-py proxy function"
PROXY_TYPE = "GradioProxyFunction"
RESULT_TYPE = "GradioApiEventResult"
NO_SESSION = "POWERSHAI_HUGGINGFACE_GRADIO_APIPROXY_INVOKE_NOSESSION"
PROXY_EXISTS = "POWERSHAI_HUGGINGFACE_NEWGRADIOPROXY_EXISTS"
PROXY_NOT_FOUND = "POWERSHAI_HUGGINGFACE_GRADIO_PROXYFUNCTION_NOTFOUND"
PARAM_ERROR = "POWERSHAI_HUGGINGFACE_PROXY_PARAMERRROR"  # PowerShai's spelling

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

# Parameters of Invoke-GradioDynamicApi that are not endpoint parameters.
_DYNAMIC_OWN = {"apiname", "session", "params", "apitoken", "manual"}

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


# -- PowerShell text ---------------------------------------------------------------------------

_QUOTES = "'\u2018\u2019\u201a\u201b"


def ps_quote(text: str) -> str:
    """A single-quoted PowerShell string (every kind of single quote doubled)."""
    return "'" + "".join(c + c if c in _QUOTES else c for c in str(text)) + "'"


def ps_literal(value: Any, ps_type: str) -> str | None:
    """A PowerShell literal for a default value, or None when none fits the type."""
    if value is None:
        return None
    base = ps_type.rstrip("[]")
    if isinstance(value, list) and ps_type.endswith("[]"):
        items = [ps_literal(v, base) for v in value]
        if any(i is None for i in items):
            return None
        return "@(" + ", ".join(str(i) for i in items) + ")"
    if base == "bool" and isinstance(value, bool):
        return "$true" if value else "$false"
    if base in ("int", "decimal") and isinstance(value, (int, float)) and not isinstance(
            value, bool):
        if base == "int":
            return str(int(value)) if float(value).is_integer() else None
        return repr(value) if isinstance(value, float) else str(value)
    if base == "string" and isinstance(value, str):
        return ps_quote(value)
    return None


def _help_text(text: str) -> str:
    return text.replace("#>", "# >").replace("<#", "< #")


def proxy_script(session: GradioSession, api_name: str, fn_name: str,
                 params: list[ProxyParam]) -> str:
    """The body of a proxy function (PowerShell 5.1 and 7)."""
    app = session.AppUrl
    lines = [
        "<#",
        ".SYNOPSIS",
        _help_text(f"Calls /{api_name} of {app} (Gradio session {session.name})."),
        ".DESCRIPTION",
        _help_text(f"Proxy function made by New-GradioSessionApiProxyFunction for /{api_name}. "
                   "Without -Manual it writes the results as they arrive."),
    ]
    for p in params:
        lines += [f".PARAMETER {p.ps_name}", _help_text(p.help_message)]
    lines += [
        ".PARAMETER Manual",
        "Return the call (use Update-GradioSessionApiResult to read its results).",
        ".PARAMETER ApiResultMap",
        "Name=Index pairs (or a hashtable): parameter Name takes data[Index] of the result",
        "piped in.",
        ".PARAMETER DebugData",
        "Return what would be sent, without calling the app.",
        ".PARAMETER ApiToken",
        "Hugging Face token for this call ('public' sends none).",
        ".PARAMETER PipeObj",
        "A result of another proxy function (see -ApiResultMap).",
        "#>",
        "[CmdletBinding()]",
        "param(",
    ]
    decls: list[str] = []
    for p in params:
        attrs = [f"    [Parameter(HelpMessage = {ps_quote(p.help_message)})]"]
        if p.enum:
            choices = ", ".join(ps_quote(c) for c in p.enum)
            attrs.append(f"    [ValidateSet({choices}, IgnoreCase = $false)]")
        default = ps_literal(p.default, p.ps_type) if p.has_default else None
        tail = f" = {default}" if default is not None else ""
        decls.append("\n".join(attrs + [f"    [{p.ps_type}]${p.ps_name}{tail}"]))
    decls += [
        "    [switch]$Manual",
        "    [Alias('map', 'arm')]\n    [object[]]$ApiResultMap",
        "    [switch]$DebugData",
        "    [string]$ApiToken",
        "    [Parameter(ValueFromPipeline = $true)]\n    [object]$PipeObj",
    ]
    lines.append(",\n".join(decls))
    lines += [")", "process {", f"    {PROXY_MARKER}", "    $__params = @{}"]
    names = ", ".join(ps_quote(p.ps_name) for p in params)
    lines += [
        f"    foreach ($__name in @({names})) {{",
        "        if ($PSBoundParameters.ContainsKey($__name)) {",
        "            $__params[$__name] = $PSBoundParameters[$__name]",
        "        }",
        "    }",
    ]
    file_params = [p for p in params if p.kind != "value"]
    if file_params:
        # Paths are resolved here: the worker's current directory is not PowerShell's.
        lines += [
            "    $__file = {",
            "        param($v)",
            "        if ($v -is [System.IO.FileSystemInfo]) { return $v.FullName }",
            "        if ($v -is [string] -and $v -notmatch '^[A-Za-z][A-Za-z0-9+.-]*://') {",
            "            return $PSCmdlet.GetUnresolvedProviderPathFromPSPath($v)",
            "        }",
            "        return $v",
            "    }",
        ]
        for p in file_params:
            key = ps_quote(p.ps_name)
            lines.append(f"    if ($__params.ContainsKey({key}) -and "
                         f"$null -ne $__params[{key}]) {{")
            if p.kind == "files":
                lines.append(f"        $__params[{key}] = @(foreach ($__v in @($__params[{key}])) "
                             "{ & $__file $__v })")
            else:
                lines.append(f"        $__params[{key}] = & $__file $__params[{key}]")
            lines.append("    }")
    lines += [
        "    $__bound = @{",
        f"        Function = {ps_quote(fn_name)}",
        f"        Session = {ps_quote(session.SessionId)}",
        f"        SessionName = {ps_quote(session.name)}",
        f"        ApiName = {ps_quote(api_name)}",
        "        Params = $__params",
        "    }",
        "    if ($Manual) { $__bound['Manual'] = $true }",
        "    if ($DebugData) { $__bound['DebugData'] = $true }",
        "    if ($PSBoundParameters.ContainsKey('ApiResultMap')) {",
        "        $__bound['ApiResultMap'] = $ApiResultMap",
        "    }",
        "    if ($PSBoundParameters.ContainsKey('ApiToken')) { $__bound['ApiToken'] = $ApiToken }",
        "    if ($null -ne $PipeObj) {",
        "        $__types = @($PipeObj.PSObject.TypeNames)",
        "        if ($__types -contains 'PowershaiType:GradioApiEventResult') {",
        "            $__bound['PipeInput'] = $PipeObj",
        "        }",
        "    }",
        "    Invoke-PshaiCmdlet -Name 'Invoke-GradioProxyFunction' -Bound $__bound "
        "-Cmdlet $PSCmdlet",
        "}",
    ]
    return "\n".join(lines) + "\n"


# -- registry of proxy functions ---------------------------------------------------------------


@dataclass
class ProxyRecord:
    Name: str
    ApiName: str
    SessionId: str
    SessionName: str
    Prefix: str

    def wire(self) -> dict[str, Any]:
        alive = any(s.SessionId == self.SessionId for s in REGISTRY)
        return {"$type": PROXY_TYPE, "Name": self.Name, "ApiName": self.ApiName,
                "SessionName": self.SessionName, "SessionId": self.SessionId,
                "Prefix": self.Prefix, "SessionExists": alive}


PROXIES: dict[str, ProxyRecord] = {}  # lower-cased function name -> record
_PROXY_LOCK = threading.Lock()


def _api_filter(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v).lstrip("/") for v in items if v is not None and str(v) != ""]


@cmdlet("New-GradioSessionApiProxyFunction")
def new_proxy_functions(ctx: CmdletContext, a: Args) -> CmdletResult:
    sessions = a.get("Session")
    targets = sessions if isinstance(sessions, list) else [sessions]
    prefix = str(a.get("Prefix") or "Invoke-GradioApi")
    wanted = _api_filter(a.get("ApiName"))
    output: list[Any] = []
    for target in targets:
        session = resolve_session(target)
        endpoints = session.info.get("named_endpoints") or {}
        names = [str(k).lstrip("/") for k in endpoints]
        if wanted:
            lowered = {n.lower() for n in names}
            missing = [w for w in wanted if w.lower() not in lowered]
            if missing:
                raise err.ApiNotFound(f"Api name {missing[0]} not found. "
                                      f"Valid names: {', '.join(names)}")
            names = [n for n in names if n.lower() in {w.lower() for w in wanted}]
        used: set[str] = set()
        for api in names:
            fn = function_name(prefix, api)
            if fn == prefix:
                fn = f"{prefix}Api{len(used)}"
            base, n = fn, 2
            while fn.lower() in used:
                fn = f"{base}{n}"
                n += 1
            if fn != base:
                ctx.warning(f"/{api} would be named {base} like another endpoint; made {fn}")
            used.add(fn.lower())
            params = plan_parameters(session.endpoint(api) or {})
            record = ProxyRecord(fn, api, session.SessionId, session.name, prefix)
            with _PROXY_LOCK:
                PROXIES[fn.lower()] = record
            ctx.verbose(f"Proxy function {fn} -> /{api} of {session.name}")
            output.append({"$directive": "defineFunction", "name": fn,
                           "script": proxy_script(session, api, fn, params),
                           "force": a.flag("Force"), "proxy": True, "marker": PROXY_MARKER})
            output.append(record.wire())
    return CmdletResult(output)


@cmdlet("Get-GradioSessionApiProxyFunction")
def get_proxy_functions(ctx: CmdletContext, a: Args) -> CmdletResult:
    with _PROXY_LOCK:
        records = list(PROXIES.values())
    value = a.get("Session", ".")
    if value != "*":
        ids = {s.SessionId for s in resolve_sessions(value)}
        records = [r for r in records if r.SessionId in ids]
    return CmdletResult([r.wire() for r in records])


def _function_names(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [n for v in value for n in _function_names(v)]
    if isinstance(value, dict):
        for key in ("Name", "name"):
            if key in value:
                return [str(value[key])]
        return []
    return [str(value)]


@cmdlet("Remove-GradioSessionApiProxyFunction")
def remove_proxy_functions(ctx: CmdletContext, a: Args) -> CmdletResult:
    names = _function_names(a.get("Function"))
    if not names:
        raise err.InvalidArgument("-Function is required: a proxy function name, object, "
                                  "wildcard or '*'")
    output: list[Any] = []
    with _PROXY_LOCK:
        for name in names:
            if any(c in name for c in "*?["):
                found = [k for k in PROXIES if fnmatch.fnmatchcase(k, name.lower())]
            elif name.lower() in PROXIES:
                found = [name.lower()]
            else:
                raise err.InvalidArgument(f"{name} is not a proxy function",
                                          error_id=PROXY_NOT_FOUND, category="ObjectNotFound")
            for key in found:
                record = PROXIES.pop(key)
                output.append({"$directive": "removeFunction", "name": record.Name})
                ctx.verbose(f"Removed proxy function {record.Name}")
    return CmdletResult(output)


# -- calling -----------------------------------------------------------------------------------


def _proxy_session(a: Args) -> GradioSession:
    """The session a proxy was made for: by id, else (PowerShai) a session of the same name."""
    session_id, name = a.get("Session"), a.get("SessionName")
    sessions: list[GradioSession] = list(REGISTRY)
    for session in sessions:
        if session.SessionId == str(session_id):
            return session
    if name is not None:
        for session in sessions:
            if session.name == str(name):
                return session
    raise err.SessionError(
        f"The session of {a.get('Function') or 'this proxy function'} was removed or renamed "
        f"(SessionId {session_id}, name {name}). Create the proxy functions again with "
        "New-GradioSessionApiProxyFunction.",
        error_id=NO_SESSION, category="ObjectNotFound")


def _find_param(plan: list[ProxyParam], name: str) -> ProxyParam | None:
    key = str(name).lower()
    for p in plan:
        if p.ps_name.lower() == key:
            return p
    for p in plan:
        if p.gradio_name is not None and p.gradio_name.lower() == key:
            return p
    return None


def _datetime(value: Any) -> Any:
    """PowerShell's JSON for a DateTime (ISO on 7, \\/Date(ms)\\/ on 5.1) as a wire datetime."""
    if isinstance(value, str):
        match = re.fullmatch(r"\\?/Date\((-?\d+)([+-]\d{4})?\)\\?/", value)
        if match:
            stamp = datetime.fromtimestamp(int(match.group(1)) / 1000, tz=timezone.utc)
            return {"$datetime": stamp.isoformat()}
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return {"$datetime": value}
    return value


def as_result(value: Any) -> dict[str, Any] | None:
    """A GradioApiEventResult that came back from PowerShell, ready to travel again."""
    if not isinstance(value, dict) or "data" not in value:
        return None
    result = {k: v for k, v in value.items() if k not in ("$ref", "$id", "$live")}
    result["$type"] = RESULT_TYPE
    if "ts" in result:
        result["ts"] = _datetime(result["ts"])
    pipeline = result.get("pipeline")
    if isinstance(pipeline, list):
        result["pipeline"] = [as_result(p) or p for p in pipeline]
    return result


def _map_pairs(value: Any) -> list[tuple[str, Any]]:
    if value is None:
        return []
    if isinstance(value, list):
        return [pair for v in value for pair in _map_pairs(v)]
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    pairs: list[tuple[str, Any]] = []
    for part in str(value).split(","):
        if not part.strip():
            continue
        name, sep, index = part.partition("=")
        if not sep:
            raise err.InvalidParams(f"-ApiResultMap wants Name=Index pairs, not {part!r}",
                                    error_id=PARAM_ERROR)
        pairs.append((name.strip(), index.strip()))
    return pairs


def _coerce(p: ProxyParam, value: Any, fn: str) -> Any:
    """A mapped value converted to the parameter's type (PowerShell's -as, roughly)."""
    if value is None or p.kind != "value" or p.ps_type in ("object", "object[]"):
        return value
    base = p.ps_type.rstrip("[]")
    values = value if isinstance(value, list) else [value]
    if p.is_array:
        return [_coerce_one(p, base, v, fn) for v in values]
    if isinstance(value, list):
        raise err.InvalidParams(
            f"Parameter {p.ps_name} value (map) cannot be converted to {base}. Func:{fn}",
            error_id=PARAM_ERROR)
    return _coerce_one(p, base, value, fn)


def _coerce_one(p: ProxyParam, base: str, value: Any, fn: str) -> Any:
    try:
        if base == "string":
            if isinstance(value, (dict, list)):
                raise ValueError
            if isinstance(value, bool):
                return "True" if value else "False"
            return str(value)
        if base == "bool":
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0"):
                    raise ValueError
                return value.lower() in ("true", "1")
            return bool(value)
        number = float(value)
        if base == "int":
            return int(round(number))
        return int(number) if number.is_integer() and not isinstance(value, float) else number
    except (TypeError, ValueError) as exc:
        raise err.InvalidParams(
            f"Parameter {p.ps_name} value (map) {value!r} cannot be converted to its type "
            f"{base}. Func:{fn}", error_id=PARAM_ERROR) from exc


def _mapped_values(plan: list[ProxyParam], map_value: Any, pipe: dict[str, Any] | None,
                   fn: str) -> dict[int, Any]:
    pairs = _map_pairs(map_value)
    if not pairs or pipe is None:
        return {}
    data = pipe.get("data")
    items = data if isinstance(data, list) else [data]
    mapped: dict[int, Any] = {}
    for name, index in pairs:
        p = _find_param(plan, name)
        if p is None:
            raise err.InvalidParams(
                f"-ApiResultMap names {name}, which is not a parameter of {fn}. Valid names: "
                + ", ".join(q.ps_name for q in plan), error_id=PARAM_ERROR)
        try:
            i = int(str(index).strip())
        except ValueError as exc:
            raise err.InvalidParams(f"-ApiResultMap {name}={index}: the index must be a number",
                                    error_id=PARAM_ERROR) from exc
        if not -len(items) <= i < len(items):
            raise err.InvalidParams(
                f"-ApiResultMap {name}={i}: the piped result has {len(items)} value(s)",
                error_id=PARAM_ERROR)
        mapped[p.index] = _coerce(p, items[i], fn)
    return mapped


def build_values(plan: list[ProxyParam], given: Any, mapped: Mapping[int, Any],
                 fn: str) -> list[Any]:
    """Positional data for the call: bound values, mapped values, else /info defaults."""
    values: dict[int, Any] = {}
    if isinstance(given, Mapping):
        for key, value in given.items():
            p = _find_param(plan, str(key))
            if p is None:
                raise err.InvalidParams(
                    f"{fn} has no parameter {key}. Valid names: "
                    + ", ".join(q.ps_name for q in plan))
            values[p.index] = value
    values.update(mapped)
    data: list[Any] = []
    for p in plan:
        if p.index in values:
            value = values[p.index]
            if p.kind == "files" and value is not None and not isinstance(value, list):
                value = [value]
        else:
            value = p.default if p.has_default else None
        data.append(value)
    return data


def stream_results(ctx: CmdletContext, call: Any, chain: list[Any]) -> Iterator[Any]:
    """Results as a proxy writes them (see the module docstring for which ones)."""
    generated = False
    for result in call.update(cancel=ctx.cancelled, warn=ctx.warning):
        if result.event == proto.HEARTBEAT:
            continue
        if result.event == proto.GENERATING:
            generated = True
        elif result.event == proto.COMPLETE and generated:
            continue
        item = encode_result(result)
        item["pipeline"] = list(chain)
        yield item


def _endpoint_plan(session: GradioSession, api: str) -> list[ProxyParam]:
    endpoint = session.endpoint(api)
    if endpoint is None:
        raise err.ApiNotFound(f"Api name {api} not found. Valid names: "
                              + ", ".join(session.endpoint_names()))
    return plan_parameters(endpoint)


@cmdlet("Invoke-GradioProxyFunction")
def invoke_proxy_function(ctx: CmdletContext, a: Args) -> CmdletResult:
    """Internal: what a proxy function does with its bound parameters."""
    fn = str(a.get("Function") or "proxy function")
    session = _proxy_session(a)
    api = str(a.get("ApiName") or "").lstrip("/")
    plan = _endpoint_plan(session, api)
    pipe = as_result(a.get("PipeInput"))
    if pipe is not None and pipe.get("event") == proto.ERROR:
        ctx.warning(f"{fn}: the result piped in is an error; passing it on without a call")
        return CmdletResult([pipe])
    mapped = _mapped_values(plan, a.get("ApiResultMap"), pipe, fn)
    data = build_values(plan, a.get("Params"), mapped, fn)
    chain: list[Any] = []
    if pipe is not None:
        earlier = pipe.get("pipeline")
        chain = [*(earlier if isinstance(earlier, list) else []), pipe]
    if a.flag("DebugData"):
        return CmdletResult([{
            "$type": "GradioProxyDebugData", "Function": fn, "ApiName": api,
            "SessionName": session.name, "SessionId": session.SessionId,
            "AppUrl": session.AppUrl, "Params": encode(a.get("Params") or {}),
            "Mapped": {plan[i].ps_name: encode(v) for i, v in mapped.items()},
            "Data": encode(data), "Pipeline": chain,
            "ParameterNames": [p.ps_name for p in plan],
        }])
    call = session.invoke(api, data, token=a.get("ApiToken"), warn=ctx.warning)
    ctx.verbose(f"{fn}: called /{api} of {session.name} (event {call.id})")
    if a.flag("Manual"):
        return CmdletResult([encode(call)])
    return CmdletResult([], stream_results(ctx, call, chain))


# -- Invoke-GradioDynamicApi -------------------------------------------------------------------


def parse_remaining(tokens: list[Any], plan: list[ProxyParam]) -> dict[str, Any]:
    """``-name value`` tokens as PowerShell collects them with ValueFromRemainingArguments.

    A name without a value is a switch (``$true``); values without a name fill the endpoint's
    parameters in order, skipping the ones already named.
    """
    named: dict[str, Any] = {}
    loose: list[Any] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if isinstance(token, str) and re.fullmatch(r"-[A-Za-z_][\w]*:?", token):
            name = token[1:].rstrip(":")
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            is_name = isinstance(nxt, str) and re.fullmatch(r"-[A-Za-z_][\w]*:?", nxt)
            if i + 1 < len(tokens) and (token.endswith(":") or not is_name):
                named[name] = nxt
                i += 2
            else:
                named[name] = True
                i += 1
            continue
        loose.append(token)
        i += 1
    taken = {(_find_param(plan, n) or plan[0]).index for n in named} if plan else set()
    free = [p for p in plan if p.index not in taken]
    for p, value in zip(free, loose, strict=False):
        named[p.ps_name] = value
    if len(loose) > len(free):
        raise err.InvalidParams(f"{len(loose) - len(free)} value(s) left without a parameter")
    return named


def _dynamic_params(a: Args, plan: list[ProxyParam]) -> dict[str, Any]:
    given: dict[str, Any] = {}
    params = a.get("Params")
    if isinstance(params, list):
        given.update(parse_remaining(params, plan))
    elif isinstance(params, Mapping):
        given.update({str(k): v for k, v in params.items()})
    elif params is not None:
        given.update(parse_remaining([params], plan))
    # Dynamic parameters bound by a DynamicParam block arrive as ordinary arguments.
    for key, value in a._raw.items():
        if key in _DYNAMIC_OWN or key in _COMMON_NAMES:
            continue
        given[key] = value
    return given


@cmdlet("Invoke-GradioDynamicApi")
def invoke_dynamic_api(ctx: CmdletContext, a: Args) -> CmdletResult:
    """Call an endpoint with its parameters given by name; results stream like a proxy's."""
    session = resolve_session(a.get("Session"))
    api = str(a.get("ApiName") or "").lstrip("/")
    if not api:
        raise err.ApiNotFound("-ApiName is required. Valid names: "
                              + ", ".join(session.endpoint_names()),
                              error_id="POWERSHAI_HUGGINGFACE_GRADIO_APIINVOKE")
    plan = _endpoint_plan(session, api)
    data = build_values(plan, _dynamic_params(a, plan), {}, "Invoke-GradioDynamicApi")
    call = session.invoke(api, data, token=a.get("ApiToken"), warn=ctx.warning)
    if a.flag("Manual"):
        return CmdletResult([encode(call)])
    return CmdletResult([], stream_results(ctx, call, []))


@cmdlet("Get-GradioDynamicApiParameter")
def get_dynamic_parameters(ctx: CmdletContext, a: Args) -> CmdletResult:
    """Internal: the endpoint's parameters, for a DynamicParam block (one object each)."""
    try:
        session = resolve_session(a.get("Session"))
        plan = _endpoint_plan(session, str(a.get("ApiName") or "").lstrip("/"))
    except err.PowershaiPyError:
        if a.flag("Strict"):
            raise
        return CmdletResult([])  # DynamicParam must not fail while the user is still typing
    return CmdletResult([{
        "$type": "GradioDynamicParameter", "Name": p.ps_name, "Type": p.ps_type,
        "ValidateSet": list(p.enum), "HelpMessage": p.help_message, "Position": p.index,
        "HasDefault": p.has_default, "Default": encode(p.default), "GradioName": p.gradio_name,
        "IsFile": p.kind != "value",
    } for p in plan])
