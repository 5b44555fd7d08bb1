"""Render MAML help (``<culture>/<Module>-help.xml``) from the help pages plus the spec.

The mapping follows platyPS 0.14 (see ECOSYSTEM.md a2). Syntax and parameter metadata (required,
position, pipeline input, aliases, accepted values) come from the spec, which is what the module
really declares; texts (synopsis, descriptions, examples, notes, links) come from the page.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ._markdown import CommandHelp, ParameterHelp, example_title, split_paragraphs
from ._spec import CmdletSpec, GeneratorError, ParameterSpec, Spec

__all__ = ["COMMON_DOC_PARAMETERS", "render_maml", "validate_page"]

NS_MSH = "http://msh"
NS_MAML = "http://schemas.microsoft.com/maml/2004/10"
NS_COMMAND = "http://schemas.microsoft.com/maml/dev/command/2004/10"
NS_DEV = "http://schemas.microsoft.com/maml/dev/2004/10"
NS_MSHELP = "http://msdn.microsoft.com/mshelp"

_PREFIXES = {"maml": NS_MAML, "command": NS_COMMAND, "dev": NS_DEV, "MSHelp": NS_MSHELP}
for _prefix, _uri in _PREFIXES.items():
    ET.register_namespace(_prefix, _uri)

_ABSOLUTE_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")

#: Parameters a page may document although the spec does not declare them.
COMMON_DOC_PARAMETERS = ("WhatIf", "Confirm", "ProgressAction")

_SHOULD_PROCESS_TEXT = {
    "en-US": {
        "WhatIf": "Shows what would happen if the cmdlet runs. The cmdlet is not run.",
        "Confirm": "Prompts you for confirmation before running the cmdlet.",
    },
    "es-ES": {
        "WhatIf": "Muestra lo que sucedería si se ejecutara el cmdlet. El cmdlet no se ejecuta.",
        "Confirm": "Solicita confirmación antes de ejecutar el cmdlet.",
    },
}


def _maml(tag: str) -> str:
    return f"{{{NS_MAML}}}{tag}"


def _cmd(tag: str) -> str:
    return f"{{{NS_COMMAND}}}{tag}"


def _dev(tag: str) -> str:
    return f"{{{NS_DEV}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


# Get-Help prints MAML text as it is: Markdown's inline code marks (`/info`) would show raw.
_INLINE_CODE = re.compile(r"`([^`\n]+)`")


def plain_text(text: str) -> str:
    """Prose from a help page as Get-Help should print it: inline code without its backticks."""
    return _INLINE_CODE.sub(r"\1", text)


def _paras(parent: ET.Element, text: str) -> None:
    paragraphs = split_paragraphs(text)
    if not paragraphs:
        _sub(parent, _maml("para"))
    for para in paragraphs:
        _sub(parent, _maml("para"), plain_text(para))


def _description(parent: ET.Element, text: str) -> None:
    _paras(_sub(parent, _maml("description")), text)


def validate_page(cmdlet: CmdletSpec, page: CommandHelp, culture: str) -> None:
    """Raise GeneratorError when ``page`` does not document ``cmdlet`` completely."""
    where = f"{page.source} ({culture})"
    if page.name != cmdlet.name:
        raise GeneratorError(f"{where}: title is '# {page.name}', expected '# {cmdlet.name}'")
    if not page.synopsis:
        raise GeneratorError(f"{where}: ## SYNOPSIS is empty")
    missing = [p.name for p in cmdlet.parameters if not p.hidden and page.parameter(p.name) is None]
    declared = {p.name.lower() for p in cmdlet.parameters}
    allowed = declared | {c.lower() for c in COMMON_DOC_PARAMETERS}
    extra = [n for n in page.parameters if n.lower() not in allowed]
    problems: list[str] = []
    if missing:
        problems.append(
            f"parameter(s) {', '.join('-' + m for m in missing)} of {cmdlet.name} "
            "are not documented under ## PARAMETERS"
        )
    if extra:
        problems.append(
            f"parameter(s) {', '.join('-' + e for e in extra)} are documented but "
            f"{cmdlet.name} has no such parameter in the spec"
        )
    if problems:
        raise GeneratorError(f"{where}: " + "; ".join(problems))


def _pipeline_input(p: ParameterSpec) -> str:
    if p.pipeline == "value":
        return "True (ByValue)"
    if p.pipeline == "propertyName":
        return "True (ByPropertyName)"
    if p.pipeline == "both":
        return "True (ByValue, ByPropertyName)"
    return "false"


def _globbing(doc: ParameterHelp | None) -> str:
    value = doc.field("accept wildcard characters").strip().lower() if doc else ""
    return "true" if value == "true" else "false"


def _default_value(p: ParameterSpec, doc: ParameterHelp | None) -> str:
    documented = doc.field("default value").strip() if doc else ""
    if documented:
        return documented
    if p.default is not None and p.default.strip():
        literal = p.default.strip()
        if len(literal) >= 2 and literal[0] == literal[-1] and literal[0] in "'\"":
            return literal[1:-1]
        return literal
    return "None"


def _parameter_element(
    parent: ET.Element, p: ParameterSpec, doc: ParameterHelp | None, in_syntax: bool
) -> None:
    position = "named" if p.position is None else str(p.position + 1)
    el = _sub(
        parent,
        _cmd("parameter"),
        required="true" if p.mandatory else "false",
        variableLength="true",
        globbing=_globbing(doc),
        pipelineInput=_pipeline_input(p),
        position=position,
        aliases=", ".join(p.aliases) if p.aliases else "none",
    )
    _sub(el, _maml("name"), p.name)
    _description(el, doc.description if doc else "")
    if p.validate_set and not in_syntax:
        # Only under PARAMETERS: in SYNTAX a value group would render as {a | b}, while
        # Get-Command -Syntax and PowerShai's pages show the type (<Object>).
        group = _sub(el, _cmd("parameterValueGroup"))
        for value in p.validate_set:
            _sub(group, _cmd("parameterValue"), value, required="false", variableLength="false")
    type_name = "SwitchParameter" if p.is_switch else p.type
    if not p.is_switch:
        _sub(el, _cmd("parameterValue"), type_name, required="true", variableLength="false")
    dev_type = _sub(el, _dev("type"))
    _sub(dev_type, _maml("name"), type_name)
    _sub(dev_type, _maml("uri"))
    _sub(
        el,
        _dev("defaultValue"),
        "False" if p.is_switch and p.default is None else _default_value(p, doc),
    )


def _documented_parameters(
    cmdlet: CmdletSpec, page: CommandHelp, culture: str
) -> list[tuple[ParameterSpec, ParameterHelp | None]]:
    params: list[tuple[ParameterSpec, ParameterHelp | None]] = []
    for p in cmdlet.parameters:
        doc = page.parameter(p.name)
        if p.hidden and doc is None:
            continue
        params.append((p, doc))
    if cmdlet.should_process:
        texts = _SHOULD_PROCESS_TEXT.get(culture, _SHOULD_PROCESS_TEXT["en-US"])
        for name, alias in (("WhatIf", "wi"), ("Confirm", "cf")):
            doc = page.parameter(name) or ParameterHelp(name, texts[name], {})
            params.append((ParameterSpec(name=name, type="SwitchParameter", aliases=(alias,)), doc))
    return params


def _types(parent: ET.Element, container: str, item: str, types: list[tuple[str, str]]) -> None:
    box = _sub(parent, _cmd(container))
    for name, description in types:
        el = _sub(box, _cmd(item))
        dev_type = _sub(el, _dev("type"))
        _sub(dev_type, _maml("name"), name)
        _description(el, description)


def _command(root: ET.Element, cmdlet: CmdletSpec, page: CommandHelp, culture: str) -> None:
    cmd = _sub(root, _cmd("command"))
    details = _sub(cmd, _cmd("details"))
    _sub(details, _cmd("name"), cmdlet.name)
    _sub(details, _cmd("verb"), cmdlet.verb)
    _sub(details, _cmd("noun"), cmdlet.noun)
    _description(details, page.synopsis)
    _description(cmd, page.description)

    params = _documented_parameters(cmdlet, page, culture)
    syntax = _sub(cmd, _cmd("syntax"))
    # One syntax item per parameter set (sorted, as PowerShai's pages list them), each with the
    # parameters that set may use; one item for a cmdlet without sets.
    for set_name in cmdlet.parameter_set_names or (None,):
        item = _sub(syntax, _cmd("syntaxItem"))
        _sub(item, _maml("name"), cmdlet.name)
        # Spec order is PowerShai's documented syntax order (switches between positional
        # parameters included), so Get-Help shows the SYNTAX line of PowerShai's pages.
        for p, doc in params:
            if set_name is None or not p.parameter_sets or set_name in p.parameter_sets:
                _parameter_element(item, p, doc, in_syntax=True)
    plist = _sub(cmd, _cmd("parameters"))
    for p, doc in params:
        _parameter_element(plist, p, doc, in_syntax=False)

    inputs = [(t.name, t.description) for t in page.inputs] or [("None", "")]
    _types(cmd, "inputTypes", "inputType", inputs)
    outputs = [(t.name, t.description) for t in page.outputs]
    if not outputs:
        outputs = [(name, "") for name in cmdlet.output] or [("System.Object", "")]
    _types(cmd, "returnValues", "returnValue", outputs)

    if page.notes:
        _paras(_sub(_sub(cmd, _maml("alertSet")), _maml("alert")), page.notes)

    examples = _sub(cmd, _cmd("examples"))
    for n, example in enumerate(page.examples, 1):
        ex = _sub(examples, _cmd("example"))
        title = example.title if example_title(example.title) else f"Example {n}"
        _sub(ex, _maml("title"), f"-------------------------- {title} --------------------------")
        _sub(ex, _dev("code"), example.code)
        remarks = _sub(ex, _dev("remarks"))
        _paras(remarks, example.remarks)
        if example.remarks.strip():
            _sub(remarks, _maml("para"))  # Get-Help then leaves a blank line before the next title

    links = _sub(cmd, _cmd("relatedLinks"))
    online = page.front_matter.get("online version", "").strip()
    if online:
        nav = _sub(links, _maml("navigationLink"))
        _sub(nav, _maml("linkText"), "Online Version:")
        _sub(nav, _maml("uri"), online)
    for link in page.links:
        nav = _sub(links, _maml("navigationLink"))
        _sub(nav, _maml("linkText"), link.text)
        # Get-Help rejects relative URIs (e.g. "Other-Cmdlet.md"); keep only absolute ones.
        _sub(nav, _maml("uri"), link.uri if _ABSOLUTE_URI_RE.match(link.uri) else "")


def render_maml(spec: Spec, pages: dict[str, CommandHelp], culture: str, comment: str) -> str:
    """Return the MAML document for one culture; ``pages`` maps cmdlet name to its page."""
    # ElementTree cannot give a default namespace to a tree with unqualified attributes, so the
    # default xmlns is written as a plain attribute; every child element is prefix-qualified.
    root = ET.Element("helpItems", {"schema": "maml", "xmlns": NS_MSH})
    root.append(ET.Comment(f" {comment} "))
    for cmdlet in spec.cmdlets:
        page = pages.get(cmdlet.name)
        if page is None:
            raise GeneratorError(f"no {culture} help page for {cmdlet.name}")
        validate_page(cmdlet, page, culture)
        _command(root, cmdlet, page, culture)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
