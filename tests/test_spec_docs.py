"""The cmdlet spec and the help pages agree.

Checks, for every cmdlet in ``PowerShellModule/spec/cmdlets.yaml``:

- it has a platyPS 0.14 ("schema 2.0.0") page in each culture under ``docs/<culture>/``;
- the page's SYNTAX line is the one rendered from the spec;
- the page has a ``### -Name`` section, with a valid yaml block, for every spec parameter.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from powershai_py.generator._markdown import PARAMETER_KEYS

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "PowerShellModule" / "spec" / "cmdlets.yaml"
DOCS = ROOT / "docs"
CULTURES = ("en-US", "es-ES")

# platyPS 0.14 accepts only these keys in a parameter's yaml block (case-insensitive).
PLATYPS_KEYS = set(PARAMETER_KEYS)
SPEC_KEYS = {"name", "type", "position", "default", "aliases", "pipeline", "validateSet", "completer"}
SPEC_EXTRA_KEYS = {"remainingArguments", "note", "mandatory", "hidden", "parameterSets"}

INVOKE_GRADIO_SESSION_API_SYNTAX = (
    "Invoke-GradioSessionApi [[-ApiName] <Object>] [[-Params] <Object>] [[-EventId] <Object>] "
    "[[-session] <Object>] [[-Token] <Object>] [<CommonParameters>]"
)


def load_spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


SPEC = load_spec()
CMDLETS = {c["name"]: c for c in SPEC["cmdlets"]}


def set_names(cmdlet: dict[str, Any]) -> list[str]:
    """The cmdlet's parameter sets, sorted as the pages list them (empty: none)."""
    return sorted({n for p in cmdlet["parameters"] for n in p.get("parameterSets") or []})


def render_syntaxes(cmdlet: dict[str, Any]) -> list[str]:
    """One syntax line per parameter set (one line for a cmdlet without sets)."""
    return [render_syntax(cmdlet, name) for name in set_names(cmdlet)] or [render_syntax(cmdlet)]


def render_syntax(cmdlet: dict[str, Any], set_name: str | None = None) -> str:
    """The syntax line for a spec cmdlet (of one parameter set), parameters in declaration order."""
    parts = [cmdlet["name"]]
    for p in cmdlet["parameters"]:
        if p.get("hidden"):
            continue
        if set_name is not None and p.get("parameterSets") and set_name not in p["parameterSets"]:
            continue
        name, type_ = p["name"], p["type"]
        positional = p.get("position") is not None
        mandatory = bool(p.get("mandatory"))
        if type_ == "SwitchParameter":
            text = f"-{name}" if mandatory else f"[-{name}]"
        elif positional:
            text = f"[-{name}] <{type_}>" if mandatory else f"[[-{name}] <{type_}>]"
        else:
            text = f"-{name} <{type_}>" if mandatory else f"[-{name} <{type_}>]"
        parts.append(text)
    if cmdlet.get("shouldProcess"):
        parts += ["[-WhatIf]", "[-Confirm]"]
    if not cmdlet.get("plainFunction"):  # a function without [CmdletBinding()] has none
        parts.append("[<CommonParameters>]")
    return " ".join(parts)


def doc_path(culture: str, name: str) -> Path:
    return DOCS / culture / f"{name}.md"


def sections(text: str) -> dict[str, str]:
    """``## HEADER`` -> body."""
    out: dict[str, str] = {}
    for m in re.finditer(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, re.S | re.M):
        out[m.group(1).strip()] = m.group(2)
    return out


def param_blocks(text: str) -> dict[str, dict[str, Any]]:
    """``### -Name`` sections of PARAMETERS -> their parsed yaml block."""
    body = sections(text).get("PARAMETERS", "")
    out: dict[str, dict[str, Any]] = {}
    for m in re.finditer(r"^### -(\S+)\n(.*?)(?=^### |\Z)", body, re.S | re.M):
        block = re.search(r"```yaml\n(.*?)```", m.group(2), re.S)
        out[m.group(1)] = yaml_keys(block.group(1)) if block else {}
    return out


def yaml_keys(block: str) -> dict[str, str]:
    """A parameter's yaml block read the way platyPS reads it: one ``Key: value`` per line."""
    out: dict[str, str] = {}
    for line in block.splitlines():
        if line.strip():
            key, sep, value = line.partition(":")
            assert sep, line
            out[key.strip()] = value.strip()
    return out


PAIRS = [(c, n) for n in CMDLETS for c in CULTURES]


def test_spec_header() -> None:
    assert SPEC["schema"] == "powershai-py/cmdlets/1"
    assert SPEC["module"]["name"] == "PowershaiPy"
    assert SPEC["module"]["version"] == "0.1.0"
    assert re.fullmatch(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}", SPEC["module"]["guid"])


def test_spec_parameters_are_well_formed() -> None:
    for c in SPEC["cmdlets"]:
        names = [p["name"] for p in c["parameters"]]
        assert len({n.lower() for n in names}) == len(names), c["name"]
        positions = [p["position"] for p in c["parameters"] if p["position"] is not None]
        assert sorted(positions) == list(range(len(positions))), c["name"]
        assert c["shouldProcess"] in (None, "Low", "Medium", "High")
        for p in c["parameters"]:
            assert SPEC_KEYS <= set(p) <= SPEC_KEYS | SPEC_EXTRA_KEYS, (c["name"], p["name"])
            assert p["pipeline"] in (None, "value", "propertyName", "both")
            assert p["completer"] in (None, "apiName", "sessionName")
            if p["type"] == "SwitchParameter":
                assert p["position"] is None, (c["name"], p["name"])


def test_invoke_gradio_session_api_syntax_is_powershais() -> None:
    assert render_syntax(CMDLETS["Invoke-GradioSessionApi"]) == INVOKE_GRADIO_SESSION_API_SYNTAX


@pytest.mark.parametrize(("culture", "name"), PAIRS)
def test_doc_page_exists_with_front_matter(culture: str, name: str) -> None:
    path = doc_path(culture, name)
    assert path.is_file(), path
    text = path.read_text(encoding="utf-8")
    front = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert front, path
    meta = yaml.safe_load(front.group(1))
    assert meta["external help file"] == "PowershaiPy-help.xml"
    assert meta["Module Name"] == "PowershaiPy"
    assert str(meta["schema"]) == "2.0.0"
    assert re.search(rf"^# {re.escape(name)}$", text, re.M)
    heads = list(sections(text))
    expected = ["SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS"]
    assert heads == expected, (path, heads)
    examples = sections(text)["EXAMPLES"]
    assert re.search(r"^### (Example|Ejemplo) 1: .+\n+```powershell\n", examples, re.M), path


@pytest.mark.parametrize(("culture", "name"), PAIRS)
def test_doc_syntax_matches_spec(culture: str, name: str) -> None:
    text = doc_path(culture, name).read_text(encoding="utf-8")
    found = re.findall(r"```\n(.+?)\n```", sections(text)["SYNTAX"], re.S)
    assert found, name
    assert [f.strip() for f in found] == render_syntaxes(CMDLETS[name])
    headings = re.findall(r"^### (\S+)$", sections(text)["SYNTAX"], re.M)
    assert headings == set_names(CMDLETS[name])


@pytest.mark.parametrize(("culture", "name"), PAIRS)
def test_doc_parameters_match_spec(culture: str, name: str) -> None:
    text = doc_path(culture, name).read_text(encoding="utf-8")
    blocks = param_blocks(text)
    spec_params = CMDLETS[name]["parameters"]
    assert list(blocks) == [p["name"] for p in spec_params], name
    for p in spec_params:
        block = blocks[p["name"]]
        assert block, (name, p["name"])
        assert {k.lower() for k in block} <= PLATYPS_KEYS, (name, p["name"], set(block))
        assert block["Type"] == p["type"]
        want_pos = "Named" if p["position"] is None else str(p["position"] + 1)
        assert block["Position"] == want_pos, (name, p["name"])
        assert block["Required"] == str(bool(p.get("mandatory"))), (name, p["name"])
        pipe = block["Accept pipeline input"]
        want_pipe = {
            None: "False",
            "value": "True (ByValue)",
            "propertyName": "True (ByPropertyName)",
            "both": "True (ByPropertyName, ByValue)",
        }[p["pipeline"]]
        assert pipe == want_pipe, (name, p["name"])
        aliases = block.get("Aliases", "None")
        assert ([] if aliases == "None" else aliases.split(", ")) == p["aliases"], (name, p["name"])
        accepted = block.get("Accepted values", "")
        assert (accepted.split(", ") if accepted else []) == p["validateSet"], (name, p["name"])


# PowerShai's documented syntax, parameters only (its docs' SYNTAX sections, without [<CommonParameters>]).
POWERSHAI_SYNTAX = {
    "New-GradioSession": "[[-AppUrl] <Object>] [[-Name] <Object>] [[-DownloadPath] <Object>] [-Force]",
    "Get-GradioSession": "[[-Session] <Object>] [-Like] [-ById]",
    "Set-GradioSession": "[[-Session] <Object>] [-Default] [[-MaxCalls] <Object>] [[-MaxCallsPolicy] <Object>]",
    "Remove-GradioSession": "[[-Name] <Object>]",
    "Invoke-GradioSessionApi": "[[-ApiName] <Object>] [[-Params] <Object>] [[-EventId] <Object>] [[-session] <Object>] [[-Token] <Object>]",
    "Update-GradioSessionApiResult": "[[-Id] <Object>] [-NoOutput] [[-MaxHeartBeats] <Object>] [[-session] <Object>] [-History]",
    "Get-GradioSessionApi": "[[-Session] <Object>]",
    "Remove-GradioSessionApi": "[[-Target] <Object>] [-Force] [-Elegible] [[-session] <Object>] [-WhatIf] [-Confirm]",
    "Send-GradioApi": "[[-AppUrl] <Object>] [[-ApiName] <Object>] [[-Params] <Object>] [[-SessionHash] <Object>] [[-EventId] <Object>] [[-token] <Object>]",
    "Update-GradioApiResult": "[[-ApiEvent] <Object>] [-Script <Object>] [-MaxHeartBeats <Object>] [-NoOutput] [-History]",
    "Get-GradioInfo": "[[-AppUrl] <Object>]",
    "Invoke-GradioHttp": "[[-url] <Object>] [[-method] <Object>] [[-data] <Object>] [[-ContentType] <Object>] [[-StreamCallback] <Object>] [[-token] <Object>] [[-MaxRedirects] <Object>]",
    "Send-GradioFile": "[[-AppUrl] <Object>] [[-Files] <Object>] [-Raw]",
    "Send-GradioSessionFiles": "[[-files] <Object>] [[-Session] <Object>]",
    "New-GradioSessionApiProxyFunction": "[[-ApiName] <Object>] [[-Prefix] <Object>] [[-Session] <Object>] [-Force]",
    "Get-GradioSessionApiProxyFunction": "[[-Session] <Object>]",
    "Remove-GradioSessionApiProxyFunction": "[[-Function] <Object>]",
    "Invoke-GradioDynamicApi": "[[-ApiName] <Object>] [[-Session] <Object>]",
    "Connect-HuggingFaceSpaceGradio": "[[-space] <Object>] [-Force]",
    "Get-HuggingFaceSpace:Multiple": "[-author <Object>] [-My] [-NoGradioSession]",
    "Get-HuggingFaceSpace:Single": "[[-Space] <Object>] [-NoGradioSession]",
    "Start-HuggingFaceSpace": "[[-space] <Object>]",
    "Wait-HuggingFaceSpace": "[[-Space] <Object>] [-timeout <Object>] [-SleepTime <Object>] [-NoStatus] [-NoStart]",
    "Get-HuggingFaceWhoami": "[[-token] <Object>]",
    # PowerShai prompts with Get-Credential; ours has a mandatory -Token (PowerShell prompts).
    "Set-HuggingFaceToken": "",
    # PowerShai's page shows no parameters (a plain function); its code has Param and value.
    "Convert-GradioParamPowershell": "",
}


@pytest.mark.parametrize("name", sorted(POWERSHAI_SYNTAX))
def test_powershai_documented_syntax_is_kept(name: str) -> None:
    """PowerShai's parameters come first, in its order; ours only follow them."""
    cmdlet_name, _, set_name = name.partition(":")
    ours = render_syntax(CMDLETS[cmdlet_name], set_name or None).removesuffix(
        " [<CommonParameters>]")
    theirs = POWERSHAI_SYNTAX[name]
    if theirs.endswith(" [-WhatIf] [-Confirm]"):
        assert ours.endswith(" [-WhatIf] [-Confirm]")
        ours = ours.removesuffix(" [-WhatIf] [-Confirm]")
        theirs = theirs.removesuffix(" [-WhatIf] [-Confirm]")
    assert (ours + " ").startswith(f"{cmdlet_name} {theirs} ".replace("  ", " ")), ours


def test_every_spec_cmdlet_is_known() -> None:
    known = {n.partition(":")[0] for n in POWERSHAI_SYNTAX}
    assert set(CMDLETS) == known | {"Stop-GradioSessionApi"}
