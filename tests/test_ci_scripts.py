"""scripts/bootstrap.sh and scripts/test.sh refuse to pass without PowerShell where it is required.

Each test runs the real scripts in a copy of the repo's skeleton (scripts, requirements,
pyproject, links to the real venvs) without `.tools`, with a PATH that holds or lacks `dotnet`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PWSH_DIR = ROOT / ".tools" / "pwsh"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="bash scripts")


def _stand_in_venv(venv: Path, real_python: Path, stamps: dict[str, Path]) -> None:
    """A venv that forwards to a real one, with bootstrap stamps that match: bootstrap sees it
    current and never installs (a stale stamp must not make it pip-install into a real venv)."""
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{real_python}" "$@"\n')
    python.chmod(0o755)
    for stamp, source in stamps.items():
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
        (venv / stamp).write_text(digest + "\n")


def _skeleton(tmp_path: Path, *, with_pwsh: bool = False) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(ROOT / "scripts", repo / "scripts")
    shutil.copytree(ROOT / "requirements", repo / "requirements")
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    _stand_in_venv(repo / ".venv", ROOT / ".venv" / "bin" / "python", {
        ".bootstrap-stamp": repo / "requirements" / "project.txt",
        ".bootstrap-stamp-editable": repo / "pyproject.toml",
    })
    for version in ("4", "5", "6"):
        _stand_in_venv(repo / ".cache" / "venvs" / f"gradio{version}", Path(sys.executable), {
            ".bootstrap-stamp": repo / "requirements" / f"gradio{version}.txt",
        })
    if with_pwsh:
        (repo / ".tools").mkdir()
        (repo / ".tools" / "pwsh").symlink_to(PWSH_DIR)
    return repo


def _path_without_dotnet(tmp_path: Path, *, fake_dotnet: bool = False) -> str:
    """A PATH with the tools the scripts use, and `dotnet` only as a stand-in that fails."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "cat", "sha256sum", "cut", "mkdir", "rm", "tail", "env", "dirname", "find",
                 "head", "python3"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    if fake_dotnet:
        dotnet = bin_dir / "dotnet"
        dotnet.write_text("#!/bin/sh\necho 'dotnet: stand-in that always fails' >&2\nexit 1\n")
        dotnet.chmod(0o755)
    return str(bin_dir)


def _run(repo: Path, path: str, *args: str, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "POWERSHAI_PY_REQUIRE_PWSH")}
    env["PATH"] = path
    if ci:
        env["CI"] = "true"
    return subprocess.run(["bash", str(repo / "scripts" / "test.sh"), *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)


def _last_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def test_ci_without_dotnet_fails_the_run(tmp_path: Path) -> None:
    repo = _skeleton(tmp_path)
    done = _run(repo, _path_without_dotnet(tmp_path), "pester", ci=True)
    assert done.returncode != 0
    assert _last_line(done) == "test.sh: bootstrap failed"
    assert "dotnet is not on PATH: cannot install PowerShell" in done.stderr
    assert "(required under CI=true)" in done.stderr


def test_dotnet_on_path_and_a_failed_install_fails_the_run(tmp_path: Path) -> None:
    repo = _skeleton(tmp_path)
    done = _run(repo, _path_without_dotnet(tmp_path, fake_dotnet=True), "pester", ci=False)
    assert done.returncode != 0
    assert _last_line(done) == "test.sh: bootstrap failed"
    assert "FAILED: PowerShell 7.6.9 is not installed" in done.stderr


def test_local_run_without_dotnet_names_the_skipped_suite_last(tmp_path: Path) -> None:
    repo = _skeleton(tmp_path)
    done = _run(repo, _path_without_dotnet(tmp_path), "pester", ci=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _last_line(done) == (
        "test.sh: steps passed: none; SKIPPED required: pester(no .tools/pwsh/pwsh)")
    assert "all steps passed" not in done.stdout


@pytest.mark.pwsh
def test_pwsh_without_pester_fails_under_ci(tmp_path: Path) -> None:
    # bootstrap passes (pwsh is there; Pester is not, and without dotnet it is only a warning
    # outside CI), so this is test.sh's own check: run with CI unset, then strict via dotnet.
    repo = _skeleton(tmp_path, with_pwsh=True)
    local = _run(repo, _path_without_dotnet(tmp_path), "pester", ci=False)
    assert local.returncode == 0, local.stdout + local.stderr
    assert _last_line(local).endswith("SKIPPED required: pester(no Pester 5 (.tools/pester.path "
                                      "missing and none installed))")
    ci = _run(repo, str(tmp_path / "bin"), "pester", ci=True)
    assert ci.returncode != 0
    assert _last_line(ci) == "test.sh: bootstrap failed"
    assert "cannot restore Pester" in ci.stderr


def test_a_selected_step_is_not_reported_as_all_steps(tmp_path: Path) -> None:
    repo = _skeleton(tmp_path)
    (repo / "tests").mkdir()
    (repo / "tests" / "ok.py").write_text("VALUE = 1\n")
    done = _run(repo, _path_without_dotnet(tmp_path), "ruff", ci=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _last_line(done) == "test.sh: selected steps passed: ruff"


def test_pwsh_tests_fail_instead_of_skipping_when_required(tmp_path: Path) -> None:
    # the repo's conftest, in a copy without .tools: a `pwsh` test skips, or fails when required
    repo = _skeleton(tmp_path)
    (repo / "tests").mkdir()
    for name in ("__init__.py", "conftest.py", "gradio_servers.py"):
        if (ROOT / "tests" / name).exists():
            shutil.copy(ROOT / "tests" / name, repo / "tests" / name)
    (repo / "tests" / "test_needs_pwsh.py").write_text(
        "import pytest\n\n\n@pytest.mark.pwsh\ndef test_uses_pwsh():\n    pass\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "POWERSHAI_PY_REQUIRE_PWSH")}
    command = [str(ROOT / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-p",
               "no:cacheprovider", "-rs", "tests/test_needs_pwsh.py"]
    skipped = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True,
                             timeout=120)
    assert skipped.returncode == 0, skipped.stdout
    assert "1 skipped" in skipped.stdout
    env["POWERSHAI_PY_REQUIRE_PWSH"] = "1"
    required = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True,
                              timeout=120)
    assert required.returncode == 1, required.stdout
    assert "PowerShell tests are required here" in required.stdout
