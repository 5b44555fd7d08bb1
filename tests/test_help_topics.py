"""Help as Get-Help shows it, in both cultures (real pwsh, the generated module)."""

from __future__ import annotations

import subprocess

import pytest

from tests.gradio_servers import ROOT

PWSH = ROOT / ".tools" / "pwsh" / "pwsh"
MODULE = ROOT / "PowerShellModule" / "PowershaiPy" / "PowershaiPy.psd1"

pytestmark = [pytest.mark.pwsh,
              pytest.mark.skipif(not PWSH.exists(), reason="needs .tools/pwsh/pwsh")]

SCRIPT = r"""
[cultureinfo]::CurrentUICulture = '{culture}'
Import-Module '{module}'
'---ABOUT---'
Get-Help about_PowershaiPy | Out-String -Width 120
'---SYNOPSES---'
Get-Command -Module PowershaiPy -CommandType Function |
    ForEach-Object {{ (Get-Help $_.Name).Synopsis }}
'---INVOKE---'
(Get-Help Invoke-GradioSessionApi).description | Out-String -Width 400
"""

EXPECTED = {
    "en-US": ("How the PowershaiPy module works", "POWERSHAI_PY_TRANSPORT",
              "gets the default value /info lists"),
    "es-ES": ("Cómo funciona el módulo PowershaiPy", "POWERSHAI_PY_TRANSPORT",
              "recibe el valor predeterminado que /info"),
}


@pytest.mark.parametrize("culture", sorted(EXPECTED))
def test_about_topic_plain_synopses_and_hashtable_defaults(culture: str) -> None:
    script = SCRIPT.format(culture=culture, module=MODULE)
    done = subprocess.run([str(PWSH), "-NoProfile", "-NonInteractive", "-Command", script],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    about, rest = done.stdout.split("---ABOUT---", 1)[1].split("---SYNOPSES---", 1)
    synopses, invoke = rest.split("---INVOKE---", 1)
    intro, variable, defaults = EXPECTED[culture]
    assert "TOPIC" in about and intro in about
    for needed in (variable, "POWERSHAI_PY_PYTHON", "POWERSHAI_PY_CACHE", "install-module",
                   "inprocess", "POWERSHAI_PY_NO_PYTHON", "pip install ."):
        assert needed in about
    assert "`" not in synopses and "/info" in synopses
    assert "`" not in invoke
    assert defaults in " ".join(invoke.split())
