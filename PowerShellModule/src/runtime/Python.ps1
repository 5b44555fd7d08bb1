# runtime/Python.ps1: which Python runs the worker (Find-PshaiPython).
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.
#
# Order (docs/<culture>/about_PowershaiPy.help.txt says the same): $env:POWERSHAI_PY_PYTHON, the
# Python recorded by `python -m powershai_py install-module`, the activated venv, the venv or
# checkout the module sits in, python3/python on PATH (not the Store aliases), the py launcher.
# Every candidate must import powershai_py; the error lists each one and why it failed.

function Get-PshaiVenvPython {
    param([string]$Venv)
    foreach ($rel in @('bin/python', 'Scripts/python.exe')) {
        $path = Join-Path $Venv $rel
        if ([System.IO.File]::Exists($path)) { return $path }
    }
    $null
}

function Get-PshaiModuleFolder {
    # The module's real folder: `install-module --link` makes a symbolic link or a junction.
    $folder = $PSScriptRoot
    if ($null -ne $script:PshaiModule -and $script:PshaiModule.ModuleBase) { $folder = $script:PshaiModule.ModuleBase }
    try {
        $item = Get-Item -LiteralPath $folder -Force -ErrorAction Stop
        $target = $null
        if ($item.PSObject.Properties['LinkTarget']) { $target = $item.LinkTarget }
        if (-not $target -and $item.PSObject.Properties['Target']) { $target = @($item.Target)[0] }
        if ($target) {
            if (-not [System.IO.Path]::IsPathRooted($target)) { $target = Join-Path (Split-Path -Parent $folder) $target }
            $folder = $target
        }
    } catch { }
    $folder
}

function Get-PshaiPythonCandidates {
    # Yields @{ Path; Prefix; From } in the order they are tried: -Scope Local the record and the
    # venvs, -Scope Path what PATH offers after them. Two calls, because looking through PATH
    # (Get-Command) costs a tenth of a second that the first local candidate usually spares.
    param([ValidateSet('Local', 'Path')][string]$Scope)
    if ($Scope -eq 'Path') {
        foreach ($name in @('python3', 'python', 'py')) {
            $commands = @(Get-Command -Name $name -CommandType Application -All -ErrorAction SilentlyContinue)
            foreach ($command in $commands) {
                $path = $command.Path
                if (-not $path) { $path = $command.Definition }
                if (-not $path) { continue }
                $prefix = @()
                if ($name -eq 'py') { $prefix = @('-3') }
                @{ Path = $path; Prefix = $prefix; From = "$name on PATH" }
            }
        }
        return
    }
    $record = Join-Path $PSScriptRoot 'PowershaiPy.python.txt'
    if ([System.IO.File]::Exists($record)) {
        $recorded = ([System.IO.File]::ReadAllText($record)).Trim()
        if ($recorded) { @{ Path = $recorded; Prefix = @(); From = 'install-module record' } }
    }
    if ($env:VIRTUAL_ENV) {
        $venvPython = Get-PshaiVenvPython $env:VIRTUAL_ENV
        if ($venvPython) { @{ Path = $venvPython; Prefix = @(); From = '$env:VIRTUAL_ENV' } }
        else { @{ Path = (Join-Path $env:VIRTUAL_ENV 'bin/python'); Prefix = @(); From = '$env:VIRTUAL_ENV' } }
    }
    # Upwards from the module: a venv holding it (pip install), or a checkout's .venv.
    $dir = Get-PshaiModuleFolder
    while ($dir) {
        if ([System.IO.File]::Exists((Join-Path $dir 'pyvenv.cfg'))) {
            $venvPython = Get-PshaiVenvPython $dir
            if ($venvPython) { @{ Path = $venvPython; Prefix = @(); From = 'the venv holding the module' } }
        }
        $dotVenv = Join-Path $dir '.venv'
        if ([System.IO.File]::Exists((Join-Path $dotVenv 'pyvenv.cfg'))) {
            $venvPython = Get-PshaiVenvPython $dotVenv
            if ($venvPython) { @{ Path = $venvPython; Prefix = @(); From = "the checkout's .venv" } }
        }
        $parent = Split-Path -Parent $dir
        if ($parent -eq $dir) { break }
        $dir = $parent
    }
}

function Find-PshaiPython {
    # Returns @{ Path; Prefix } for the interpreter that runs the worker.
    if ($env:POWERSHAI_PY_PYTHON) {
        return @{ Path = $env:POWERSHAI_PY_PYTHON; Prefix = @(); From = '$env:POWERSHAI_PY_PYTHON' }
    }
    if ($null -ne $script:PshaiPythonCache) { return $script:PshaiPythonCache }
    $tried = New-Object System.Collections.Generic.List[string]
    $seen = @{}
    foreach ($scope in @('Local', 'Path')) {
        foreach ($candidate in @(Get-PshaiPythonCandidates -Scope $scope)) {
            $path = $candidate.Path
            $key = "$path|$($candidate.Prefix -join ' ')"
            if ($seen.ContainsKey($key)) { continue }
            $seen[$key] = $true
            $what = "$($candidate.From): $path"
            # Microsoft Store alias stubs open the Store or exit 9009.
            if ($path -match '[\\/]WindowsApps[\\/]') { $tried.Add("$what (Microsoft Store alias, skipped)"); continue }
            if (-not [System.IO.File]::Exists($path)) { $tried.Add("$what (no such file)"); continue }
            $ok = $false
            try {
                $null = & $path @($candidate.Prefix) -c 'import powershai_py' 2>&1
                $ok = ($LASTEXITCODE -eq 0)
            } catch { $ok = $false }
            if ($ok) {
                $script:PshaiPythonCache = @{ Path = $path; Prefix = $candidate.Prefix; From = $candidate.From }
                return $script:PshaiPythonCache
            }
            $tried.Add("$what (cannot import powershai_py)")
        }
    }
    $triedText = 'nothing to try: no venv, no python3, python or py on PATH'
    if ($tried.Count -gt 0) { $triedText = 'tried: ' + ($tried -join '; ') }
    throw (New-PshaiException -ErrorId 'POWERSHAI_PY_NO_PYTHON' -Category 'ObjectNotFound' -Message (
            'POWERSHAI_PY_NO_PYTHON: no Python that can import powershai_py was found (' + $triedText +
            '). Install the package with "pip install ." in the powershai-py folder (the README' +
            "'s set-up; bash scripts/demo.sh makes its .venv), or set " +
            '$env:POWERSHAI_PY_PYTHON to the full path of a python that has it.'))
}
