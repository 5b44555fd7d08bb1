# runtime/InProcess.ps1: the in-process transport (the Python core hosted in this process).
#
# $env:POWERSHAI_PY_TRANSPORT, read once at import, picks how the module reaches the core:
#   stdio      (default) a Python worker process, JSON-RPC lines over its stdin/stdout;
#   inprocess  the same lines handed to the same worker code inside this process, through
#              pythonnet (Python.Runtime.dll from the worker Python's pythonnet package);
#   auto       inprocess where it loads, else stdio (the reason goes to -Verbose).
# Everything above the line channel (WorkerLink, CmdletRun, the cmdlet paths) is shared.

$script:PshaiTransportNames = @('stdio', 'inprocess', 'auto')
$script:PshaiInProcessFallback = $null   # why auto fell back to stdio (once per import)

function Resolve-PshaiTransport {
    # The transport asked for: the Import-Module argument wins over the environment variable.
    param([string]$Requested)
    $name = $Requested
    if (-not $name) { $name = $env:POWERSHAI_PY_TRANSPORT }
    if (-not $name) { return 'stdio' }
    $name = $name.Trim().ToLowerInvariant()
    if ($script:PshaiTransportNames -notcontains $name) {
        $ex = New-PshaiException -ErrorId 'POWERSHAI_PY_INVALID_TRANSPORT' -Category 'InvalidArgument' -Message (
            "POWERSHAI_PY_INVALID_TRANSPORT: transport '$name' is not one of " +
            "$($script:PshaiTransportNames -join ', ') (from `$env:POWERSHAI_PY_TRANSPORT or Import-Module -ArgumentList).")
        # An ErrorRecord, so that Import-Module's error carries the id as its ErrorId.
        throw (New-Object System.Management.Automation.ErrorRecord($ex, 'POWERSHAI_PY_INVALID_TRANSPORT',
                [System.Management.Automation.ErrorCategory]::InvalidArgument, $name))
    }
    $name
}

function New-PshaiInProcessError {
    param([string]$ErrorId, [string]$Reason)
    New-PshaiException -ErrorId $ErrorId -Category 'ResourceUnavailable' -Message (
        "${ErrorId}: the in-process transport cannot load: $Reason")
}

function Get-PshaiInProcessCacheFile {
    # Where the probe of one interpreter is kept, and the stamp (its file time) that keeps it valid.
    param($Python)
    $hash = Get-PshaiShortHash "$($Python.Path)|$($Python.Prefix -join ' ')"
    $stamp = ''
    try { $stamp = [System.IO.File]::GetLastWriteTimeUtc($Python.Path).Ticks.ToString() } catch { }
    @{ Path = (Join-Path (Join-Path (Get-PshaiCacheFolder) 'native') "inprocess.$hash.txt"); Stamp = $stamp }
}

# The cached probe is "name=value" lines under this first line, not JSON: the import reads it to
# start the engine early, and ConvertFrom-Json's first use costs 60 ms there.
$script:PshaiProbeCacheHeader = 'powershai-py in-process probe 2'

function Write-PshaiInProcessCache {
    param($Info, [string]$Path)
    $lines = New-Object System.Collections.Generic.List[string]
    $lines.Add($script:PshaiProbeCacheHeader)
    foreach ($name in @('stamp', 'executable', 'version', 'pythonDll', 'runtimeDll')) { $lines.Add("$name=$($Info.$name)") }
    foreach ($dir in @($Info.siteDirs)) { $lines.Add("siteDir=$dir") }
    Write-PshaiCacheLines -Path $Path -Lines $lines.ToArray()
}

function Read-PshaiInProcessCache {
    # The cached probe of this interpreter, or $null when there is none or it went stale.
    param($Python)
    $cache = Get-PshaiInProcessCacheFile -Python $Python
    try {
        if (-not [System.IO.File]::Exists($cache.Path)) { return $null }
        $lines = [System.IO.File]::ReadAllLines($cache.Path, $script:PshaiUtf8)
        if ($lines.Count -eq 0 -or $lines[0] -ne $script:PshaiProbeCacheHeader) { return $null }
        $cached = @{ siteDirs = New-Object System.Collections.Generic.List[string]; errorId = $null; reason = $null }
        foreach ($line in $lines) {
            $at = $line.IndexOf('=')
            if ($at -lt 1) { continue }
            $name = $line.Substring(0, $at)
            if ($name -eq 'siteDir') { $cached.siteDirs.Add($line.Substring($at + 1)) } else { $cached[$name] = $line.Substring($at + 1) }
        }
        if ($cached.stamp -eq $cache.Stamp -and $cached.pythonDll -and $cached.runtimeDll -and
            [System.IO.File]::Exists($cached.pythonDll) -and [System.IO.File]::Exists($cached.runtimeDll)) {
            $cached.siteDirs = $cached.siteDirs.ToArray()
            return [pscustomobject]$cached
        }
    } catch { }
    $null
}

function Find-PshaiProbedPython {
    # The interpreter Find-PshaiPython would take first, with its cached probe, found without
    # Find-PshaiPython's check process (a Python start, a third of a cold start); $null when that
    # interpreter was never probed. Should its package have gone since, the embedded import fails
    # and says so.
    $python = $null
    if ($env:POWERSHAI_PY_PYTHON -or $null -ne $script:PshaiPythonCache) { $python = Find-PshaiPython }
    foreach ($scope in @('Local', 'Path')) {
        if ($null -ne $python) { break }
        foreach ($candidate in @(Get-PshaiPythonCandidates -Scope $scope)) {
            if ($candidate.Path -match '[\\/]WindowsApps[\\/]' -or -not [System.IO.File]::Exists($candidate.Path)) { continue }
            $python = @{ Path = $candidate.Path; Prefix = $candidate.Prefix; From = $candidate.From }
            break
        }
    }
    if ($null -eq $python) { return $null }
    $info = Read-PshaiInProcessCache -Python $python
    if ($null -eq $info) { return $null }
    @{ Python = $python; Info = $info }
}

function Get-PshaiInProcessInfo {
    # What hosting the worker's Python needs (its shared library, Python.Runtime.dll, site
    # folders), asked of that Python once and cached per interpreter in the cache folder.
    param($Python)
    $cached = Read-PshaiInProcessCache -Python $Python
    if ($null -ne $cached) { return $cached }
    $cache = Get-PshaiInProcessCacheFile -Python $Python
    $code = 'from powershai_py.worker._inprocess import print_probe; print_probe()'
    $text = $null
    try { $text = (& $Python.Path @($Python.Prefix) -c $code 2>$null) -join "`n" } catch { }
    if ($LASTEXITCODE -ne 0 -or -not $text) {
        throw (New-PshaiInProcessError 'POWERSHAI_PY_INPROCESS_UNAVAILABLE' (
                "'$($Python.Path)' could not describe itself (its powershai-py package may predate the in-process transport)."))
    }
    $info = $text | ConvertFrom-Json
    $info | Add-Member -NotePropertyName stamp -NotePropertyValue $cache.Stamp -Force
    if (-not $info.errorId) { Write-PshaiInProcessCache -Info $info -Path $cache.Path }
    $info
}

function Get-PshaiBridgeReferences {
    # What the bridge's compilation must see besides Python.Runtime.dll (netstandard2.0).
    param([string]$RuntimeDll)
    if ($PSVersionTable.PSEdition -eq 'Desktop') {
        $facade = Join-Path ([System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()) 'Facades\netstandard.dll'
        return @($RuntimeDll, 'System.Core', $facade)
    }
    @($RuntimeDll, 'netstandard', 'System.Linq.Expressions', 'System.Threading', 'System.Threading.Thread', 'System.Collections')
}

function Get-PshaiBridgeSourcePath {
    # Beside the generated .psm1; from the sources (tests dot-source src/runtime) one level up.
    $source = Join-Path $PSScriptRoot 'PowershaiPy.InProcess.cs'
    if (-not [System.IO.File]::Exists($source)) {
        $source = Join-Path (Join-Path (Split-Path $PSScriptRoot) 'inprocess') 'PythonHost.cs'
    }
    $source
}

function Import-PshaiInProcessBridge {
    # Loads Python.Runtime.dll and the bridge (inprocess/PythonHost.cs) compiled against it,
    # cached beside the hot path (Import-PshaiCachedAssembly).
    param([string]$RuntimeDll)
    if ($null -ne ('PowershaiPy.InProcess.PythonHost' -as [type])) { return }
    $runtime = $null
    foreach ($loaded in [AppDomain]::CurrentDomain.GetAssemblies()) {
        if ($loaded.GetName().Name -eq 'Python.Runtime') { $runtime = $loaded; break }
    }
    if ($null -eq $runtime) { $runtime = [System.Reflection.Assembly]::LoadFrom($RuntimeDll) }
    $text = [System.IO.File]::ReadAllText((Get-PshaiBridgeSourcePath))
    Import-PshaiCachedAssembly -Name 'PowershaiPy.InProcess' -Text $text `
        -Key "$text|$($runtime.FullName)|$($PSVersionTable.PSEdition)|$($PSVersionTable.PSVersion)" `
        -References (Get-PshaiBridgeReferences -RuntimeDll $runtime.Location)
}

function Start-PshaiInProcessWorker {
    # A worker record (as Start-PshaiWorkerProcess returns) whose link talks to a PythonHost in
    # this process. Throws POWERSHAI_PY_NO_SHARED_LIBPYTHON / POWERSHAI_PY_INPROCESS_UNAVAILABLE.
    # The interpreter the import's launch started, while what chose it holds; else as found.
    $probed = $script:PshaiLaunch
    $launched = ($null -ne $probed -and $probed.Inputs -eq (Get-PshaiLaunchInputs))
    if (-not $launched) { $probed = Find-PshaiProbedPython }
    if ($null -ne $probed) {
        $python = $probed.Python
        $info = $probed.Info
        $script:PshaiPythonCache = $python
    } else {
        $python = Find-PshaiPython
        $info = Get-PshaiInProcessInfo -Python $python
    }
    if ($info.errorId) { throw (New-PshaiInProcessError $info.errorId $info.reason) }
    $logPath = Get-PshaiInProcessLogPath
    try {
        Import-PshaiInProcessBridge -RuntimeDll $info.runtimeDll
        [PowershaiPy.InProcess.PythonHost]::Start([string]$info.pythonDll, [string]$info.executable,
            [string[]]@($info.siteDirs), $logPath, [string]$env:POWERSHAI_PY_LOG)   # waits for BeginStart's
        $transport = New-Object PowershaiPy.Native.InProcessLineTransport
        $hostObject = [PowershaiPy.InProcess.PythonHost]::Open($transport.Deliver, $transport.Take)
        $transport.Connect($hostObject.CloseAction)
        if (-not $launched) { Write-PshaiInProcessLaunch -Python $python -Info $info }
    } catch {
        $reason = $_.Exception.Message
        if ($_.Exception.InnerException) { $reason = $_.Exception.InnerException.Message }
        $script:PshaiPythonCache = $null   # found without the check process: check it next time
        throw (New-PshaiInProcessError 'POWERSHAI_PY_INPROCESS_UNAVAILABLE' "$reason (Python '$($python.Path)').")
    }
    $logPos = [long]0
    try { $logPos = (New-Object System.IO.FileInfo($logPath)).Length } catch { }
    @{
        Transport      = 'inprocess'
        Process        = $null
        Pid            = $PID
        Python         = $python.Path
        Channel        = $transport
        Link           = New-Object PowershaiPy.Native.WorkerLink -ArgumentList @($transport, $script:PshaiCodec)
        Dead           = $false
        ExitCode       = $null
        LogPath        = $logPath
        LogFile        = $null
        StderrTask     = $null
        StderrPos      = $logPos
        ExitedAt       = $null
        PackageVersion = $null
    }
}

function Write-PshaiInProcessLaunch {
    # The launch record (Launch.ps1) of an engine that just started, for the next import. Only
    # for an interpreter that Get-PshaiLaunchInputs decides alone (from $env:POWERSHAI_PY_PYTHON,
    # the install-module record or $env:VIRTUAL_ENV; not one found by a walk up the folders or
    # along PATH, which new files elsewhere can change) and a bridge kept in the cache folder.
    param($Python, $Info)
    if (@('$env:POWERSHAI_PY_PYTHON', 'install-module record', '$env:VIRTUAL_ENV') -notcontains $Python.From) { return }
    $bridge = [PowershaiPy.InProcess.PythonHost].Assembly.Location
    if (-not $bridge) { return }   # compiled in memory: no cache folder to keep it in
    $lines = New-Object System.Collections.Generic.List[string]
    $lines.Add($script:PshaiLaunchHeader)
    $lines.Add("inputs=$(Get-PshaiLaunchInputs)")
    $lines.Add("python=$($Python.Path)")
    $lines.Add("from=$($Python.From)")
    foreach ($name in @('executable', 'version', 'pythonDll', 'runtimeDll')) { $lines.Add("$name=$($Info.$name)") }
    $lines.Add("bridgeDll=$bridge")
    foreach ($dir in @($Info.siteDirs)) { $lines.Add("siteDir=$dir") }
    foreach ($file in @($Python.Path, $Info.runtimeDll, (Get-PshaiBridgeSourcePath), $bridge)) {
        $lines.Add("file=$([System.IO.File]::GetLastWriteTimeUtc($file).Ticks)|$file")
    }
    $lines.Add('end')
    Write-PshaiCacheLines -Path (Get-PshaiLaunchPath) -Lines $lines.ToArray()
}

function Start-PshaiInProcessEarly {
    # Under inprocess or auto, the import begins starting the engine (0.4 s) on a thread of its
    # own, so that it runs beside the rest of the import instead of inside the first call. Only
    # when the interpreter's probe is cached: nothing runs a Python process at import. Whatever
    # fails here is left to the first call, which waits for this start, does what is still
    # missing and reports what fails then (with -Verbose's fallback reason under auto).
    if ($script:PshaiTransport -eq 'stdio' -or $null -ne $script:PshaiLaunch) { return }
    try {
        $probed = Find-PshaiProbedPython
        if ($null -eq $probed -or $probed.Info.errorId) { return }
        $info = $probed.Info
        Import-PshaiInProcessBridge -RuntimeDll $info.runtimeDll
        [PowershaiPy.InProcess.PythonHost]::BeginStart([string]$info.pythonDll, [string]$info.executable,
            [string[]]@($info.siteDirs), (Get-PshaiInProcessLogPath), [string]$env:POWERSHAI_PY_LOG)
    } catch { }
}

function Start-PshaiWorker {
    # The worker the chosen transport gives; under auto, in-process unless it cannot load.
    if ($script:PshaiTransport -eq 'stdio' -or $null -ne $script:PshaiInProcessFallback) {
        return (Start-PshaiWorkerProcess)
    }
    if ($script:PshaiTransport -eq 'inprocess') { return (Start-PshaiInProcessWorker) }
    try {
        return (Start-PshaiInProcessWorker)
    } catch {
        $script:PshaiInProcessFallback = $_.Exception.Message
        Write-Verbose "PowershaiPy: transport auto uses stdio: $($_.Exception.Message)"
    }
    Start-PshaiWorkerProcess
}

# What Launch.ps1 read from Import-Module -ArgumentList, or the environment variable.
$script:PshaiTransport = Resolve-PshaiTransport -Requested $script:PshaiTransportAsked
Start-PshaiInProcessEarly
