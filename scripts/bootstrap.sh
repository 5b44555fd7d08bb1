#!/usr/bin/env bash
# Set up everything the tests, the benchmark and the demo need, offline:
#   .venv                      project venv (requirements/project.txt + editable powershai_py)
#   .cache/venvs/gradio{4,5,6} one venv per real Gradio test server (requirements/gradioN.txt)
#   .tools/pwsh/pwsh           PowerShell 7.6.9 (dotnet tool)
#   .tools/nuget/pester/...    Pester 5 (NuGet); the absolute path of its Pester.psd1 is written
#                              to .tools/pester.path
# Idempotent: each step keeps a stamp keyed by a hash of its inputs and is skipped when current.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
PWSH_VERSION="7.6.9"
PESTER_VERSION="5.7.1"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

# Offline wheels: ../shared/wheelhouse comes first whenever it is there (no package index).
if [[ -d "$ROOT/../shared/wheelhouse/wheels" ]]; then
    WHEELS="$(cd "$ROOT/../shared/wheelhouse/wheels" && pwd)"
    case " ${PIP_FIND_LINKS:-} " in
        *" $WHEELS "*) ;;
        *) PIP_FIND_LINKS="$WHEELS${PIP_FIND_LINKS:+ $PIP_FIND_LINKS}" ;;
    esac
    export PIP_FIND_LINKS PIP_NO_INDEX=1
fi

log() { printf 'bootstrap: %s\n' "$*" >&2; }

hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# A venv is usable when its python runs (a moved or half-made venv is rebuilt).
venv_ok() { [[ -x "$1/bin/python" ]] && "$1/bin/python" -c 'import sys' >/dev/null 2>&1; }

make_venv() { # make_venv DIR REQUIREMENTS STAMPKEY
    local dir="$1" req="$2" key="$3" stamp="$1/.bootstrap-stamp"
    if venv_ok "$dir" && [[ -f "$stamp" && "$(cat "$stamp")" == "$key" ]]; then
        return 0
    fi
    log "installing $req into $dir"
    if ! venv_ok "$dir"; then
        rm -rf "$dir"
        "$PYTHON" -m venv "$dir" || return 1
    fi
    rm -f "$stamp"
    "$dir/bin/python" -m pip install -q -r "$req" || return 1
    echo "$key" >"$stamp"
}

# --- project venv ---------------------------------------------------------------------------
step_project() {
    local key stamp=".venv/.bootstrap-stamp-editable"
    make_venv .venv requirements/project.txt "$(hash_of requirements/project.txt)" || return 1
    key="$(hash_of pyproject.toml)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$key" ]] \
        && .venv/bin/python -c 'import powershai_py' >/dev/null 2>&1; then
        return 0
    fi
    if [[ ! -d powershai_py ]]; then
        mkdir -p powershai_py
    fi
    if [[ ! -f powershai_py/__init__.py ]]; then
        : >powershai_py/__init__.py
    fi
    log "installing powershai_py (editable)"
    rm -f "$stamp"
    .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e . || return 1
    echo "$key" >"$stamp"
}

# --- Gradio server venvs (in parallel) ------------------------------------------------------
step_gradio() {
    mkdir -p .cache/venvs .cache/logs
    local v pids=() failed=0
    for v in 4 5 6; do
        (make_venv ".cache/venvs/gradio$v" "requirements/gradio$v.txt" \
            "$(hash_of "requirements/gradio$v.txt")") >".cache/logs/bootstrap-gradio$v.log" 2>&1 &
        pids+=("$!")
    done
    for v in 0 1 2; do
        if ! wait "${pids[$v]}"; then
            log "FAILED: Gradio $((v + 4)) venv; log: .cache/logs/bootstrap-gradio$((v + 4)).log"
            tail -n 30 ".cache/logs/bootstrap-gradio$((v + 4)).log" >&2 || true
            failed=1
        fi
    done
    return "$failed"
}

# --- PowerShell 7 and Pester ----------------------------------------------------------------
# Required: without them half the product goes untested. A machine without dotnet may skip them
# (a warning; scripts/test.sh names the skipped suites in its verdict), except under CI=true.
# With dotnet on PATH a failed install fails the bootstrap.
no_dotnet() { # no_dotnet WHAT: fails under CI=true, else warns
    if [[ "${CI:-}" == "true" ]]; then
        log "FAILED: dotnet is not on PATH: $1 (required under CI=true)"
        return 1
    fi
    log "WARNING: dotnet is not on PATH: $1; the Pester suite and the pwsh tests will be skipped."
}

step_pwsh() {
    if [[ -x .tools/pwsh/pwsh ]]; then
        return 0
    fi
    if ! command -v dotnet >/dev/null 2>&1; then
        no_dotnet "cannot install PowerShell $PWSH_VERSION"
        return
    fi
    log "installing PowerShell $PWSH_VERSION into .tools/pwsh"
    rm -rf .tools/pwsh
    dotnet tool install --tool-path .tools/pwsh PowerShell --version "$PWSH_VERSION" >&2 || return 1
}

step_pester() {
    local dir=.tools/pester-restore psd1
    # The NuGet package keeps the module under tools/.
    psd1=".tools/nuget/pester/$PESTER_VERSION/tools/Pester.psd1"
    if [[ -f .tools/pester.path && -f "$(cat .tools/pester.path)" ]]; then
        return 0
    fi
    if ! command -v dotnet >/dev/null 2>&1; then
        no_dotnet "cannot restore Pester $PESTER_VERSION"
        return
    fi
    local sdk tfm
    sdk="$(dotnet --version)"
    tfm="net${sdk%%.*}.0"
    log "restoring Pester $PESTER_VERSION from NuGet into .tools/nuget"
    mkdir -p "$dir"
    cat >"$dir/pester-restore.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <!-- Generated by scripts/bootstrap.sh: only downloads the Pester package. -->
  <PropertyGroup>
    <TargetFramework>$tfm</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Pester" Version="[$PESTER_VERSION]" />
  </ItemGroup>
</Project>
EOF
    dotnet restore "$dir/pester-restore.csproj" --packages .tools/nuget --nologo -v q >&2 || return 1
    if [[ ! -f "$psd1" ]]; then
        log "FAILED: $psd1 not found after restore"
        return 1
    fi
    echo "$ROOT/$psd1" >.tools/pester.path
}

status=0
step_project || { log "FAILED: project venv"; status=1; }
step_gradio || status=1
step_pwsh || { log "FAILED: PowerShell $PWSH_VERSION is not installed"; status=1; }
step_pester || { log "FAILED: Pester $PESTER_VERSION is not restored"; status=1; }
exit "$status"
