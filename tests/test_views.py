"""The module's default views show what people look at (real pwsh, real Gradio, real worker)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.gradio_servers import ROOT, start_app

PWSH = ROOT / ".tools" / "pwsh" / "pwsh"
MODULE = ROOT / "PowerShellModule" / "PowershaiPy" / "PowershaiPy.psd1"
DEMO_APP = ROOT / "powershai_py" / "demo_app.py"

pytestmark = [pytest.mark.pwsh, pytest.mark.gradio6,
              pytest.mark.skipif(not PWSH.exists(), reason="needs .tools/pwsh/pwsh")]

SCRIPT = r"""
$ErrorActionPreference = 'Stop'
Import-Module $env:TEST_MODULE
$s = New-GradioSession $env:TEST_URL
$results = @($s | Invoke-GradioSessionApi tell @{ topic = 'about a long walk'; words = 30 } |
    Update-GradioSessionApiResult)
'---TABLE---'
$results[-1] | Out-String -Width 200
'---LIST---'
$results[-1] | Format-List | Out-String -Width 200
'---TS---'
$results[-1].ts.GetType().FullName
"""


def test_result_table_shows_the_whole_text_and_the_list_the_time() -> None:
    with start_app("6", app=DEMO_APP) as app:
        env = {**os.environ, "TEST_URL": app.url, "TEST_MODULE": str(MODULE),
               "POWERSHAI_PY_PYTHON": sys.executable}
        done = subprocess.run([str(PWSH), "-NoProfile", "-NonInteractive", "-Command", SCRIPT],
                              env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    table, rest = done.stdout.split("---TABLE---", 1)[1].split("---LIST---", 1)
    listing, ts_type = rest.split("---TS---", 1)
    story = ("A story about a long walk. Once upon a time a PowerShell script and a Python "
             "program asked a Gradio app for a story about a long walk, and the")
    header = [line for line in table.splitlines() if line.strip()][0].split()
    assert header == ["num", "event", "data"]
    assert story in table  # whole, not cut with "..." and not "{...}"
    assert "complete" in table
    assert "{" not in table
    assert "ts" in listing and story in listing
    assert ts_type.strip() == "System.DateTime"
