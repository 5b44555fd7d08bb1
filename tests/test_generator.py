"""The PowerShell module generator: spec + help pages -> psm1, psd1, format.ps1xml, MAML help."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from powershai_py.generator import CULTURES, GeneratorError, find_root, generate, main
from powershai_py.generator._markdown import parse_page
from powershai_py.generator._spec import Spec, load_spec, parse_spec

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "generator"
SPEC_REL = Path("PowerShellModule", "spec", "cmdlets.yaml")
PWSH = REPO / ".tools" / "pwsh" / "pwsh"

NS = {
    "maml": "http://schemas.microsoft.com/maml/2004/10",
    "command": "http://schemas.microsoft.com/maml/dev/command/2004/10",
    "dev": "http://schemas.microsoft.com/maml/dev/2004/10",
}


# -- PowerShell 7-only syntax detection ---------------------------------------------------------


def strip_strings_and_comments(code: str) -> str:
    """Blank out comments and string literals (newlines kept) so token checks see only code."""
    out: list[str] = []
    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        two = code[i : i + 2]
        if two in ("@'", '@"') and code[i + 2 : i + 3] in ("\n", "\r"):
            close = "\n" + two[1] + "@"
            end = code.find(close, i + 2)
            end = n if end < 0 else end + len(close)
            out.append(re.sub(r"[^\n]", " ", code[i:end]))
            i = end
        elif two == "<#":
            end = code.find("#>", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", code[i:end]))
            i = end
        elif ch == "#":
            end = code.find("\n", i)
            end = n if end < 0 else end
            i = end
        elif ch == "'":
            j = i + 1
            while j < n:
                if code[j] == "'" and code[j + 1 : j + 2] == "'":
                    j += 2
                elif code[j] == "'":
                    break
                else:
                    j += 1
            out.append("''" + "\n" * code[i:j].count("\n"))
            i = j + 1
        elif ch == '"':
            j = i + 1
            while j < n:
                if code[j] == "`":
                    j += 2
                elif code[j] == '"' and code[j + 1 : j + 2] == '"':
                    j += 2
                elif code[j] == '"':
                    break
                else:
                    j += 1
            out.append('""' + "\n" * code[i:j].count("\n"))
            i = j + 1
        elif ch == "`":
            out.append(code[i : i + 2])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


_GUARD_RE = re.compile(r"\b(?:if|elseif)\s*\(", re.IGNORECASE)
_GUARD_WORDS = re.compile(r"PSVersionTable|PSEdition|IsCoreCLR", re.IGNORECASE)


def _balanced(code: str, start: int, open_: str, close: str) -> int:
    """Index just past the bracket matching the one at ``start``."""
    depth = 0
    for k in range(start, len(code)):
        if code[k] == open_:
            depth += 1
        elif code[k] == close:
            depth -= 1
            if depth == 0:
                return k + 1
    return len(code)


def remove_version_guarded(code: str) -> str:
    """Blank the bodies of ``if (...$PSVersionTable/$PSEdition/$IsCoreCLR...) { }`` blocks."""
    result = code
    for m in _GUARD_RE.finditer(code):
        cond_end = _balanced(code, m.end() - 1, "(", ")")
        if not _GUARD_WORDS.search(code[m.end() : cond_end]):
            continue
        brace = code.find("{", cond_end)
        if brace < 0:
            continue
        body_end = _balanced(code, brace, "{", "}")
        blank = re.sub(r"[^\n]", " ", code[brace:body_end])
        result = result[:brace] + blank + result[body_end:]
    return result


PS7_ONLY = {
    "null-coalescing ??": re.compile(r"\?\?"),
    "null-conditional ?. / ?[": re.compile(r"\?\.|\}\?\["),
    "ternary a ? b : c": re.compile(r"(?<![|\s({;,=])\s+\?\s+(?!\{)[^\n]*\s:\s"),
    "pipeline chain &&": re.compile(r"&&"),
    "pipeline chain ||": re.compile(r"\|\|"),
    "clean block": re.compile(r"\bclean\s*\{", re.IGNORECASE),
    "-Parallel": re.compile(r"-Parallel\b", re.IGNORECASE),
    # Only ConvertFrom-Json's switch is 7-only; the runtime's own helpers may take -AsHashtable.
    "-AsHashtable": re.compile(r"ConvertFrom-Json\b[^|\n;]*-AsHashtable\b", re.IGNORECASE),
    "-AsByteStream": re.compile(r"-AsByteStream\b", re.IGNORECASE),
    "-SkipHttpErrorCheck": re.compile(r"-SkipHttpErrorCheck\b", re.IGNORECASE),
    "-AdditionalChildPath": re.compile(r"-AdditionalChildPath\b", re.IGNORECASE),
    "ConvertFrom-Json -Depth": re.compile(r"ConvertFrom-Json\b[^|\n;]*-Depth\b", re.IGNORECASE),
}


def ps7_only_findings(script: str) -> list[str]:
    code = remove_version_guarded(strip_strings_and_comments(script))
    findings: list[str] = []
    for lineno, line in enumerate(code.split("\n"), 1):
        for what, rx in PS7_ONLY.items():
            if rx.search(line):
                findings.append(f"line {lineno}: {what}: {script.split(chr(10))[lineno - 1]!r}")
    return findings


def test_ps7_detector_itself() -> None:
    bad = [
        "$a = $b ?? 'x'",
        "${a}?.Name",
        "$x = $cond ? 1 : 2",
        "git status && echo ok",
        "foo || bar",
        "function f { process {} clean { } }",
        "1..3 | ForEach-Object -Parallel { $_ }",
        "$j | ConvertFrom-Json -AsHashtable",
    ]
    for line in bad:
        assert ps7_only_findings(line), line
    good = [
        "$x = 'a ?? b && c || d'",
        "# comment with ?? and && and -AsHashtable",
        "$items | ? { $_.Name }",
        "$items | ?{ $_ }",
        '$m = "x?.y"',
        "if ($PSVersionTable.PSVersion.Major -ge 7) { $o = $j | ConvertFrom-Json -AsHashtable }",
        "@'\n$a ?? $b\n'@",
        "<# block ?? && #>",
        "$h = @{ a = 1; b = 2 }",
        "[Parameter(Mandatory=$true)]",
    ]
    for line in good:
        assert not ps7_only_findings(line), line


# -- helpers ------------------------------------------------------------------------------------


def _text(files: dict[str, bytes], rel: str) -> str:
    return files[rel].decode("utf-8-sig")


def _psd1_list(psd1: str, key: str) -> list[str]:
    m = re.search(rf"^\s*{key}\s*=\s*@\((.*?)\)", psd1, re.MULTILINE | re.DOTALL)
    assert m, key
    return re.findall(r"'([^']*)'", m.group(1))


def _check_outputs(spec: Spec, files: dict[str, bytes]) -> None:
    name = spec.module.name
    expected = {
        f"{name}.psm1",
        f"{name}.psd1",
        f"{name}.format.ps1xml",
        "PowershaiPy.Native.cs",
        *(f"{c}/{name}-help.xml" for c in CULTURES),
    }
    # Conceptual topics (docs/<culture>/about_*.help.txt) come in every culture or in none.
    abouts = {rel for rel in files if re.fullmatch(r"[^/]+/about_[^/]+\.help\.txt", rel)}
    topics = {rel.split("/", 1)[1] for rel in abouts}
    assert abouts == {f"{c}/{t}" for c in CULTURES for t in topics}
    # The in-process bridge is copied when the inputs have one (the real ones do).
    assert set(files) - abouts - {"PowershaiPy.InProcess.cs"} == expected
    for rel, data in files.items():
        assert b"\r" not in data, f"{rel} has CR line endings"
        has_bom = data.startswith(b"\xef\xbb\xbf")
        assert has_bom == rel.endswith((".psm1", ".psd1", ".help.txt")), rel

    psd1 = _text(files, f"{name}.psd1")
    assert _psd1_list(psd1, "FunctionsToExport") == [c.name for c in spec.cmdlets]
    assert _psd1_list(psd1, "AliasesToExport") == spec.aliases
    assert _psd1_list(psd1, "CmdletsToExport") == []
    assert _psd1_list(psd1, "VariablesToExport") == []
    assert "*" not in "".join(_psd1_list(psd1, "FunctionsToExport"))
    assert re.search(r"CompatiblePSEditions = @\('Desktop', 'Core'\)", psd1)
    assert "PowerShellVersion = '5.1'" in psd1

    psm1 = _text(files, f"{name}.psm1")
    assert psm1.count("# .ExternalHelp " + name + "-help.xml") == len(spec.cmdlets)
    assert ".SYNOPSIS" not in psm1.split("#endregion Runtime", 1)[1]
    findings = ps7_only_findings(psm1)
    assert not findings, "PowerShell 7-only syntax in the module:\n" + "\n".join(findings)

    ET.fromstring(files[f"{name}.format.ps1xml"])
    for culture in CULTURES:
        root = ET.fromstring(files[f"{culture}/{name}-help.xml"])
        commands = root.findall("command:command", NS)
        names = [c.findtext("command:details/command:name", namespaces=NS) for c in commands]
        assert names == [c.name for c in spec.cmdlets], culture
        for cmd, cmdlet in zip(commands, spec.cmdlets, strict=True):
            synopsis = cmd.findtext("command:details/maml:description/maml:para", namespaces=NS)
            assert synopsis and synopsis.strip(), (culture, cmdlet.name)
            documented = {
                p.findtext("maml:name", namespaces=NS)
                for p in cmd.findall("command:parameters/command:parameter", NS)
            }
            wanted = {p.name for p in cmdlet.parameters if not p.hidden}
            assert wanted <= documented, (culture, cmdlet.name, wanted - documented)
            in_syntax = [
                p.findtext("maml:name", namespaces=NS)
                for p in cmd.findall("command:syntax/command:syntaxItem/command:parameter", NS)
            ]
            assert wanted <= set(in_syntax), (culture, cmdlet.name)
            for p in cmd.findall("command:parameters/command:parameter", NS):
                assert p.get("position") == "named" or p.get("position", "").isdigit()
                assert p.get("pipelineInput") in (
                    "false",
                    "True (ByValue)",
                    "True (ByPropertyName)",
                    "True (ByValue, ByPropertyName)",
                )
            assert cmd.findall("command:examples/command:example", NS), (culture, cmdlet.name)


def _copy_fixture(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(FIXTURE, root)
    return root


# -- the sample fixture -------------------------------------------------------------------------


def test_fixture_generates_consistent_outputs() -> None:
    spec = load_spec(FIXTURE / SPEC_REL)
    files = generate(FIXTURE)
    _check_outputs(spec, files)
    assert generate(FIXTURE) == files, "output must be deterministic"


def test_fixture_function_shape() -> None:
    psm1 = _text(generate(FIXTURE), "PowershaiPy.psm1")
    assert "[CmdletBinding(SupportsShouldProcess=$true, ConfirmImpact='High')]" in psm1
    assert "[CmdletBinding(PositionalBinding=$false)]" in psm1
    assert "[Parameter(Position=3, ValueFromPipeline=$true)]\n        $session = '.'," in psm1
    assert "[switch]$Force" in psm1
    assert "[Int32]$MaxCalls" in psm1
    assert "[ValidateSet('error', 'warning', 'remove')]" in psm1
    assert "[Alias('Id')]" in psm1
    assert "ValueFromPipelineByPropertyName=$true" in psm1
    assert "Set-Alias -Name 'Get-HfSpace' -Value 'Get-HuggingFaceSpace'" in psm1
    assert (
        "process { Invoke-PshaiCmdlet -Name 'Invoke-GradioSessionApi' -Bound $PSBoundParameters "
        "-Cmdlet $PSCmdlet }" in psm1
    )
    assert "if (Get-Command Register-ArgumentCompleter -ErrorAction SilentlyContinue) {" in psm1
    assert "Complete-PshaiApiName $commandName $parameterName $wordToComplete" in psm1
    assert "-ParameterName 'session'" in psm1
    assert re.search(
        r"Export-ModuleMember -Function @\(.*?\) -Alias @\(\s*'Get-HfSpace'", psm1, re.S
    )
    assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:", psm1), "no timestamps"


def test_check_and_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = ["--root", str(FIXTURE), "--out", str(out)]
    assert main([*args, "--check"]) == 1
    assert main(args) == 0
    assert main([*args, "--check"]) == 0
    (out / "PowershaiPy.psd1").write_bytes(b"changed")
    (out / "es-ES" / "PowershaiPy-help.xml").unlink()
    capsys.readouterr()
    assert main([*args, "--check"]) == 1
    err = capsys.readouterr().err
    assert "PowershaiPy.psd1" in err and "es-ES/PowershaiPy-help.xml" in err
    assert "PowershaiPy.psm1" not in err


def test_inputs_change_the_hash(tmp_path: Path) -> None:
    root = _copy_fixture(tmp_path)
    before = _text(generate(root), "PowershaiPy.psd1")
    page = root / "docs" / "es-ES" / "Set-GradioSession.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    after = _text(generate(root), "PowershaiPy.psd1")
    assert before != after
    # CRLF checkouts hash like LF ones.
    page.write_bytes(page.read_bytes().replace(b"\n", b"\r\n"))
    assert _text(generate(root), "PowershaiPy.psd1") == after


def test_missing_page_is_an_error(tmp_path: Path) -> None:
    root = _copy_fixture(tmp_path)
    (root / "docs" / "es-ES" / "Set-GradioSession.md").unlink()
    with pytest.raises(GeneratorError, match=r"missing: docs/es-ES/Set-GradioSession\.md"):
        generate(root)
    assert main(["--root", str(root), "--out", str(tmp_path / "o")]) == 2


def test_page_missing_a_parameter_is_an_error(tmp_path: Path) -> None:
    root = _copy_fixture(tmp_path)
    page = root / "docs" / "en-US" / "Remove-GradioSessionApi.md"
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"### -Force\n.*?```yaml\n.*?```\n", "", text, flags=re.S)
    page.write_text(text, encoding="utf-8")
    with pytest.raises(GeneratorError, match=r"-Force of Remove-GradioSessionApi"):
        generate(root)


def test_page_documenting_an_unknown_parameter_is_an_error(tmp_path: Path) -> None:
    root = _copy_fixture(tmp_path)
    page = root / "docs" / "en-US" / "Get-HuggingFaceSpace.md"
    text = page.read_text(encoding="utf-8").replace("### -Space", "### -Spaces")
    page.write_text(text, encoding="utf-8")
    with pytest.raises(GeneratorError, match=r"-Spaces"):
        generate(root)


def test_missing_runtime_part_is_an_error(tmp_path: Path) -> None:
    root = _copy_fixture(tmp_path)
    (root / "PowerShellModule" / "src" / "runtime" / "Stub.ps1").unlink()
    with pytest.raises(GeneratorError, match="missing runtime"):
        generate(root)


def test_runtime_part_not_in_the_order_is_an_error(tmp_path: Path) -> None:
    root = _copy_fixture(tmp_path)
    (root / "PowerShellModule" / "src" / "runtime" / "Extra.ps1").write_text("# x\n")
    with pytest.raises(GeneratorError, match=r"not listed in .*runtime/order\.txt: Extra\.ps1"):
        generate(root)


def test_native_part_not_in_the_order_is_an_error(tmp_path: Path) -> None:
    root = _copy_fixture(tmp_path)
    (root / "PowerShellModule" / "src" / "native" / "Extra.cs").write_text("// x\n")
    with pytest.raises(GeneratorError, match=r"not listed in .*native/order\.txt: Extra\.cs"):
        generate(root)


def test_runtime_parts_are_inlined_in_declared_order(tmp_path: Path) -> None:
    root = _copy_fixture(tmp_path)
    folder = root / "PowerShellModule" / "src" / "runtime"
    (folder / "A.ps1").write_text("$script:Order = 'A'\n")
    (folder / "order.txt").write_text("A.ps1\nStub.ps1\n")
    psm1 = _text(generate(root), "PowershaiPy.psm1")
    assert psm1.index("$script:Order = 'A'") < psm1.index("function Invoke-PshaiCmdlet")


def test_native_parts_join_with_usings_first(tmp_path: Path) -> None:
    root = _copy_fixture(tmp_path)
    folder = root / "PowerShellModule" / "src" / "native"
    (folder / "A.cs").write_text(
        "using System.Text;\nusing System;\n\nnamespace N\n{\n    class A { }\n}\n"
    )
    (folder / "B.cs").write_text("using System;\n\nnamespace N\n{\n    class B { }\n}\n")
    (folder / "order.txt").write_text("B.cs\nA.cs\nStub.cs\n")
    native = _text(generate(root), "PowershaiPy.Native.cs")
    lines = native.split("\n")
    usings = [i for i, line in enumerate(lines) if line.startswith("using ")]
    assert [lines[i] for i in usings] == ["using System;", "using System.Text;"]
    assert max(usings) < native.split("\n").index("namespace N")
    assert native.index("class B") < native.index("class A")


_MINIMAL: dict[str, object] = {
    "schema": "powershai-py/cmdlets/1",
    "module": {
        "name": "M",
        "version": "1.0.0",
        "guid": "9b99b572-800c-4d55-9b36-9922e8d9abb7",
        "description": "d",
    },
    "cmdlets": [{"name": "Get-Thing", "parameters": [{"name": "X"}]}],
}


def _with(path: tuple[str | int, ...], value: object) -> dict[str, object]:
    data: dict[str, object] = copy.deepcopy(dict(_MINIMAL))
    target: object = data
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("cmdlets", 0, "paramters"), [], r"unknown key\(s\) paramters"),
        (("cmdlets", 0, "parameters", 0, "typo"), 1, r"Get-Thing.*unknown key\(s\) typo"),
        (("cmdlets", 0, "parameters", 0, "pipeline"), "yes", r"pipeline: 'yes' is not one of"),
        (("cmdlets", 0, "parameters", 0, "completer"), "x", r"completer"),
        (("cmdlets", 0, "parameters", 0, "position"), -1, r"position"),
        (("cmdlets", 0, "shouldProcess"), "Huge", r"shouldProcess"),
        (("module", "guid"), "nope", r"not a GUID"),
        (("schema",), "other/1", r"expected 'powershai-py/cmdlets/1'"),
        (("cmdlets", 0, "name"), "Thing", r"Verb-Noun"),
    ],
)
def test_spec_validation(path: tuple[str | int, ...], value: object, message: str) -> None:
    with pytest.raises(GeneratorError, match=message):
        parse_spec(_with(path, value))


def test_spec_missing_field() -> None:
    data = _with(("cmdlets", 0, "parameters", 0), {"type": "Object"})
    with pytest.raises(GeneratorError, match=r"missing required key\(s\) name"):
        parse_spec(data)
    spec = parse_spec(_MINIMAL)
    assert spec.cmdlets[0].parameters[0].type == "Object"


def test_markdown_unknown_yaml_key() -> None:
    page = (
        "# Get-Thing\n\n## SYNOPSIS\ns\n\n## PARAMETERS\n\n"
        "### -X\nd\n\n```yaml\nParameter Set: (All)\n```\n"
    )
    with pytest.raises(GeneratorError, match=r"unknown yaml key 'Parameter Set'"):
        parse_page(page, "p.md")


def test_markdown_model() -> None:
    help_ = parse_page((FIXTURE / "docs/en-US/Remove-GradioSessionApi.md").read_text("utf-8"), "x")
    assert help_.name == "Remove-GradioSessionApi"
    assert help_.synopsis.startswith("Synopsis of")
    assert help_.syntax and help_.syntax[0].startswith("Remove-GradioSessionApi ")
    assert list(help_.parameters) == ["Id", "Force", "session"]
    assert help_.parameters["session"].field("Default value") == "."
    assert help_.examples[0].code.startswith("PS C:\\> Remove-GradioSessionApi")
    assert help_.examples[0].remarks.startswith("This example")
    assert help_.inputs[0].name == "None" and help_.outputs[0].name == "System.Object"
    assert help_.links[0].text == "Invoke-GradioSessionApi"


# -- the real spec, docs and committed module ---------------------------------------------------


def test_real_inputs_generate(tmp_path: Path) -> None:
    out = tmp_path / "PowershaiPy"
    assert main(["--root", str(REPO), "--out", str(out)]) == 0
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    _check_outputs(load_spec(REPO / SPEC_REL), files)
    assert files == generate(REPO)


def test_committed_module_is_not_stale(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # the root is found from the current folder
    code = main(["--check"])
    assert code == 0, capsys.readouterr().err


def _run_pester(env: dict[str, str]) -> None:
    if not PWSH.exists():
        pytest.skip("PowerShell 7 is not installed in .tools/pwsh")
    script = (
        "$p = Join-Path $env:REPO '.tools/pester.path';"
        "if (Test-Path $p) { Import-Module (Get-Content $p -Raw).Trim() }"
        " else { Import-Module Pester };"
        "$c = New-PesterConfiguration;"
        "$c.Run.Path = Join-Path $env:REPO 'tests/pester/Generated.Tests.ps1';"
        "$c.Run.Exit = $true; $c.Output.Verbosity = 'Detailed'; Invoke-Pester -Configuration $c"
    )
    proc = subprocess.run(
        [str(PWSH), "-NoProfile", "-NonInteractive", "-Command", script],
        capture_output=True,
        text=True,
        env={**os.environ, "REPO": str(REPO), **env},
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]


@pytest.mark.pwsh
@pytest.mark.timeout(600)
def test_pester_on_fixture_module(tmp_path: Path) -> None:
    out = tmp_path / "PowershaiPy"
    assert main(["--root", str(FIXTURE), "--out", str(out)]) == 0
    _run_pester(
        {
            "PSHAI_GENERATED_MODULE": str(out / "PowershaiPy.psd1"),
            "PSHAI_DOCS_ROOT": str(FIXTURE / "docs"),
        }
    )


@pytest.mark.pwsh
@pytest.mark.timeout(600)
def test_pester_on_committed_module() -> None:
    _run_pester({})


def test_should_process_cmdlets_pass_ask_decided_by_the_spec() -> None:
    psm1 = _text(generate(find_root(Path(__file__))), "PowershaiPy.psm1")
    assert ("Invoke-PshaiCmdlet -Name 'Remove-GradioSessionApi' -Bound $PSBoundParameters "
            "-Cmdlet $PSCmdlet -Ask:(-not ($PSBoundParameters.ContainsKey('Elegible')))") in psm1
    assert "-Name 'Get-GradioSession' -Bound $PSBoundParameters -Cmdlet $PSCmdlet }" in psm1
    runtime = psm1.split("#endregion Runtime", 1)[0]
    assert "Elegible" not in runtime  # the rule lives in the spec, not in the runtime


def test_confirm_skipped_by_needs_should_process() -> None:
    raw = _with(("cmdlets", 0, "confirmSkippedBy"), ["X"])
    with pytest.raises(GeneratorError, match="only for a cmdlet with shouldProcess"):
        parse_spec(raw)


def test_confirm_skipped_by_names_a_parameter() -> None:
    raw = _with(("cmdlets", 0, "confirmSkippedBy"), ["Y"])
    raw["cmdlets"][0]["shouldProcess"] = "High"  # type: ignore[index]
    with pytest.raises(GeneratorError, match="confirmSkippedBy: no parameter Y"):
        parse_spec(raw)


def test_dynamic_parameters_come_from_the_worker_cmdlet_the_spec_names() -> None:
    psm1 = _text(generate(find_root(Path(__file__))), "PowershaiPy.psm1")
    function = psm1.split("function Invoke-GradioDynamicApi {", 1)[1].split("\n}\n", 1)[0]
    assert ("DynamicParam { Get-PshaiDynamicParameters -Source 'Get-GradioDynamicApiParameter' "
            "-Bound $PSBoundParameters -Static @('ApiName', 'Session', 'Params') }") in function
    # Only the cmdlets whose spec asks for them get a DynamicParam block.
    assert psm1.count("DynamicParam {") == 1


def test_import_arguments_are_the_modules_own_first_statement() -> None:
    psm1 = _text(generate(find_root(Path(__file__))), "PowershaiPy.psm1")
    code = [line for line in psm1.lstrip("\ufeff").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    assert code[0] == "param($Transport)"
