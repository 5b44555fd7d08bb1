"""The module finds its Python by itself, and installs by name (real pwsh, real Gradio)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gradio_servers import ROOT, start_app

PWSH = ROOT / ".tools" / "pwsh" / "pwsh"
DEMO_APP = ROOT / "powershai_py" / "demo_app.py"

pytestmark = [pytest.mark.pwsh,
              pytest.mark.skipif(not PWSH.exists(), reason="needs .tools/pwsh/pwsh")]

# The README's PowerShell block, with the URL of the running test app.
README_BLOCK = """
Import-Module ./PowerShellModule/PowershaiPy/PowershaiPy.psd1
$s = New-GradioSession {url}
$s | Invoke-GradioSessionApi tell @{{ topic = 'about tea' }} | Update-GradioSessionApiResult
"""


def bare_env(**extra: str) -> dict[str, str]:
    """No POWERSHAI_PY_PYTHON, no venv activated, no venv on PATH."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("POWERSHAI_PY_PYTHON", "VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = "/usr/bin:/bin"
    env.update(extra)
    return env


def pwsh(script: str, *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PWSH), "-NoProfile", "-NonInteractive", "-Command", script],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=180,
                          check=False)


@pytest.mark.gradio6
def test_readme_block_works_from_the_checkout_with_nothing_set() -> None:
    with start_app("6", app=DEMO_APP) as app:
        done = pwsh(README_BLOCK.format(url=app.url),
                    cwd=ROOT, env=bare_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "A story about tea. Once upon a time" in done.stdout
    assert "POWERSHAI_PY_NO_PYTHON" not in done.stderr


def test_no_python_error_says_what_it_tried_and_how_to_install(tmp_path: Path) -> None:
    module = tmp_path / "PowershaiPy"
    shutil.copytree(ROOT / "PowerShellModule" / "PowershaiPy", module)
    script = f"""
Import-Module '{module / "PowershaiPy.psd1"}'
try {{ New-GradioSession http://127.0.0.1:9 }}
catch {{ $_.FullyQualifiedErrorId; $_.Exception.Message }}
"""
    done = pwsh(script, cwd=tmp_path,
                env=bare_env(VIRTUAL_ENV=str(tmp_path / "gone-venv")))
    out = done.stdout
    assert out.startswith("POWERSHAI_PY_NO_PYTHON"), out + done.stderr
    assert "$env:VIRTUAL_ENV: " + str(tmp_path / "gone-venv") in out
    assert "(no such file)" in out
    assert "python3 on PATH: /usr/bin/python3 (cannot import powershai_py)" in out
    assert '"pip install ."' in out and "POWERSHAI_PY_PYTHON" in out
    assert "python -m pip install powershai-py" not in out


def test_an_activated_venv_is_used(tmp_path: Path) -> None:
    module = tmp_path / "PowershaiPy"
    shutil.copytree(ROOT / "PowerShellModule" / "PowershaiPy", module)
    venv = Path(sys.executable).parent.parent
    script = f"""
Import-Module '{module / "PowershaiPy.psd1"}'
& (Get-Module PowershaiPy) {{ (Find-PshaiPython).Path }}
"""
    done = pwsh(script, cwd=tmp_path, env=bare_env(VIRTUAL_ENV=str(venv)))
    assert done.stdout.strip() == str(venv / "bin" / "python"), done.stderr


@pytest.mark.gradio6
@pytest.mark.parametrize("link", [False, True], ids=["copy", "link"])
def test_install_module_then_import_by_name(tmp_path: Path, link: bool) -> None:
    modules = tmp_path / "Modules"
    args = [sys.executable, "-m", "powershai_py", "install-module", "--path", str(modules)]
    done = subprocess.run(args + (["--link"] if link else []), capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    version_folder = next((modules / "PowershaiPy").iterdir())
    assert (version_folder / "PowershaiPy.psd1").is_file()
    assert version_folder.is_symlink() == link
    with start_app("6", app=DEMO_APP) as app:
        script = f"""
Import-Module PowershaiPy
(Get-Module PowershaiPy).Version.ToString()
$s = New-GradioSession {app.url}
($s | Invoke-GradioSessionApi tell @{{ topic = 'about tea'; words = 4 }} |
    Update-GradioSessionApiResult)[-1].data
"""
        run = pwsh(script, cwd=tmp_path, env=bare_env(PSModulePath=str(modules)))
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.split()
    assert lines[0] == version_folder.name
    assert "A story about tea." in run.stdout


def test_module_layout_is_one_psresourceget_publishes(tmp_path: Path) -> None:
    # The generated module folder as committed (folder name = module name), as a publisher has it.
    folder = tmp_path / "PowershaiPy"
    shutil.copytree(ROOT / "PowerShellModule" / "PowershaiPy", folder)
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "saved").mkdir()
    script = f"""
$ErrorActionPreference = 'Stop'
$m = Test-ModuleManifest '{folder / "PowershaiPy.psd1"}'
"$($m.Name) $($m.Version) $($m.Author)"
Register-PSResourceRepository -Name nclocal -Uri '{repo}' -Trusted
Publish-PSResource -Path '{folder}' -Repository nclocal
Save-PSResource -Name PowershaiPy -Repository nclocal -Path '{tmp_path / "saved"}' -TrustRepository
(Get-ChildItem '{tmp_path / "saved" / "PowershaiPy"}').Name
"""
    done = pwsh(script, cwd=tmp_path, env={**bare_env(), "HOME": str(tmp_path / "home")})
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.split("\n")
    version = lines[0].split()[1]
    assert lines[0].startswith("PowershaiPy ") and version[0].isdigit()
    assert done.stdout.split()[-1] == version  # saved as PowershaiPy/<version>
