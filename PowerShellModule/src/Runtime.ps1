# PowershaiPy runtime: the part of the module that talks to the Python worker.
#
# The generator inlines this file verbatim into PowershaiPy.psm1; tests dot-source it into a
# dynamic module. Nothing here is exported. Valid on Windows PowerShell 5.1 and PowerShell 7+.
#
# Protocol (docs/DESIGN.md): JSON-RPC 2.0, one compact UTF-8 JSON object per line, over the
# worker's stdin/stdout. The worker is started lazily on first use, kept in script scope, and
# restarted transparently (with a warning: its sessions are lost) when it has died.

$script:PshaiProtocolVersion = '1'
$script:PshaiWorker = $null
$script:PshaiPythonCache = $null
$script:PshaiUtf8 = New-Object System.Text.UTF8Encoding($false)
$script:PshaiModule = $ExecutionContext.SessionState.Module
$script:PshaiPollMs = 100
$script:PshaiStderrTailLines = 50
$script:PshaiExitSubscriptionId = $null

$script:PshaiCommonParameters = @{}
foreach ($pshaiName in (@([System.Management.Automation.PSCmdlet]::CommonParameters) +
        @([System.Management.Automation.PSCmdlet]::OptionalCommonParameters))) {
    $script:PshaiCommonParameters[$pshaiName] = $true
}
Remove-Variable -Name pshaiName -ErrorAction SilentlyContinue

# ------------------------------------------------------------------------------------------------
# The compiled hot path: PowershaiPy.Native.cs (JSON-RPC lines and wire conversion)
# ------------------------------------------------------------------------------------------------

function Get-PshaiCacheFolder {
    if ($env:POWERSHAI_PY_CACHE) { return $env:POWERSHAI_PY_CACHE }
    if ($env:LOCALAPPDATA) { return (Join-Path $env:LOCALAPPDATA 'powershai-py') }
    if ($env:XDG_CACHE_HOME) { return (Join-Path $env:XDG_CACHE_HOME 'powershai-py') }
    Join-Path (Join-Path ([Environment]::GetFolderPath('UserProfile')) '.cache') 'powershai-py'
}

function Import-PshaiNative {
    # Compiling takes a second or more, so the assembly is built once per source text and
    # PowerShell version, kept in the user's cache folder, and only loaded by later imports.
    if ($null -ne ('PowershaiPy.Native.WireCodec' -as [type])) { return }
    $text = [System.IO.File]::ReadAllText((Join-Path $PSScriptRoot 'PowershaiPy.Native.cs'))
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try {
        $stamp = "$text|$($PSVersionTable.PSEdition)|$($PSVersionTable.PSVersion)"
        $digest = $sha.ComputeHash($script:PshaiUtf8.GetBytes($stamp))
    } finally { $sha.Dispose() }
    $hash = ([BitConverter]::ToString($digest) -replace '-', '').Substring(0, 20).ToLowerInvariant()
    $folder = Join-Path (Get-PshaiCacheFolder) 'native'
    $dll = Join-Path $folder "PowershaiPy.Native.$hash.dll"
    if (-not [System.IO.File]::Exists($dll)) {
        $temp = Join-Path $folder ('PowershaiPy.Native.{0}.{1}.tmp.dll' -f $hash, [guid]::NewGuid().ToString('N'))
        try {
            # (New-Item -Force stays silent when a parent is a file; this throws.)
            $null = [System.IO.Directory]::CreateDirectory($folder)
            Add-Type -TypeDefinition $text -OutputAssembly $temp -OutputType Library -ErrorAction Stop
            # Another import may have finished first: its copy is the same, keep it.
            try { [System.IO.File]::Move($temp, $dll) } catch { }
        } catch {
            # No writable cache folder: compile in memory (slower imports, same behaviour).
            Add-Type -TypeDefinition $text
            return
        } finally {
            if ([System.IO.File]::Exists($temp)) { Remove-Item -LiteralPath $temp -Force -ErrorAction SilentlyContinue }
        }
    }
    try {
        $null = [System.Reflection.Assembly]::LoadFrom($dll)
    } catch {
        # A damaged copy: drop it (the next import rebuilds it) and compile in memory this time.
        Remove-Item -LiteralPath $dll -Force -ErrorAction SilentlyContinue
        Add-Type -TypeDefinition $text
    }
}

Import-PshaiNative
# Live objects handed out (by "type|id"), updated in place by later messages.
$script:PshaiCodec = New-Object PowershaiPy.Native.WireCodec -ArgumentList $script:PshaiModule

# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------

function New-PshaiException {
    # An exception carrying the worker's error id and category (and messages to play first).
    param(
        [Parameter(Mandatory)][string]$ErrorId,
        [Parameter(Mandatory)][string]$Message,
        [string]$Category = 'NotSpecified',
        $Messages = $null
    )
    $ex = New-Object System.Management.Automation.RuntimeException($Message)
    $ex.Data['PshaiErrorId'] = $ErrorId
    $ex.Data['PshaiCategory'] = $Category
    if ($null -ne $Messages) { $ex.Data['PshaiMessages'] = $Messages }
    $ex
}

function ConvertTo-PshaiErrorCategory {
    param([string]$Name)
    $type = [System.Management.Automation.ErrorCategory]
    if ($Name -and [Enum]::IsDefined($type, $Name)) {
        return [System.Management.Automation.ErrorCategory]([Enum]::Parse($type, $Name))
    }
    [System.Management.Automation.ErrorCategory]::NotSpecified
}

function New-PshaiErrorRecord {
    param([Parameter(Mandatory)][Exception]$Exception, $TargetObject = $null)
    $id = [string]$Exception.Data['PshaiErrorId']
    if (-not $id) { $id = 'POWERSHAI_PY_INTERNAL' }
    $category = ConvertTo-PshaiErrorCategory ([string]$Exception.Data['PshaiCategory'])
    New-Object System.Management.Automation.ErrorRecord($Exception, $id, $category, $TargetObject)
}

# ------------------------------------------------------------------------------------------------
# Worker lifecycle
# ------------------------------------------------------------------------------------------------

function Find-PshaiPython {
    # Returns @{ Path; Prefix } for the interpreter that runs the worker.
    if ($env:POWERSHAI_PY_PYTHON) {
        return @{ Path = $env:POWERSHAI_PY_PYTHON; Prefix = @() }
    }
    if ($null -ne $script:PshaiPythonCache) { return $script:PshaiPythonCache }
    $tried = New-Object System.Collections.Generic.List[string]
    foreach ($name in @('python3', 'python', 'py')) {
        $commands = @(Get-Command -Name $name -CommandType Application -All -ErrorAction SilentlyContinue)
        foreach ($command in $commands) {
            $path = $command.Path
            if (-not $path) { $path = $command.Definition }
            if (-not $path) { continue }
            # Microsoft Store alias stubs open the Store or exit 9009.
            if ($path -match '[\\/]WindowsApps[\\/]') { continue }
            $prefix = @()
            if ($name -eq 'py') { $prefix = @('-3') }
            $tried.Add($path)
            $ok = $false
            try {
                $null = & $path @prefix -c 'import powershai_py' 2>&1
                $ok = ($LASTEXITCODE -eq 0)
            } catch {
                $ok = $false
            }
            if ($ok) {
                $script:PshaiPythonCache = @{ Path = $path; Prefix = $prefix }
                return $script:PshaiPythonCache
            }
        }
    }
    $triedText = 'none found'
    if ($tried.Count -gt 0) { $triedText = 'tried: ' + ($tried -join ', ') }
    throw (New-PshaiException -ErrorId 'POWERSHAI_PY_NO_PYTHON' -Category 'ObjectNotFound' -Message (
            'POWERSHAI_PY_NO_PYTHON: no Python interpreter with the powershai-py package was found (' +
            $triedText + '). Install it with "python -m pip install powershai-py", or set ' +
            '$env:POWERSHAI_PY_PYTHON to the full path of a python that has it.'))
}

function Get-PshaiModuleVersion {
    if ($null -ne $script:PshaiModule -and $null -ne $script:PshaiModule.Version) {
        return [string]$script:PshaiModule.Version
    }
    '0.0.0'
}

function Start-PshaiWorkerProcess {
    $python = Find-PshaiPython
    $module = $env:POWERSHAI_PY_WORKER_MODULE
    if (-not $module) { $module = 'powershai_py' }
    if ($module -notmatch '^[A-Za-z_][A-Za-z0-9_\.]*$') {
        throw (New-PshaiException -ErrorId 'POWERSHAI_PY_NO_PYTHON' -Category 'InvalidArgument' `
                -Message "POWERSHAI_PY_NO_PYTHON: POWERSHAI_PY_WORKER_MODULE '$module' is not a module name.")
    }
    $arguments = @($python.Prefix) + @('-u', '-m', $module, 'worker')

    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $python.Path
    $psi.UseShellExecute = $false
    $psi.CreateNoWindow = $true
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.StandardOutputEncoding = $script:PshaiUtf8
    $psi.StandardErrorEncoding = $script:PshaiUtf8
    if ($psi.PSObject.Properties['StandardInputEncoding']) {
        $psi.StandardInputEncoding = $script:PshaiUtf8
    }
    if ($psi.PSObject.Properties['ArgumentList'] -and $null -ne $psi.ArgumentList) {
        foreach ($a in $arguments) { $psi.ArgumentList.Add([string]$a) }
    } else {
        # .NET Framework: only fixed, space-free tokens ever reach the command line.
        $psi.Arguments = ($arguments -join ' ')
    }
    $psi.EnvironmentVariables['PYTHONUTF8'] = '1'
    $psi.EnvironmentVariables['PYTHONIOENCODING'] = 'utf-8'

    $proc = New-Object System.Diagnostics.Process
    $proc.StartInfo = $psi
    try {
        $null = $proc.Start()
    } catch {
        throw (New-PshaiException -ErrorId 'POWERSHAI_PY_NO_PYTHON' -Category 'ObjectNotFound' -Message (
                "POWERSHAI_PY_NO_PYTHON: cannot start '$($python.Path)': $($_.Exception.Message)"))
    }

    # stderr is drained by .NET into a log file (no PowerShell thread involved), so the worker
    # can never block on a full pipe; its tail goes into errors and -Verbose output.
    $logName = 'powershai-py-worker-{0}-{1}.log' -f $PID, $proc.Id
    $logPath = Join-Path ([System.IO.Path]::GetTempPath()) $logName
    $logFile = $null
    $stderrTask = $null
    try {
        $logFile = New-Object System.IO.FileStream($logPath, [System.IO.FileMode]::Create,
            [System.IO.FileAccess]::Write, [System.IO.FileShare]::ReadWrite, 1)
        $stderrTask = $proc.StandardError.BaseStream.CopyToAsync($logFile)
    } catch {
        $logPath = $null
        $stderrTask = $proc.StandardError.BaseStream.CopyToAsync([System.IO.Stream]::Null)
    }

    @{
        Process      = $proc
        Pid          = $proc.Id
        Python       = $python.Path
        Stdin        = $proc.StandardInput.BaseStream
        Link         = New-Object PowershaiPy.Native.WorkerLink -ArgumentList @(
            $proc.StandardInput.BaseStream, $proc.StandardOutput, $script:PshaiCodec)
        Dead         = $false
        ExitCode     = $null
        LogPath      = $logPath
        LogFile      = $logFile
        StderrTask   = $stderrTask
        StderrPos    = [long]0
        ExitedAt     = $null
        PackageVersion = $null
    }
}

function Get-PshaiStderrTail {
    param($Worker, [int]$Lines = $script:PshaiStderrTailLines)
    if ($null -eq $Worker -or -not $Worker.LogPath) { return @() }
    try {
        if ($null -ne $Worker.StderrTask) { $null = $Worker.StderrTask.Wait(500) }
    } catch { }
    $text = ''
    try {
        $fs = New-Object System.IO.FileStream($Worker.LogPath, [System.IO.FileMode]::Open,
            [System.IO.FileAccess]::Read, [System.IO.FileShare]'ReadWrite, Delete')
        try {
            if ($fs.Length -gt 32768) { $null = $fs.Seek(-32768, [System.IO.SeekOrigin]::End) }
            $reader = New-Object System.IO.StreamReader($fs, $script:PshaiUtf8)
            $text = $reader.ReadToEnd()
        } finally {
            $fs.Dispose()
        }
    } catch {
        return @()
    }
    $all = @($text -split "`r?`n" | Where-Object { $_ -ne '' })
    if ($all.Count -gt $Lines) { $all = $all[($all.Count - $Lines)..($all.Count - 1)] }
    $all
}

function Read-PshaiStderrNew {
    # Lines the worker wrote to stderr since the last call (for -Verbose).
    param($Worker)
    if ($null -eq $Worker -or -not $Worker.LogPath) { return @() }
    $text = ''
    try {
        $fs = New-Object System.IO.FileStream($Worker.LogPath, [System.IO.FileMode]::Open,
            [System.IO.FileAccess]::Read, [System.IO.FileShare]'ReadWrite, Delete')
        try {
            if ($fs.Length -le $Worker.StderrPos) { return @() }
            $null = $fs.Seek($Worker.StderrPos, [System.IO.SeekOrigin]::Begin)
            $count = [int][Math]::Min($fs.Length - $Worker.StderrPos, 1048576)
            $buffer = New-Object byte[] $count
            $read = $fs.Read($buffer, 0, $count)
            # Only whole lines.
            $last = [Array]::LastIndexOf($buffer, [byte]10, $read - 1)
            if ($last -lt 0) { return @() }
            $text = $script:PshaiUtf8.GetString($buffer, 0, $last + 1)
            $Worker.StderrPos = $Worker.StderrPos + $last + 1
        } finally {
            $fs.Dispose()
        }
    } catch {
        return @()
    }
    $text -split "`r?`n" | Where-Object { $_ -ne '' }
}

function Stop-PshaiWorker {
    # Graceful stop: close stdin (the worker exits on EOF), wait up to 2 s, then kill.
    param([switch]$KeepLog)
    $w = $script:PshaiWorker
    $script:PshaiWorker = $null
    if ($null -eq $w) { return }
    $proc = $w.Process
    try { $w.Stdin.Close() } catch { }
    try {
        if (-not $proc.HasExited -and -not $proc.WaitForExit(2000)) {
            try { $proc.Kill($true) } catch { try { $proc.Kill() } catch { } }
            $null = $proc.WaitForExit(2000)
        }
    } catch { }
    try { if ($null -ne $w.StderrTask) { $null = $w.StderrTask.Wait(500) } } catch { }
    try { if ($null -ne $w.LogFile) { $w.LogFile.Dispose() } } catch { }
    if (-not $KeepLog -and $w.LogPath) {
        try { Remove-Item -LiteralPath $w.LogPath -Force -ErrorAction SilentlyContinue } catch { }
    }
    try { $proc.Dispose() } catch { }
}

function Reset-PshaiLiveCache {
    $script:PshaiCodec.Reset()
}

function Get-PshaiWorker {
    # The running worker; starts one (and handshakes) when there is none or it has died.
    $w = $script:PshaiWorker
    $restartNote = $null
    if ($null -ne $w) {
        $exited = $w.Dead
        if (-not $exited) {
            try { $exited = $w.Process.HasExited } catch { $exited = $true }
        }
        if (-not $exited) { return $w }
        $code = $w.ExitCode
        if ($null -eq $code) { try { $code = $w.Process.ExitCode } catch { $code = '?' } }
        $restartNote = "PowershaiPy: the Python worker (pid $($w.Pid)) had exited with code $code; " +
        'started a new one. Sessions, events and proxy functions of the old worker are lost.'
        Stop-PshaiWorker
        Reset-PshaiLiveCache
    }
    $w = Start-PshaiWorkerProcess
    $script:PshaiWorker = $w
    $moduleVersion = Get-PshaiModuleVersion
    try {
        $reply = Invoke-PshaiRequest -Worker $w -Method 'initialize' -TimeoutMs 60000 -Params ([ordered]@{
                protocolVersion = $script:PshaiProtocolVersion
                moduleVersion   = $moduleVersion
                clientPid       = $PID
            })
    } catch {
        Stop-PshaiWorker -KeepLog
        throw
    }
    $result = $reply
    $workerProtocol = [string](Get-PshaiField $result 'protocolVersion')
    $packageVersion = [string](Get-PshaiField $result 'packageVersion')
    if ($workerProtocol -ne $script:PshaiProtocolVersion) {
        Stop-PshaiWorker
        throw (New-PshaiException -ErrorId 'POWERSHAI_PY_WORKER_MISMATCH' -Category 'InvalidOperation' -Message (
                "POWERSHAI_PY_WORKER_MISMATCH: the powershai-py package $packageVersion at " +
                "'$($w.Python)' speaks worker protocol '$workerProtocol', but module PowershaiPy " +
                "$moduleVersion needs protocol '$($script:PshaiProtocolVersion)'. Run: " +
                "& '$($w.Python)' -m pip install --upgrade `"powershai-py==$moduleVersion`""))
    }
    $w.PackageVersion = $packageVersion
    if ($null -ne $restartNote) { Write-Warning $restartNote }
    $w
}

function Register-PshaiCleanup {
    # Remove-Module runs OnRemove; closing the session raises PowerShell.Exiting instead.
    if ($null -ne $script:PshaiModule) {
        $script:PshaiModule.OnRemove = {
            Stop-PshaiWorker
            if ($null -ne $script:PshaiExitSubscriptionId) {
                Unregister-Event -SubscriptionId $script:PshaiExitSubscriptionId -Force -ErrorAction SilentlyContinue
            }
        }
    }
    $before = @(Get-EventSubscriber -Force -ErrorAction SilentlyContinue | ForEach-Object { $_.SubscriptionId })
    Register-EngineEvent -SourceIdentifier ([System.Management.Automation.PsEngineEvent]::Exiting) -SupportEvent `
        -MessageData $script:PshaiModule -Action {
        $m = $Event.MessageData
        if ($null -ne $m) { & $m { Stop-PshaiWorker } } else { Stop-PshaiWorker }
    }
    $new = @(Get-EventSubscriber -Force -ErrorAction SilentlyContinue |
            Where-Object { $before -notcontains $_.SubscriptionId -and $_.SourceIdentifier -eq 'PowerShell.Exiting' })
    if ($new.Count -gt 0) { $script:PshaiExitSubscriptionId = $new[-1].SubscriptionId }
}

# ------------------------------------------------------------------------------------------------
# JSON-RPC over the worker's stdio
# ------------------------------------------------------------------------------------------------

function New-PshaiWorkerExitedException {
    param($Worker, [string]$Method)
    $Worker.Dead = $true
    $code = '?'
    try {
        if ($Worker.Process.WaitForExit(2000)) { $code = $Worker.Process.ExitCode }
    } catch { }
    $Worker.ExitCode = $code
    $tail = @(Get-PshaiStderrTail -Worker $Worker)
    $tailText = ''
    if ($tail.Count -gt 0) {
        $tailText = " Last lines of its stderr:`n" + ($tail -join "`n")
    }
    New-PshaiException -ErrorId 'POWERSHAI_PY_WORKER_EXITED' -Category 'ResourceUnavailable' -Message (
        "POWERSHAI_PY_WORKER_EXITED: the Python worker (pid $($Worker.Pid)) exited with code $code " +
        "during '$Method'. The next command starts a new worker; sessions are lost.$tailText")
}

function Test-PshaiEndOfStream {
    # True when an exception from WorkerLink means the worker's stdout has closed.
    param($Exception)
    while ($null -ne $Exception) {
        if ($Exception -is [System.IO.EndOfStreamException] -or $Exception -is [System.IO.IOException]) { return $true }
        $Exception = $Exception.InnerException
    }
    $false
}

function Invoke-PshaiRequest {
    # Sends one request and returns its decoded result. A JSON-RPC error is thrown as an exception
    # carrying errorId/category/messages. This runs for every cmdlet call and stream item, and each
    # PowerShell statement costs microseconds, so the common case (an answer within PollMs) is a
    # single call into WorkerLink.
    param(
        [string]$Method,
        $Params = $null,
        [string]$ParamsJson = '',
        $Worker = $null,
        [int]$TimeoutMs = 0,
        [switch]$AsHashtable
    )
    if ($null -eq $Worker) {
        $Worker = $script:PshaiWorker
        if ($null -eq $Worker -or $Worker.Dead -or $Worker.Process.HasExited) { $Worker = Get-PshaiWorker }
    }
    if (-not $ParamsJson) {
        $ParamsJson = '{}'
        if ($null -ne $Params) { $ParamsJson = $script:PshaiCodec.Encode($Params, '') }
    }
    $link = $Worker.Link
    $received = $false
    $sent = $false
    try {
        try {
            $result = $link.Request($Method, $ParamsJson, $script:PshaiPollMs, $AsHashtable.IsPresent)
            $sent = $true
            if ([object]::ReferenceEquals($result, [PowershaiPy.Native.WorkerLink]::NoAnswer)) {
                $result = Wait-PshaiResult -Worker $Worker -Method $Method -TimeoutMs $TimeoutMs -AsHashtable $AsHashtable.IsPresent
            }
        } catch {
            if (Test-PshaiEndOfStream $_.Exception) { throw (New-PshaiWorkerExitedException -Worker $Worker -Method $Method) }
            throw
        }
        $received = $true
    } finally {
        # Stopped (Ctrl+C, Select-Object -First) or failed: drop the answer when it comes.
        if ($sent -and -not $received -and -not $Worker.Dead) { $link.Abandon($link.LastId) }
    }
    if ($link.NoteCount -gt 0) { Write-PshaiLinkNotes -Link $link }
    if ($result -is [PowershaiPy.Native.RpcFailure]) { throw (ConvertFrom-PshaiRpcFailure $result) }
    # The comma keeps an array result whole.
    , $result
}

function ConvertFrom-PshaiRpcFailure {
    # The worker's error answer as the exception a cmdlet turns into its ErrorRecord.
    param([PowershaiPy.Native.RpcFailure]$Failure)
    New-PshaiException -ErrorId $Failure.ErrorId -Category $Failure.Category -Message $Failure.Message -Messages $Failure.Messages
}

function Write-PshaiLinkNotes {
    # Lines from the worker that answered nothing (not JSON, or an error without id), for -Verbose.
    param($Link)
    foreach ($note in $Link.TakeNotes()) { Write-Verbose "PowershaiPy: $note" }
}

function Assert-PshaiWorkerAlive {
    # Called when a poll found no answer: a worker that exited gets 2 s to have its last lines
    # read, then the call fails.
    param($Worker, [string]$Method)
    if (-not $Worker.Process.HasExited) { return }
    if ($null -eq $Worker.ExitedAt) { $Worker.ExitedAt = [DateTime]::UtcNow }
    elseif (([DateTime]::UtcNow - $Worker.ExitedAt).TotalMilliseconds -gt 2000) {
        throw (New-PshaiWorkerExitedException -Worker $Worker -Method $Method)
    }
}

function Wait-PshaiResult {
    # The slow path of Invoke-PshaiRequest: polls until the answer comes, the worker dies or the
    # timeout passes, returning to PowerShell between polls so that Ctrl+C can stop the wait.
    param($Worker, [string]$Method, [int]$TimeoutMs, [bool]$AsHashtable)
    $link = $Worker.Link
    $id = $link.LastId
    $noAnswer = [PowershaiPy.Native.WorkerLink]::NoAnswer
    $started = [DateTime]::UtcNow
    while ($true) {
        $result = $link.TryResult($id, $script:PshaiPollMs, $AsHashtable)
        if (-not [object]::ReferenceEquals($result, $noAnswer)) { return , $result }
        Assert-PshaiWorkerAlive -Worker $Worker -Method $Method
        if ($TimeoutMs -gt 0 -and ([DateTime]::UtcNow - $started).TotalMilliseconds -gt $TimeoutMs) {
            throw (New-PshaiException -ErrorId 'POWERSHAI_PY_WORKER_TIMEOUT' -Category 'OperationTimeout' `
                    -Message "POWERSHAI_PY_WORKER_TIMEOUT: the Python worker did not answer '$Method' in $([int]($TimeoutMs / 1000)) s.")
        }
    }
}

function Send-PshaiNotification {
    param([Parameter(Mandatory)][string]$Method, $Params = $null, $Worker = $null)
    if ($null -eq $Worker) { $Worker = $script:PshaiWorker }
    if ($null -eq $Worker -or $Worker.Dead) { return }
    if ($null -eq $Params) { $Params = @{} }
    try {
        $Worker.Link.SendNotification($Method, $script:PshaiCodec.Encode($Params, ''))
    } catch { }
}

# ------------------------------------------------------------------------------------------------
# Wire values (decoding and encoding live in PowershaiPy.Native.WireCodec)
# ------------------------------------------------------------------------------------------------

function Get-PshaiField {
    # An optional field of a parsed message (safe under Set-StrictMode -Version Latest).
    param($Object, [string]$Name)
    if ($null -eq $Object) { return $null }
    if ($Object -is [System.Collections.IDictionary]) {
        if ($Object.Contains($Name)) { return , $Object[$Name] }
        return $null
    }
    $p = $Object.PSObject.Properties[$Name]
    if ($null -eq $p) { return $null }
    , $p.Value
}

function Get-PshaiLiveValue {
    # Getter of a live property ($live): asks the worker for its current value.
    param($Object, [string]$Property)
    $ref = [PowershaiPy.Native.WireCodec]::RefOf($Object)
    if ($null -eq $ref) { return $null }
    # PowerShai kept these as hashtables (uploads[path], ApiCalls.ById[id], options.MaxCalls).
    Invoke-PshaiRequest -Method 'object/get' -Params ([ordered]@{ ref = $ref; property = $Property }) -AsHashtable
}

# ------------------------------------------------------------------------------------------------
# Cmdlet invocation
# ------------------------------------------------------------------------------------------------

function Invoke-PshaiMessageList {
    # Plays worker messages in order; output of invoked ScriptBlocks goes to the pipeline.
    param($Messages, $Cmdlet, $ScriptBlocks)
    if ($null -eq $Messages) { return }
    foreach ($m in @($Messages)) {
        if ($null -eq $m) { continue }
        $text = [string](Get-PshaiField $m 'text')
        switch ([string](Get-PshaiField $m 'level')) {
            'warning' { $Cmdlet.WriteWarning($text) }
            'verbose' { $Cmdlet.WriteVerbose($text) }
            'debug' { $Cmdlet.WriteDebug($text) }
            'progress' {
                $activity = [string](Get-PshaiField $m 'activity')
                if (-not $activity) { $activity = 'PowershaiPy' }
                $status = [string](Get-PshaiField $m 'status')
                if (-not $status) { $status = 'Processing' }
                $progressId = 1
                $rawId = Get-PshaiField $m 'id'
                if ($null -ne $rawId) { $progressId = [int]$rawId }
                $record = New-Object System.Management.Automation.ProgressRecord($progressId, $activity, $status)
                $rawPercent = Get-PshaiField $m 'percent'
                if ($null -ne $rawPercent) {
                    $percent = [int]$rawPercent
                    if ($percent -gt 100) { $percent = 100 }
                    if ($percent -lt -1) { $percent = -1 }
                    $record.PercentComplete = $percent
                }
                if ((Get-PshaiField $m 'completed') -eq $true) {
                    $record.RecordType = [System.Management.Automation.ProgressRecordType]::Completed
                }
                $Cmdlet.WriteProgress($record)
            }
            # New state of a live object: decoding the message already updated the cached copy.
            'refresh' { }
            'invoke' {
                $sb = $null
                if ($null -ne $ScriptBlocks) { $sb = $ScriptBlocks[[string](Get-PshaiField $m 'param')] }
                if ($null -ne $sb) { & $sb (Get-PshaiField $m 'arg') }
            }
            default { if ($text) { $Cmdlet.WriteVerbose($text) } }
        }
    }
}

function Invoke-PshaiDirective {
    param($Directive)
    $name = [string](Get-PshaiField $Directive 'name')
    $kind = [string](Get-PshaiField $Directive '$directive')
    switch ($kind) {
        'defineFunction' {
            # {"force": bool, "marker": "<text every generated function body contains>"}: an existing
            # command without the marker is only replaced with force.
            $marker = [string](Get-PshaiField $Directive 'marker')
            $force = (Get-PshaiField $Directive 'force') -eq $true
            if ($marker -and -not $force) {
                $existing = Get-Command -Name $name -ErrorAction SilentlyContinue | Select-Object -First 1
                if ($null -ne $existing) {
                    $isOurs = $existing.CommandType -eq 'Function' -and $null -ne $existing.ScriptBlock -and
                        $existing.ScriptBlock.ToString().Contains($marker)
                    if (-not $isOurs) {
                        $errorId = [string](Get-PshaiField $Directive 'existsErrorId')
                        if (-not $errorId) { $errorId = 'POWERSHAI_HUGGINGFACE_NEWGRADIOPROXY_EXISTS' }
                        throw (New-PshaiException -ErrorId $errorId -Category 'ResourceExists' -Message (
                                "${errorId}: a $($existing.CommandType) named '$name' already exists and is not a " +
                                'proxy function; use -Force to replace it.'))
                    }
                }
            }
            $sb = [scriptblock]::Create([string](Get-PshaiField $Directive 'script'))
            if ($null -ne $script:PshaiModule) { $sb = $script:PshaiModule.NewBoundScriptBlock($sb) }
            $null = Set-Item -LiteralPath "function:global:$name" -Value $sb -Force
        }
        'removeFunction' {
            # From module scope, function:\<name> resolves to the global function (proxy names never
            # clash with the runtime's Pshai-prefixed helpers).
            if (Test-Path -LiteralPath "function:\$name") {
                Remove-Item -LiteralPath "function:\$name" -Force -ErrorAction SilentlyContinue
            }
        }
        'forget' {
            $script:PshaiCodec.Forget("$(Get-PshaiField $Directive '$type')|$(Get-PshaiField $Directive '$id')")
        }
        default { Write-Verbose "PowershaiPy: unknown directive '$kind'" }
    }
}

function Write-PshaiWorkerLog {
    param($Cmdlet)
    if ($VerbosePreference -eq 'SilentlyContinue') { return }
    foreach ($line in @(Read-PshaiStderrNew -Worker $script:PshaiWorker)) {
        $Cmdlet.WriteVerbose("worker: $line")
    }
}

function Invoke-PshaiCmdlet {
    # The body of every generated function: see docs/DESIGN.md. This runs for every cmdlet call,
    # so it avoids helper calls on the common path (a script function call costs ~0.1 ms).
    # A plain function (no parameter attributes): advanced-function binding costs more.
    param([string]$Name, $Bound, $Cmdlet)
    $codec = $script:PshaiCodec
    $scriptBlocks = @{}
    # The worker resolves relative paths against PowerShell's current folder, not its own.
    $cwd = $PWD
    if ($null -ne $cwd -and $cwd.Provider.Name -eq 'FileSystem') { $cwd = $cwd.ProviderPath }
    else {
        $cwd = $null
        try { $cwd = $ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath } catch { }
    }

    $run = $null
    $worker = $null
    $failure = $null
    try {
        $commandParameters = $Cmdlet.MyInvocation.MyCommand.Parameters
        $approved = $null
        if ($null -ne $commandParameters -and $commandParameters.ContainsKey('WhatIf') -and
            -not ($null -ne $Bound -and $Bound.ContainsKey('Elegible'))) {
            # Two-phase ShouldProcess: the worker lists the candidates, PowerShell asks, then acts.
            $json = $codec.EncodeCmdletParams($Name, $Bound, $script:PshaiCommonParameters, $cwd, $scriptBlocks, $true, $null, $null)
            $dry = Invoke-PshaiRequest -Method 'cmdlet' -ParamsJson $json
            Invoke-PshaiMessageList -Messages $dry.messages -Cmdlet $Cmdlet -ScriptBlocks $scriptBlocks
            if ($dry.stream) { Send-PshaiNotification -Method 'stream/close' -Params @{ token = [string]$dry.stream } }
            $chosen = New-Object System.Collections.Generic.List[string]
            foreach ($candidate in $dry.output) {
                $candidateId = [PowershaiPy.Native.WireCodec]::IdOf($candidate)
                if ($null -ne $candidateId -and $Cmdlet.ShouldProcess($candidateId)) { $chosen.Add($candidateId) }
            }
            if ($chosen.Count -eq 0) { return }
            $approved = $chosen.ToArray()
        }
        # Our own stream token, so that a call stopped before its answer can still close it; the
        # worker's answer then waits for the stream's first item (docs/DESIGN.md).
        $token = [guid]::NewGuid().ToString('N')
        $json = $codec.EncodeCmdletParams($Name, $Bound, $script:PshaiCommonParameters, $cwd, $scriptBlocks, $false, $approved, $token)
        $worker = $script:PshaiWorker
        if ($null -eq $worker -or $worker.Dead -or $worker.Process.HasExited) { $worker = Get-PshaiWorker }
        # CmdletRun writes messages and objects through $Cmdlet; the loop returns to script at
        # least every PollMs (Ctrl+C), and for what only script can do (Pending).
        try {
            $run = [PowershaiPy.Native.CmdletRun]::new($worker.Link, $Cmdlet, $json, $token)
            while (-not $run.Done) {
                $moved = $run.Step($script:PshaiPollMs)
                if ($null -ne $run.Pending) {
                    $pending = $run.TakePending()
                    if ([PowershaiPy.Native.WireCodec]::IsDirective($pending)) { Invoke-PshaiDirective $pending }
                    else { Invoke-PshaiMessageList -Messages @($pending) -Cmdlet $Cmdlet -ScriptBlocks $scriptBlocks }
                } elseif (-not $moved) {
                    Assert-PshaiWorkerAlive -Worker $worker -Method $Name
                }
                if ($VerbosePreference -ne 'SilentlyContinue') { Write-PshaiWorkerLog -Cmdlet $Cmdlet }
            }
        } catch {
            if (Test-PshaiEndOfStream $_.Exception) { throw (New-PshaiWorkerExitedException -Worker $worker -Method $Name) }
            throw
        }
        if ($worker.Link.NoteCount -gt 0) { Write-PshaiLinkNotes -Link $worker.Link }
        if ($null -ne $run.Failure) { throw (ConvertFrom-PshaiRpcFailure $run.Failure) }
    } catch {
        $ex = $_.Exception
        if ($null -eq $ex -or -not $ex.Data.Contains('PshaiErrorId')) { throw }
        $failure = $ex
    } finally {
        # Stopped (Ctrl+C, Select-Object -First) or failed: drop the answer, close the stream.
        if ($null -ne $run -and -not $run.Done -and -not $worker.Dead) { $run.Stop() }
    }
    if ($null -ne $failure) {
        Invoke-PshaiMessageList -Messages $failure.Data['PshaiMessages'] -Cmdlet $Cmdlet -ScriptBlocks $scriptBlocks
        Write-PshaiWorkerLog -Cmdlet $Cmdlet
        $Cmdlet.ThrowTerminatingError((New-PshaiErrorRecord -Exception $failure))
    }
}

# ------------------------------------------------------------------------------------------------
# Argument completers (answer from the cache only: never start or ask the worker)
# ------------------------------------------------------------------------------------------------

function Get-PshaiCachedSession {
    $cache = $script:PshaiCodec.LiveCache
    foreach ($key in @($cache.Keys)) {
        if ($key -like 'GradioSession|*') { $cache[$key] }
    }
}

function New-PshaiCompletionResult {
    param([string]$Text, [string]$ToolTip)
    $completion = $Text
    if ($Text -match "[\s'`"`$``;,(){}|&<>@#]") { $completion = "'" + ($Text -replace "'", "''") + "'" }
    if (-not $ToolTip) { $ToolTip = $Text }
    New-Object System.Management.Automation.CompletionResult($completion, $Text,
        [System.Management.Automation.CompletionResultType]::ParameterValue, $ToolTip)
}

function Get-PshaiCompletionWord {
    param([string]$Word)
    if ($null -eq $Word) { return '' }
    $Word.Trim("'", '"')
}

function Complete-PshaiSessionName {
    param($CommandName, $ParameterName, $WordToComplete, $CommandAst, $FakeBoundParameters)
    $word = Get-PshaiCompletionWord $WordToComplete
    $pattern = $word + '*'
    $names = @(Get-PshaiCachedSession | ForEach-Object { [string](Get-PshaiField $_ 'name') } |
            Where-Object { $_ } | Sort-Object -Unique)
    foreach ($n in $names) {
        if ($n -like $pattern) { New-PshaiCompletionResult -Text $n }
    }
}

function Resolve-PshaiCompletionSession {
    param($FakeBoundParameters)
    $wanted = $null
    if ($null -ne $FakeBoundParameters) {
        foreach ($k in @('session', 'Session', 'Name')) {
            if ($FakeBoundParameters.Contains($k)) { $wanted = $FakeBoundParameters[$k]; break }
        }
    }
    $sessions = @(Get-PshaiCachedSession)
    if ($null -ne $wanted) {
        $ref = [PowershaiPy.Native.WireCodec]::RefOf($wanted)
        if ($null -ne $ref) {
            $cached = $script:PshaiCodec.LiveCache["$($ref['$type'])|$($ref['$id'])"]
            if ($null -ne $cached) { return $cached }
            return $wanted
        }
        $wantedName = [string]$wanted
        if ($wantedName -and $wantedName -ne '.') {
            foreach ($s in $sessions) { if ([string](Get-PshaiField $s 'name') -eq $wantedName) { return $s } }
            return $null
        }
    }
    if ($null -ne $script:PshaiCodec.DefaultSessionKey) {
        $default = $script:PshaiCodec.LiveCache[$script:PshaiCodec.DefaultSessionKey]
        if ($null -ne $default) { return $default }
    }
    foreach ($s in $sessions) { if ((Get-PshaiField $s 'IsDefault') -eq $true) { return $s } }
    if ($sessions.Count -eq 1) { return $sessions[0] }
    $null
}

function Complete-PshaiApiName {
    param($CommandName, $ParameterName, $WordToComplete, $CommandAst, $FakeBoundParameters)
    $session = Resolve-PshaiCompletionSession $FakeBoundParameters
    $endpoints = Get-PshaiField (Get-PshaiField $session 'info') 'named_endpoints'
    if ($null -eq $endpoints) { return }
    $word = (Get-PshaiCompletionWord $WordToComplete).TrimStart('/')
    $pattern = $word + '*'
    $names = @()
    if ($endpoints -is [System.Collections.IDictionary]) { $names = @($endpoints.Keys) }
    else { $names = @($endpoints.PSObject.Properties | ForEach-Object { $_.Name }) }
    foreach ($n in ($names | ForEach-Object { ([string]$_).TrimStart('/') } | Sort-Object -Unique)) {
        if ($n -like $pattern) { New-PshaiCompletionResult -Text $n -ToolTip "/$n" }
    }
}

Register-PshaiCleanup
