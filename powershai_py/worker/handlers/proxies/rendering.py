"""The PowerShell text of a proxy function (valid for Windows PowerShell 5.1 and 7)."""

from __future__ import annotations

from typing import Any

from ...._session import GradioSession
from .planning import ProxyParam

PROXY_MARKER = "# powershai-py proxy function"


def ps_quote(text: str) -> str:
    """A single-quoted PowerShell string: the generator's quoting, so both sides quote alike."""
    # Imported on first use: the generator package loads its whole toolchain (help, MAML), which
    # the worker's start-up should not pay for until a proxy function is made.
    from ....generator._common import ps_quote as generator_quote

    return generator_quote(str(text))


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

