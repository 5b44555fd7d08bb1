#!/usr/bin/env bash
# Bootstrap, then run the Python demo and (when PowerShell is installed) the PowerShell demo.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/bootstrap.sh

.venv/bin/python -m powershai_py.demo "$@"

if [[ -x .tools/pwsh/pwsh ]]; then
    .tools/pwsh/pwsh -NoProfile -NonInteractive -File scripts/demo.ps1
else
    echo "demo.sh: .tools/pwsh/pwsh is missing (no dotnet?): skipping the PowerShell demo" >&2
fi
