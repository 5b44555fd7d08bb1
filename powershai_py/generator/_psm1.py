"""Render the root module ``<Module>.psm1``.

Layout: a provenance header (no timestamps, so output is reproducible), the hand-written runtime
inlined verbatim, one advanced function per spec cmdlet, aliases, argument completers and a final
``Export-ModuleMember``. Everything emitted here must parse in Windows PowerShell 5.1.
"""

from __future__ import annotations

from ._common import GENERATOR_NAME, Provenance, ps_quote
from ._spec import CmdletSpec, ParameterSpec, Spec

__all__ = ["render_function", "render_psm1"]

_COMPLETERS = {"apiName": "Complete-PshaiApiName", "sessionName": "Complete-PshaiSessionName"}
_INDENT = "    "


def _parameter_attributes(p: ParameterSpec) -> list[str]:
    """One [Parameter()] per parameter set it belongs to (one without a set name otherwise)."""
    if not p.parameter_sets:
        return [_parameter_attribute(p, None)]
    return [_parameter_attribute(p, name) for name in p.parameter_sets]


def _parameter_attribute(p: ParameterSpec, set_name: str | None) -> str:
    args: list[str] = []
    if set_name is not None:
        args.append(f"ParameterSetName={ps_quote(set_name)}")
    if p.position is not None:
        args.append(f"Position={p.position}")
    if p.mandatory:
        args.append("Mandatory=$true")
    if p.by_value:
        args.append("ValueFromPipeline=$true")
    if p.by_property_name:
        args.append("ValueFromPipelineByPropertyName=$true")
    if p.remaining_arguments:
        args.append("ValueFromRemainingArguments=$true")
    if p.hidden:
        args.append("DontShow=$true")
    return f"[Parameter({', '.join(args)})]"


def _type_attribute(p: ParameterSpec) -> str | None:
    if p.is_switch:
        return "[switch]"
    if p.is_object:
        return None
    return f"[{p.type}]"


def _render_parameter(p: ParameterSpec) -> list[str]:
    ind = _INDENT * 2
    lines = [ind + attribute for attribute in _parameter_attributes(p)]
    if p.aliases:
        lines.append(ind + "[Alias(" + ", ".join(ps_quote(a) for a in p.aliases) + ")]")
    if p.validate_set:
        lines.append(ind + "[ValidateSet(" + ", ".join(ps_quote(v) for v in p.validate_set) + ")]")
    decl = f"${p.name}"
    type_attr = _type_attribute(p)
    if type_attr:
        decl = type_attr + decl
    if p.default is not None and p.default.strip():
        decl += f" = {p.default.strip()}"
    lines.append(ind + decl)
    return lines


def _cmdlet_binding(c: CmdletSpec) -> str:
    args: list[str] = []
    if c.should_process:
        args.append("SupportsShouldProcess=$true")
        args.append(f"ConfirmImpact='{c.should_process}'")
    if c.parameters and all(p.position is None for p in c.parameters):
        # Script functions number undeclared positions themselves unless told not to.
        args.append("PositionalBinding=$false")
    return f"[CmdletBinding({', '.join(args)})]"


def _render_plain_function(c: CmdletSpec, module_name: str) -> list[str]:
    """No [CmdletBinding()] and no parameter attributes, as PowerShai declared it; an advanced
    runtime helper runs the call, with this function's invocation for its errors."""
    params = [_render_parameter(p)[-1] for p in c.parameters]
    return [
        f"function {c.name} {{",
        f"{_INDENT}# .ExternalHelp {module_name}-help.xml",
        f"{_INDENT}param(",
        *[line + ("," if i < len(params) - 1 else "") for i, line in enumerate(params)],
        f"{_INDENT})",
        f"{_INDENT}Invoke-PshaiPlainFunction -Name {ps_quote(c.name)} -Bound $PSBoundParameters "
        "-Invocation $MyInvocation",
        "}",
    ]


def render_function(c: CmdletSpec, module_name: str) -> list[str]:
    if c.plain_function:
        return _render_plain_function(c, module_name)
    lines = [
        f"function {c.name} {{",
        f"{_INDENT}# .ExternalHelp {module_name}-help.xml",
        _INDENT + _cmdlet_binding(c),
    ]
    if c.parameters:
        lines.append(f"{_INDENT}param(")
        for i, p in enumerate(c.parameters):
            block = _render_parameter(p)
            if i < len(c.parameters) - 1:
                block[-1] += ","
            lines.extend(block)
            if i < len(c.parameters) - 1:
                lines.append("")
        lines.append(f"{_INDENT})")
    else:
        lines.append(f"{_INDENT}param()")
    if c.dynamic_parameters:
        # Real dynamic parameters (tab completion, Get-Command -ArgumentList see them): the
        # worker lists them from the static parameters bound so far.
        static = ", ".join(ps_quote(p.name) for p in c.parameters)
        lines.append(
            f"{_INDENT}DynamicParam {{ Get-PshaiDynamicParameters -Source "
            f"{ps_quote(c.dynamic_parameters)} -Bound $PSBoundParameters -Static @({static}) }}")
    ask = ""
    if c.should_process:
        # Whether this call asks ShouldProcess (two-phase, docs/DESIGN.md): the spec says which
        # parameters turn it into a listing that needs no confirmation.
        skip = " -or ".join(f"$PSBoundParameters.ContainsKey({ps_quote(n)})"
                            for n in c.confirm_skipped_by)
        ask = f" -Ask:(-not ({skip}))" if skip else " -Ask:$true"
    lines.append(
        f"{_INDENT}process {{ Invoke-PshaiCmdlet -Name {ps_quote(c.name)} "
        f"-Bound $PSBoundParameters -Cmdlet $PSCmdlet{ask} }}"
    )
    lines.append("}")
    return lines


def _completer_lines(spec: Spec) -> list[str]:
    pairs = [
        (c.name, p.name, _COMPLETERS[p.completer])
        for c in spec.cmdlets
        for p in c.parameters
        if p.completer is not None
    ]
    if not pairs:
        return []
    lines = ["if (Get-Command Register-ArgumentCompleter -ErrorAction SilentlyContinue) {"]
    for cmd, param, fn in pairs:
        lines += [
            f"{_INDENT}Register-ArgumentCompleter -CommandName {ps_quote(cmd)} "
            f"-ParameterName {ps_quote(param)} -ScriptBlock {{",
            f"{_INDENT * 2}param($commandName, $parameterName, $wordToComplete, $commandAst, "
            "$fakeBoundParameters)",
            f"{_INDENT * 2}{fn} $commandName $parameterName $wordToComplete $commandAst "
            "$fakeBoundParameters",
            f"{_INDENT}}}",
        ]
    lines.append("}")
    return lines


def _export_list(items: list[str]) -> str:
    if not items:
        return "@()"
    inner = ",\n".join(f"{_INDENT}{ps_quote(i)}" for i in items)
    return f"@(\n{inner}\n)"


def render_psm1(spec: Spec, runtime: str, provenance: Provenance, runtime_path: str) -> str:
    """Return the module text (LF line endings, no BOM; the caller encodes)."""
    name = spec.module.name
    runtime = runtime.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").rstrip("\n")
    out: list[str] = [
        f"# {name}.psm1 - generated by {GENERATOR_NAME} {provenance.generator_version}.",
        "# DO NOT EDIT: change the spec, the help pages or the runtime and regenerate",
        "# (python -m powershai_py generate).",
        f"# Spec schema: {provenance.spec_schema}",
        f"# Inputs hash: {provenance.inputs_hash}",
        f"# Module: {name} {spec.module.version}",
        "",
    ]
    if spec.module.import_arguments:
        # The module's own parameters: Import-Module -ArgumentList binds them by position.
        names = ", ".join(f"${n}" for n in spec.module.import_arguments)
        out += [f"param({names})", ""]
    out += [
        f"#region Runtime ({runtime_path}, inlined verbatim)",
        runtime,
        "#endregion Runtime",
        "",
        "#region Cmdlets (generated from the spec)",
    ]
    for c in spec.cmdlets:
        out.extend(render_function(c, name))
        out.append("")
    out.append("#endregion Cmdlets")
    out.append("")
    aliases = [(a, c.name) for c in spec.cmdlets for a in c.aliases]
    if aliases:
        out.append("#region Aliases")
        for alias, target in aliases:
            out.append(f"Set-Alias -Name {ps_quote(alias)} -Value {ps_quote(target)}")
        out.append("#endregion Aliases")
        out.append("")
    completers = _completer_lines(spec)
    if completers:
        out.append("#region Argument completers")
        out.extend(completers)
        out.append("#endregion Argument completers")
        out.append("")
    functions = [c.name for c in spec.cmdlets]
    alias_names = [a for a, _ in aliases]
    exports = f"-Function {_export_list(functions)} -Alias {_export_list(alias_names)}"
    out.append(f"Export-ModuleMember {exports}")
    return "\n".join(out) + "\n"
