#!/usr/bin/env bash
# Full check: bootstrap, ruff, mypy --strict, generated-files check, pytest, Pester.
#
#   scripts/test.sh            every step
#   scripts/test.sh pytest     only the named steps (names as in STEPS below)
#
# Every selected step runs even when an earlier one failed; the exit code is non-zero if any
# failed. The last line is the verdict:
#   "test.sh: all steps passed"           every step ran and passed (only then)
#   "test.sh: selected steps passed: ..." the steps named on the command line ran and passed
#   "test.sh: ... SKIPPED required: ..."  a required suite could not run (no pwsh or Pester)
#   "test.sh: steps FAILED: ..."          exit 1
#
# PowerShell is required: the Pester suite and the pytest tests marked `pwsh` are the product's
# other half. Without pwsh or Pester the run fails under CI=true, and whenever dotnet is on PATH
# (bootstrap could have installed them); only a local run without dotnet may skip them, and then
# the last line says which suites were skipped.
#
# Adding a step: write a function `step_<name>` (dashes become underscores) and add <name> to
# STEPS. A Pester step calls `run_pester [VAR=value ...]` (the variables go to that run only).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

STEPS=(ruff mypy generate-check pytest pester pester-inprocess)

PY=.venv/bin/python
PWSH=.tools/pwsh/pwsh

strict=0
if [[ "${CI:-}" == "true" ]] || command -v dotnet >/dev/null 2>&1; then
    strict=1
fi

selected=("$@")
for name in "${selected[@]}"; do
    if [[ " ${STEPS[*]} " != *" $name "* ]]; then
        echo "test.sh: unknown step '$name' (steps: ${STEPS[*]})" >&2
        exit 2
    fi
done

if ! bash scripts/bootstrap.sh; then
    echo "test.sh: bootstrap failed"
    exit 1
fi

failed=()
passed=()
skipped=()

# Why PowerShell cannot run here (empty when it can): pwsh and a Pester 5 module.
pwsh_missing_reason() {
    if [[ ! -x "$PWSH" ]]; then
        echo "no $PWSH"
        return
    fi
    local manifest=""
    [[ -f .tools/pester.path ]] && manifest="$(cat .tools/pester.path)"
    if [[ -n "$manifest" && -f "$manifest" ]]; then
        return
    fi
    if ! "$PWSH" -NoProfile -NonInteractive -Command \
        'if (Get-Module -ListAvailable Pester | Where-Object { $_.Version.Major -ge 5 }) { exit 0 }; exit 1' \
        >/dev/null 2>&1; then
        echo "no Pester 5 (.tools/pester.path missing and none installed)"
    fi
}
PWSH_MISSING="$(pwsh_missing_reason)"

# A required suite that cannot run: a failure when strict, else a skip named in the verdict.
missing_required() { # missing_required STEP REASON
    if [[ $strict -eq 1 ]]; then
        echo "=== $1 FAILED: $2 (required under CI=true or with dotnet on PATH)" >&2
        failed+=("$1($2)")
    else
        echo "WARNING: $1 was NOT run: $2" >&2
        skipped+=("$1($2)")
    fi
}

run_step() { # run_step NAME
    local name="$1" fn="step_${1//-/_}" rc=0
    echo
    echo "=== $name"
    "$fn" || rc=$?
    case $rc in
        0) passed+=("$name") ;;
        77) ;; # the step recorded its own skip or failure (missing_required)
        *)
            echo "=== $name FAILED (exit $rc)" >&2
            failed+=("$name")
            ;;
    esac
}

# --- steps ----------------------------------------------------------------------------------
step_ruff() {
    local paths=() p
    for p in powershai_py tests bench; do
        [[ -d "$p" ]] && paths+=("$p")
    done
    "$PY" -m ruff check "${paths[@]}"
}

step_mypy() { "$PY" -m mypy powershai_py; }

step_generate_check() { "$PY" -m powershai_py generate --check; }

step_pytest() {
    local rc=0
    if [[ $strict -eq 1 ]]; then
        # tests/conftest.py then fails each `pwsh` test instead of skipping it
        export POWERSHAI_PY_REQUIRE_PWSH=1
    elif [[ -n "$PWSH_MISSING" ]]; then
        skipped+=("pytest-pwsh-tests($PWSH_MISSING)")
    fi
    "$PY" -m pytest -q -p no:cacheprovider --tb=short || rc=$?
    if [[ $rc -eq 5 ]]; then
        echo "pytest collected no tests" >&2
    fi
    return "$rc"
}

run_pester() { # run_pester [VAR=value ...]: the whole Pester suite with those variables set
    if [[ -n "$PWSH_MISSING" ]]; then
        missing_required "${current_step}" "$PWSH_MISSING"
        return 77
    fi
    local vars=() args=()
    for a in "$@"; do
        if [[ "$a" == *=* && ${#args[@]} -eq 0 ]]; then vars+=("$a"); else args+=("$a"); fi
    done
    env "${vars[@]}" "$PWSH" -NoProfile -NonInteractive -File tests/pester/run.ps1 "${args[@]}"
}

# The same suite once per transport (issue 9): the worker as a child process, then hosted in
# this pwsh through pythonnet. Worker.Tests (a worker process killed and restarted) and
# Runtime.Tests (fake workers through POWERSHAI_PY_WORKER_MODULE) are about the worker process,
# so they run on stdio only.
step_pester() { run_pester POWERSHAI_PY_TRANSPORT=stdio; }

step_pester_inprocess() {
    local files
    # Auth.Tests reads the worker process's command line, which the in-process host has not.
    files="$(find tests/pester -name '*.Tests.ps1' ! -name Worker.Tests.ps1 \
        ! -name Runtime.Tests.ps1 ! -name Auth.Tests.ps1 \
        | sort | paste -sd, -)"
    run_pester POWERSHAI_PY_TRANSPORT=inprocess -Path "$files"
}

# --- run ------------------------------------------------------------------------------------
to_run=("${selected[@]}")
[[ ${#to_run[@]} -eq 0 ]] && to_run=("${STEPS[@]}")
for current_step in "${to_run[@]}"; do
    run_step "$current_step"
done

echo
echo "test.sh: steps passed: ${passed[*]:-none}"
verdict=""
[[ ${#skipped[@]} -gt 0 ]] && verdict="; SKIPPED required: ${skipped[*]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "test.sh: steps FAILED: ${failed[*]}$verdict"
    exit 1
fi
if [[ ${#skipped[@]} -gt 0 ]]; then
    echo "test.sh: steps passed: ${passed[*]:-none}$verdict"
elif [[ ${#selected[@]} -gt 0 ]]; then
    echo "test.sh: selected steps passed: ${passed[*]}"
else
    echo "test.sh: all steps passed"
fi
