#!/usr/bin/env bash
# The README's demo command: set everything up (scripts/bootstrap.sh: the project venv, the Gradio
# venvs, PowerShell 7 and Pester), then start the bundled story app once and stream a story from
# it in Python, then in PowerShell. Options go to `python -m powershai_py demo` (try --help).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

for arg in "$@"; do
    if [[ "$arg" == "-h" || "$arg" == "--help" ]]; then
        if [[ -x .venv/bin/python ]] && .venv/bin/python -c 'import powershai_py' 2>/dev/null; then
            exec .venv/bin/python -m powershai_py demo --help
        fi
        echo "usage: bash scripts/demo.sh [--topic TEXT] [--words N] [--no-powershell] [...]"
        echo "Sets everything up on first run, then runs: python -m powershai_py demo [options]"
        echo "(after the first run, --help lists every option)"
        exit 0
    fi
done

echo "demo: setting up (scripts/bootstrap.sh; quick when already done)" >&2
bash scripts/bootstrap.sh

exec .venv/bin/python -m powershai_py demo "$@"
