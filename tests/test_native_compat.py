"""The runtime's C# must compile where Windows PowerShell 5.1 compiles it.

Windows PowerShell 5.1's Add-Type uses the .NET Framework's C# 5 compiler against its own
System.Management.Automation; this machine has no Windows, so the check builds the same source with
the .NET SDK at language version 5 against PowerShell Standard 5.1 (the API both editions share),
with warnings as errors (PowerShell 7's Add-Type also refuses a source that warns). The in-process
bridge (src/inprocess/PythonHost.cs) is built the same way against the real Python.Runtime.dll of
the installed pythonnet wheel, which is what the runtime references when it compiles the bridge.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from powershai_py.worker._inprocess import runtime_assembly

ROOT = Path(__file__).resolve().parents[1]
# What Add-Type compiles: the parts in src/native/ as the generator joined them.
SOURCE = ROOT / "PowerShellModule" / "PowershaiPy" / "PowershaiPy.Native.cs"
DOTNET = shutil.which("dotnet")

PROJECT = """<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>netstandard2.0</TargetFramework>
    <LangVersion>5</LangVersion>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <Nullable>disable</Nullable>
    <ImplicitUsings>disable</ImplicitUsings>
    <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
  </PropertyGroup>
  <ItemGroup>
    <Compile Include="{source}" />
    {reference}
  </ItemGroup>
</Project>
"""


POWERSHELL_STANDARD = (
    '<PackageReference Include="PowerShellStandard.Library" Version="5.1.1" PrivateAssets="all" />')
BRIDGE = ROOT / "PowerShellModule" / "src" / "inprocess" / "PythonHost.cs"


def _build(folder: Path, source: Path, reference: str = POWERSHELL_STANDARD
           ) -> subprocess.CompletedProcess[str]:
    project = folder / "compat.csproj"
    project.write_text(PROJECT.format(source=source, reference=reference), encoding="utf-8")
    assert DOTNET is not None
    return subprocess.run(
        [DOTNET, "build", str(project), "-nologo", "-v", "q", "-o", str(folder / "out")],
        capture_output=True, text=True, timeout=600, check=False,
    )


@pytest.mark.skipif(DOTNET is None, reason="no .NET SDK on PATH")
def test_native_source_builds_as_csharp5_for_powershell51(tmp_path: Path) -> None:
    result = _build(tmp_path, SOURCE)
    output = result.stdout + result.stderr
    if result.returncode != 0 and any(code in output for code in ("NU1101", "NU1301", "NU1102")):
        pytest.skip("PowerShellStandard.Library could not be restored from NuGet here")
    assert result.returncode == 0, output[-4000:]


@pytest.mark.skipif(DOTNET is None, reason="no .NET SDK on PATH")
def test_the_check_rejects_newer_csharp(tmp_path: Path) -> None:
    newer = tmp_path / "Newer.cs"
    code = 'namespace T { class C { string M(int? a) { return $"{a?.ToString()}"; } } }\n'
    newer.write_text(code, encoding="utf-8")
    result = _build(tmp_path, newer)
    assert result.returncode != 0
    assert "CS8026" in result.stdout  # "feature ... is not available in C# 5"


@pytest.mark.skipif(DOTNET is None, reason="no .NET SDK on PATH")
def test_bridge_builds_as_csharp5_against_python_runtime(tmp_path: Path) -> None:
    runtime = runtime_assembly()
    assert runtime is not None, "pythonnet is a dependency of the package"
    reference = f'<Reference Include="Python.Runtime"><HintPath>{runtime}</HintPath></Reference>'
    result = _build(tmp_path, BRIDGE, reference)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
