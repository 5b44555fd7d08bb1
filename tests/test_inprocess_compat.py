"""The in-process bridge (PowerShellModule/src/inprocess/PythonHost.cs) compiles as C# 5.

Windows PowerShell 5.1's Add-Type compiles with the .NET Framework's C# 5 compiler and
PowerShell 7's refuses a source that warns, so the bridge is built here with the .NET SDK at
language version 5, warnings as errors, against netstandard2.0 and the real Python.Runtime.dll
from the installed pythonnet wheel (what the runtime references when it compiles the bridge).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from powershai_py.worker._inprocess import runtime_assembly

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "PowerShellModule" / "src" / "inprocess" / "PythonHost.cs"
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
    <Reference Include="Python.Runtime"><HintPath>{runtime}</HintPath></Reference>
  </ItemGroup>
</Project>
"""


@pytest.mark.skipif(DOTNET is None, reason="no .NET SDK on PATH")
def test_bridge_builds_as_csharp5_against_python_runtime(tmp_path: Path) -> None:
    runtime = runtime_assembly()
    assert runtime is not None, "pythonnet is a dependency of the package"
    project = tmp_path / "bridge.csproj"
    project.write_text(PROJECT.format(source=SOURCE, runtime=runtime), encoding="utf-8")
    assert DOTNET is not None
    result = subprocess.run(
        [DOTNET, "build", str(project), "-nologo", "-v", "q", "-o", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
