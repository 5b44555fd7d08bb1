"""Wheel build hook: ship the generated PowerShell module inside the package.

A regular wheel gets ``PowerShellModule/PowershaiPy`` as ``powershai_py/powershell/PowershaiPy``,
so that ``python -m powershai_py install-module`` and the demo work from an installed package.
An editable install leaves it out: there the package uses the checkout's copy in place, and a
copy in site-packages would only go stale.
"""

from __future__ import annotations

from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class ModuleInWheelHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name == "wheel" and version == "standard":
            build_data["force_include"]["PowerShellModule/PowershaiPy"] = (
                "powershai_py/powershell/PowershaiPy")
