"""The demo and the package's command line, as a newcomer meets them (real Gradio, real pwsh)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gradio_servers import ROOT, start_app, venv_python

PWSH = ROOT / ".tools" / "pwsh" / "pwsh"
PYTHON = sys.executable
DEMO_APP = ROOT / "powershai_py" / "demo_app.py"

needs_pwsh = pytest.mark.skipif(not PWSH.exists(), reason="needs .tools/pwsh/pwsh")


def run(args: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT,
        timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False)


def test_package_help_lists_every_command() -> None:
    done = run([PYTHON, "-m", "powershai_py", "--help"])
    assert done.returncode == 0
    for command in ("demo", "install-module", "worker", "generate"):
        assert f"  {command} " in done.stdout
    assert "--help" in done.stdout


def test_unknown_command_says_so_and_lists_commands() -> None:
    done = run([PYTHON, "-m", "powershai_py", "dmeo"])
    assert done.returncode == 2
    assert "unknown command 'dmeo'" in done.stderr
    assert "install-module" in done.stderr


def test_demo_help_prints_help_and_starts_nothing() -> None:
    done = run([PYTHON, "-m", "powershai_py", "demo", "--help"], timeout=30)
    assert done.returncode == 0
    assert done.stdout.startswith("usage: python -m powershai_py demo")
    assert "--topic" in done.stdout and "--gradio-python" in done.stdout
    assert "starting the story app" not in done.stdout


def test_demo_script_help_prints_help_without_bootstrapping() -> None:
    done = run(["bash", "scripts/demo.sh", "--help"], timeout=30)
    assert done.returncode == 0
    assert "usage: python -m powershai_py demo" in done.stdout
    assert "bootstrap" not in done.stderr


def _story_lines(output: str, prefix: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith(prefix + ": the story: ")]
    assert len(lines) == 1, output
    return lines[0].split(": the story: ", 1)[1]


@pytest.mark.gradio6
@needs_pwsh
def test_demo_tells_the_topic_in_python_then_powershell_from_one_app(tmp_path: Path) -> None:
    # A private temp folder: whatever the demo (Python, Gradio, pwsh) leaves there is a leak.
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "TEMP": str(temp), "TMP": str(temp)}
    env.pop("POWERSHAI_PY_PYTHON", None)
    done = run([PYTHON, "-m", "powershai_py", "demo", "--topic", "about green tea",
                "--words", "5"], env=env)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert out.count("demo: starting the story app") == 1
    assert "demo: the app is up after" in out
    assert "Python: queued, position 1 of 1" in out
    assert "/5 words" in out
    python_story = _story_lines(out, "Python")
    assert python_story == "A story about green tea."
    assert _story_lines(out, "PowerShell") == python_story
    assert "['" not in out
    assert out.rstrip().endswith("demo: stopping the story app\ndemo: done")
    assert sorted(p.name for p in temp.iterdir()) == []


def test_demo_without_gradio_names_what_it_looked_at(tmp_path: Path) -> None:
    done = run([PYTHON, "-m", "powershai_py", "demo", "--gradio-python",
                str(tmp_path / "missing-python"), "--no-powershell"], timeout=30)
    assert done.returncode == 1
    assert "demo: error:" in done.stderr
    assert "cannot start" in done.stderr and "missing-python" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with powershai-py installed from a built wheel (not the checkout)."""
    base = tmp_path_factory.mktemp("wheel")
    built = run([PYTHON, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                 "-w", str(base / "dist"), str(ROOT)])
    assert built.returncode == 0, built.stderr
    wheel = next((base / "dist").glob("powershai_py-*.whl"))
    made = run([PYTHON, "-m", "venv", str(base / "venv")])
    assert made.returncode == 0, made.stderr
    python = base / "venv" / "bin" / "python"
    env = {**os.environ, "PIP_NO_INDEX": "1",
           "PIP_FIND_LINKS": str(ROOT.parent / "shared" / "wheelhouse" / "wheels")}
    installed = run([str(python), "-m", "pip", "install", "-q", str(wheel)], env=env)
    assert installed.returncode == 0, installed.stderr
    return base / "venv"


@pytest.mark.gradio6
@needs_pwsh
def test_demo_runs_from_an_installed_wheel(wheel_venv: Path, tmp_path: Path) -> None:
    python = wheel_venv / "bin" / "python"
    done = run([str(python), "-m", "powershai_py", "demo", "--words", "3",
                "--gradio-python", str(venv_python("6")), "--pwsh", str(PWSH)], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(wheel_venv) in done.stdout  # the module imported is the wheel's copy
    assert _story_lines(done.stdout, "Python") == "A story about"
    assert _story_lines(done.stdout, "PowerShell") == "A story about"


@pytest.mark.parametrize("version", ["4", "5", "6"])
def test_demo_app_streams_the_topic_on_every_gradio(version: str) -> None:
    import powershai_py as ps

    with start_app(version, app=DEMO_APP) as app:
        session = ps.SessionRegistry().new(app.url)
        call = session.invoke("tell", {"topic": "about rain", "words": 4})
        texts = [r.data[0] for r in call.update() if r.event == "generating"]
        assert texts == ["A", "A story", "A story about", "A story about rain."]
        assert call.ApiEvent.Progress[0]["length"] == 4
