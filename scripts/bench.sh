#!/usr/bin/env bash
# Benchmark: bootstrap, make sure the bench's own packages (matplotlib, psutil) are in .venv
# (from the offline wheelhouse when there is one), then run bench/run.py.
#   bash scripts/bench.sh            full run  -> bench/RESULTS.md, bench/results.png
#   bash scripts/bench.sh --quick    short run -> bench/RESULTS-quick.md, bench/results-quick.png
# Other options are passed to bench/run.py (--url URL, --profile, --skip-ps).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/bootstrap.sh

if [[ -d "$ROOT/../shared/wheelhouse/wheels" ]]; then
    export PIP_FIND_LINKS="$(cd "$ROOT/../shared/wheelhouse/wheels" && pwd)" PIP_NO_INDEX=1
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
if ! .venv/bin/python -c 'import matplotlib, psutil' >/dev/null 2>&1; then
    echo "bench: installing matplotlib and psutil into .venv" >&2
    .venv/bin/python -m pip install -q matplotlib psutil
fi

export POWERSHAI_PY_PYTHON="${POWERSHAI_PY_PYTHON:-$ROOT/.venv/bin/python}"
exec .venv/bin/python bench/run.py "$@"
