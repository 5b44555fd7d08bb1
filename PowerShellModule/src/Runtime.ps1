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
$script:PshaiLiveCache = @{}
$script:PshaiDefaultSessionKey = $null
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

# ConvertFrom-Json turns ISO strings into [datetime] on PowerShell 7 unless -DateKind String
# (7.5+) is given; wire timestamps are explicit ({"$datetime": ...}), so keep strings as strings.
$script:PshaiJsonDateKind = (Get-Command ConvertFrom-Json).Parameters.ContainsKey('DateKind')

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
        Stdout       = $proc.StandardOutput
        ReadTask     = $null
        Parked       = @{}
        Abandoned    = @{}
        NextId       = 0
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
    $script:PshaiLiveCache = @{}
    $script:PshaiDefaultSessionKey = $null
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
    $result = Get-PshaiField $reply 'result'
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

function Send-PshaiMessage {
    param([Parameter(Mandatory)]$Worker, [Parameter(Mandatory)]$Message)
    $json = ConvertTo-Json -InputObject $Message -Depth 100 -Compress
    $bytes = $script:PshaiUtf8.GetBytes($json + "`n")
    try {
        $Worker.Stdin.Write($bytes, 0, $bytes.Length)
        $Worker.Stdin.Flush()
    } catch {
        throw (New-PshaiWorkerExitedException -Worker $Worker -Method ([string]$Message.method))
    }
}

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

function ConvertFrom-PshaiJson {
    param([string]$Json)
    if ($script:PshaiJsonDateKind) {
        return (ConvertFrom-Json -InputObject $Json -DateKind String)
    }
    ConvertFrom-Json -InputObject $Json
}

function Receive-PshaiLine {
    # Waits at most PollMs for the next stdout line. Returns $true when a message was parked,
    # $false on timeout; throws when the worker has gone.
    param($Worker, [string]$Method)
    if ($null -eq $Worker.ReadTask) { $Worker.ReadTask = $Worker.Stdout.ReadLineAsync() }
    $task = $Worker.ReadTask
    $completed = $false
    try {
        $completed = $task.Wait($script:PshaiPollMs)
    } catch {
        $Worker.ReadTask = $null
        throw (New-PshaiWorkerExitedException -Worker $Worker -Method $Method)
    }
    if (-not $completed) {
        if ($Worker.Process.HasExited) {
            if ($null -eq $Worker.ExitedAt) { $Worker.ExitedAt = [DateTime]::UtcNow }
            elseif (([DateTime]::UtcNow - $Worker.ExitedAt).TotalMilliseconds -gt 2000) {
                throw (New-PshaiWorkerExitedException -Worker $Worker -Method $Method)
            }
        }
        return $false
    }
    $line = $task.Result
    $Worker.ReadTask = $null
    if ($null -eq $line) {
        throw (New-PshaiWorkerExitedException -Worker $Worker -Method $Method)
    }
    if ($line.Trim() -eq '') { return $true }
    try {
        $message = ConvertFrom-PshaiJson $line
    } catch {
        Write-Verbose "PowershaiPy: ignoring a line from the worker that is not JSON: $line"
        return $true
    }
    $idProperty = $message.PSObject.Properties['id']
    if ($null -eq $idProperty -or $null -eq $idProperty.Value) {
        # A parse-error report (id null) or a notification: nothing waits for it.
        $err = $message.PSObject.Properties['error']
        if ($null -ne $err) { Write-Verbose "PowershaiPy: worker reported: $(Get-PshaiField $err.Value 'message')" }
        return $true
    }
    $key = [string]$idProperty.Value
    if ($Worker.Abandoned.ContainsKey($key)) {
        $Worker.Abandoned.Remove($key)
        # Stopped while a cmdlet was starting: its stream would otherwise stay open in the worker.
        $orphan = Get-PshaiField (Get-PshaiField $message 'result') 'stream'
        if ($orphan -is [string] -and $orphan) {
            Send-PshaiNotification -Worker $Worker -Method 'stream/close' -Params @{ token = $orphan }
        }
    } else {
        $Worker.Parked[$key] = $message
    }
    $true
}

function Wait-PshaiResponse {
    param($Worker, [string]$Id, [string]$Method, [int]$TimeoutMs = 0)
    $received = $false
    $started = [DateTime]::UtcNow
    try {
        while ($true) {
            if ($Worker.Parked.ContainsKey($Id)) {
                $message = $Worker.Parked[$Id]
                $Worker.Parked.Remove($Id)
                $received = $true
                return $message
            }
            $null = Receive-PshaiLine -Worker $Worker -Method $Method
            if ($TimeoutMs -gt 0 -and ([DateTime]::UtcNow - $started).TotalMilliseconds -gt $TimeoutMs) {
                throw (New-PshaiException -ErrorId 'POWERSHAI_PY_WORKER_TIMEOUT' -Category 'OperationTimeout' `
                        -Message "POWERSHAI_PY_WORKER_TIMEOUT: the Python worker did not answer '$Method' in $([int]($TimeoutMs / 1000)) s.")
            }
        }
    } finally {
        # Stopped (Ctrl+C, Select-Object -First) or failed: drop the answer when it comes.
        if (-not $received -and -not $Worker.Dead) { $Worker.Abandoned[$Id] = $true }
    }
}

function Invoke-PshaiRequest {
    # Sends one request and returns the whole response message (use .result).
    # A JSON-RPC error is thrown as an exception carrying errorId/category/messages.
    param(
        [Parameter(Mandatory)][string]$Method,
        $Params = $null,
        $Worker = $null,
        [int]$TimeoutMs = 0
    )
    if ($null -eq $Worker) { $Worker = Get-PshaiWorker }
    if ($null -eq $Params) { $Params = @{} }
    $Worker.NextId = $Worker.NextId + 1
    $id = $Worker.NextId
    Send-PshaiMessage -Worker $Worker -Message ([ordered]@{ jsonrpc = '2.0'; id = $id; method = $Method; params = $Params })
    $response = Wait-PshaiResponse -Worker $Worker -Id ([string]$id) -Method $Method -TimeoutMs $TimeoutMs
    $errorProperty = $response.PSObject.Properties['error']
    if ($null -ne $errorProperty -and $null -ne $errorProperty.Value) {
        $e = $errorProperty.Value
        $data = Get-PshaiField $e 'data'
        $errorId = [string](Get-PshaiField $data 'errorId')
        if (-not $errorId) { $errorId = 'POWERSHAI_PY_INTERNAL' }
        $category = [string](Get-PshaiField $data 'category')
        if (-not $category) { $category = 'NotSpecified' }
        $messages = Get-PshaiField $data 'messages'
        $text = [string](Get-PshaiField $e 'message')
        if (-not $text) { $text = "${errorId}: JSON-RPC error $(Get-PshaiField $e 'code')" }
        throw (New-PshaiException -ErrorId $errorId -Category $category -Message $text -Messages $messages)
    }
    $response
}

function Send-PshaiNotification {
    param([Parameter(Mandatory)][string]$Method, $Params = $null, $Worker = $null)
    if ($null -eq $Worker) { $Worker = $script:PshaiWorker }
    if ($null -eq $Worker -or $Worker.Dead) { return }
    if ($null -eq $Params) { $Params = @{} }
    try {
        Send-PshaiMessage -Worker $Worker -Message ([ordered]@{ jsonrpc = '2.0'; method = $Method; params = $Params })
    } catch { }
}

# ------------------------------------------------------------------------------------------------
# Wire conversion
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

function Get-PshaiBase {
    # Strips the PSObject wrapper (Windows PowerShell serialises wrapped arrays as
    # {"value":[...],"Count":n}); a PSCustomObject is kept whole, its properties live on the wrapper.
    param($Value)
    if ($null -eq $Value) { return $null }
    $base = $Value.PSObject.BaseObject
    if ($base -is [System.Management.Automation.PSCustomObject]) { return $Value }
    , $base
}

function Get-PshaiRefOf {
    # The {"$type","$id"} of a live object we handed out, or $null.
    param($Value)
    if ($null -eq $Value) { return $null }
    $set = $Value.PSObject.Members['PshaiRef']
    if ($null -eq $set) { return $null }
    # A member set exposes its members as the set's own properties.
    $t = $set.PSObject.Properties['Type']
    $i = $set.PSObject.Properties['Id']
    if ($null -eq $t -or $null -eq $i) { return $null }
    [ordered]@{ '$type' = $t.Value; '$id' = $i.Value }
}

function ConvertTo-PshaiWire {
    # PowerShell value -> JSON-ready value (hashtables, arrays, primitives).
    param($Value, [string]$ParameterName = '')
    if ($null -eq $Value) { return $null }
    $base = $Value.PSObject.BaseObject
    if ($base -is [string] -or $base -is [char]) { return [string]$base }
    if ($base -is [System.Management.Automation.SwitchParameter]) { return $base.IsPresent }
    if ($base -is [datetime]) {
        return @{ '$datetime' = ([DateTimeOffset]$base).ToString('o', [System.Globalization.CultureInfo]::InvariantCulture) }
    }
    if ($base -is [DateTimeOffset]) {
        return @{ '$datetime' = $base.ToString('o', [System.Globalization.CultureInfo]::InvariantCulture) }
    }
    if ($base -is [enum]) { return $base.ToString() }
    if ($base -is [ValueType]) { return $base }
    if ($base -is [scriptblock]) { return @{ '$scriptblock' = $ParameterName } }
    if ($base -is [System.IO.FileSystemInfo]) { return $base.FullName }
    if ($base -is [uri]) { return $base.OriginalString }
    if ($base -is [System.Security.SecureString]) {
        $plain = (New-Object System.Management.Automation.PSCredential('x', $base)).GetNetworkCredential().Password
        return @{ '$secret' = $plain }
    }
    if ($base -is [System.Management.Automation.PSCredential]) {
        return @{ '$credential' = [ordered]@{
                username = $base.UserName
                password = $base.GetNetworkCredential().Password
            }
        }
    }
    $ref = Get-PshaiRefOf $Value
    if ($null -ne $ref) { return @{ '$ref' = $ref } }
    if ($base -is [System.Collections.IDictionary]) {
        $out = [ordered]@{}
        foreach ($key in @($base.Keys)) {
            $out[[string]$key] = Get-PshaiBase (ConvertTo-PshaiWire -Value $base[$key] -ParameterName $ParameterName)
        }
        return $out
    }
    if ($base -is [System.Management.Automation.PSCustomObject]) {
        $out = [ordered]@{}
        $typeName = @($Value.PSObject.TypeNames | Where-Object { $_ -like 'PowershaiType:*' }) | Select-Object -First 1
        if ($typeName) { $out['$type'] = $typeName.Substring('PowershaiType:'.Length) }
        foreach ($p in $Value.PSObject.Properties) {
            if ($p.MemberType -ne 'NoteProperty') { continue }
            $out[$p.Name] = Get-PshaiBase (ConvertTo-PshaiWire -Value $p.Value -ParameterName $ParameterName)
        }
        return $out
    }
    if ($base -is [System.Collections.IEnumerable]) {
        $list = [System.Collections.Generic.List[object]]::new()
        foreach ($item in $base) {
            $list.Add((Get-PshaiBase (ConvertTo-PshaiWire -Value $item -ParameterName $ParameterName)))
        }
        return , $list.ToArray()
    }
    [string]$base
}

function ConvertFrom-PshaiDateTime {
    param($Value)
    if ($Value -is [DateTimeOffset]) { return $Value.LocalDateTime }
    if ($Value -is [datetime]) {
        if ($Value.Kind -eq [DateTimeKind]::Utc) { return $Value.ToLocalTime() }
        return $Value
    }
    $styles = [System.Globalization.DateTimeStyles]::AllowWhiteSpaces
    [DateTimeOffset]::Parse([string]$Value, [System.Globalization.CultureInfo]::InvariantCulture, $styles).LocalDateTime
}

function New-PshaiLiveGetter {
    param([string]$Property)
    $escaped = $Property -replace "'", "''"
    $sb = [scriptblock]::Create("Get-PshaiLiveValue -Object `$this -Property '$escaped'")
    if ($null -ne $script:PshaiModule) { $sb = $script:PshaiModule.NewBoundScriptBlock($sb) }
    $sb
}

function Get-PshaiLiveValue {
    param($Object, [string]$Property)
    $ref = Get-PshaiRefOf $Object
    if ($null -eq $ref) { return $null }
    $reply = Invoke-PshaiRequest -Method 'object/get' -Params ([ordered]@{ ref = $ref; property = $Property })
    # PowerShai kept these as hashtables (uploads[path], ApiCalls.ById[id], options.MaxCalls).
    ConvertFrom-PshaiWire (Get-PshaiField $reply 'result') -AsHashtable
}

function Set-PshaiProperty {
    param($Object, [string]$Name, $Value, [bool]$Live)
    $existing = $Object.PSObject.Properties[$Name]
    if ($Live) {
        if ($null -ne $existing -and $existing.MemberType -eq 'ScriptProperty') { return }
        if ($null -ne $existing) { $Object.PSObject.Properties.Remove($Name) }
        $Object.PSObject.Properties.Add(([System.Management.Automation.PSScriptProperty]::new($Name, (New-PshaiLiveGetter $Name))))
        return
    }
    if ($null -ne $existing) {
        if ($existing.MemberType -eq 'NoteProperty') {
            $existing.Value = $Value
            return
        }
        $Object.PSObject.Properties.Remove($Name)
    }
    $Object.PSObject.Properties.Add(([System.Management.Automation.PSNoteProperty]::new($Name, $Value)))
}

function Test-PshaiScalarList {
    # True for an array of strings, numbers, booleans and nulls: it needs no conversion.
    param([object[]]$List)
    foreach ($item in $List) {
        if ($null -ne $item -and $item -isnot [string] -and $item -isnot [ValueType]) { return $false }
    }
    $true
}

function ConvertFrom-PshaiWire {
    # Wire value -> PowerShell value. Typed objects get PSTypeName PowershaiType:<$type>; live
    # objects ($type + $id) are cached and updated in place. Plain JSON objects become
    # PSCustomObjects, or ordered hashtables with -AsHashtable or when wrapped as {"$hashtable": {...}}.
    param($Value, [switch]$AsHashtable)
    if ($null -eq $Value) { return $null }
    if ($Value -is [string] -or $Value -is [ValueType]) { return $Value }
    $isDict = $Value -is [System.Collections.IDictionary]
    if (-not $isDict -and $Value -isnot [System.Management.Automation.PSCustomObject]) {
        if ($Value -is [System.Collections.IEnumerable]) {
            $list = [System.Collections.Generic.List[object]]::new()
            foreach ($item in $Value) { $list.Add((Get-PshaiBase (ConvertFrom-PshaiWire $item -AsHashtable:$AsHashtable))) }
            return , $list.ToArray()
        }
        return $Value
    }
    # Name/value pairs in order.
    $names = [System.Collections.Generic.List[string]]::new()
    $values = @{}
    if ($isDict) {
        foreach ($k in $Value.Keys) { $names.Add([string]$k); $values[[string]$k] = $Value[$k] }
    } else {
        foreach ($p in $Value.PSObject.Properties) { $names.Add($p.Name); $values[$p.Name] = $p.Value }
    }
    if ($names.Count -eq 1 -and $names[0] -eq '$datetime') {
        return ConvertFrom-PshaiDateTime $values['$datetime']
    }
    if ($names.Count -eq 1 -and $names[0] -eq '$plain') {
        # Plain JSON the worker vouches for (no typed objects inside): ConvertFrom-Json's objects
        # are used as they are, instead of being rebuilt member by member (/info is ~30 KB).
        return , $values['$plain']
    }
    if ($names.Count -eq 1 -and $names[0] -eq '$hashtable') {
        return ConvertFrom-PshaiWire $values['$hashtable'] -AsHashtable
    }
    $type = $null
    if ($names.Contains('$type')) { $type = [string]$values['$type'] }
    if ($AsHashtable -and -not $type) {
        $table = [ordered]@{}
        foreach ($name in $names) {
            $table[$name] = Get-PshaiBase (ConvertFrom-PshaiWire $values[$name] -AsHashtable)
        }
        return $table
    }
    $id = $null
    if ($names.Contains('$id') -and $null -ne $values['$id']) { $id = [string]$values['$id'] }
    $live = @()
    if ($names.Contains('$live') -and $null -ne $values['$live']) { $live = @($values['$live'] | ForEach-Object { [string]$_ }) }

    $target = $null
    $key = $null
    if ($type -and $null -ne $id) {
        $key = "$type|$id"
        $target = $script:PshaiLiveCache[$key]
    }
    if ($null -eq $target) {
        $target = [pscustomobject]@{}
        if ($type) { $target.PSObject.TypeNames.Insert(0, "PowershaiType:$type") }
        if ($null -ne $key) {
            $members = [System.Management.Automation.PSMemberInfo[]]@(
                ([System.Management.Automation.PSNoteProperty]::new('Type', $type)),
                ([System.Management.Automation.PSNoteProperty]::new('Id', $id)))
            $target.PSObject.Members.Add(([System.Management.Automation.PSMemberSet]::new('PshaiRef', $members)))
            $script:PshaiLiveCache[$key] = $target
        }
    }
    foreach ($name in $names) {
        if ($name -eq '$type' -or $name -eq '$id' -or $name -eq '$live') { continue }
        if ($name -eq '$toString') {
            $prop = [string]$values[$name] -replace "'", "''"
            if (-not $target.PSObject.Methods['ToString'] -or $target.PSObject.Methods['ToString'].MemberType -ne 'ScriptMethod') {
                $target.PSObject.Methods.Add((New-Object System.Management.Automation.PSScriptMethod('ToString',
                            [scriptblock]::Create("[string]`$this.'$prop'"))))
            }
            continue
        }
        if ($live -contains $name) { continue }
        # Scalars (most properties) skip the recursive call and the setter function: PowerShell
        # function calls cost about 0.1 ms each, and this loop runs for every streamed result.
        $raw = $values[$name]
        if ($null -eq $raw -or $raw -is [string] -or $raw -is [ValueType]) { $converted = $raw }
        elseif ($raw -is [array] -and (Test-PshaiScalarList $raw)) { $converted = $raw }
        elseif ($raw -is [System.Management.Automation.PSCustomObject] -and
            $null -ne $raw.PSObject.Properties['$plain']) { $converted = $raw.PSObject.Properties['$plain'].Value }
        elseif ($raw -is [System.Management.Automation.PSCustomObject] -and
            $null -ne $raw.PSObject.Properties['$datetime']) {
            $converted = ConvertFrom-PshaiDateTime $raw.PSObject.Properties['$datetime'].Value
        }
        else { $converted = Get-PshaiBase (ConvertFrom-PshaiWire $raw) }
        $existing = $target.PSObject.Properties[$name]
        if ($null -ne $existing -and $existing.MemberType -eq 'NoteProperty') { $existing.Value = $converted }
        elseif ($null -eq $existing) {
            $target.PSObject.Properties.Add(([System.Management.Automation.PSNoteProperty]::new($name, $converted)))
        }
        else { Set-PshaiProperty -Object $target -Name $name -Value $converted -Live $false }
    }
    foreach ($name in $live) { Set-PshaiProperty -Object $target -Name $name -Value $null -Live $true }
    if ($type -eq 'GradioSession' -and $null -ne $key) {
        $isDefault = $target.PSObject.Properties['IsDefault']
        if ($null -ne $isDefault -and $isDefault.Value -eq $true) { $script:PshaiDefaultSessionKey = $key }
        elseif ($script:PshaiDefaultSessionKey -eq $key) { $script:PshaiDefaultSessionKey = $null }
    }
    $target
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
            'refresh' {
                # New state of a live object: update the cached copy, write nothing.
                $null = ConvertFrom-PshaiWire (Get-PshaiField $m 'object')
            }
            'invoke' {
                $sb = $null
                if ($null -ne $ScriptBlocks) { $sb = $ScriptBlocks[[string](Get-PshaiField $m 'param')] }
                if ($null -ne $sb) {
                    $argument = ConvertFrom-PshaiWire (Get-PshaiField $m 'arg')
                    & $sb $argument
                }
            }
            default { if ($text) { $Cmdlet.WriteVerbose($text) } }
        }
    }
}

function Write-PshaiOutputList {
    # Writes converted output objects; directives act on functions and write nothing.
    param($Items)
    if ($null -eq $Items) { return }
    foreach ($item in @($Items)) {
        if ($null -ne $item -and $item -is [System.Management.Automation.PSCustomObject] -and
            $null -ne $item.PSObject.Properties['$directive']) {
            Invoke-PshaiDirective $item
            continue
        }
        ConvertFrom-PshaiWire $item
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
            $key = "$(Get-PshaiField $Directive '$type')|$(Get-PshaiField $Directive '$id')"
            $script:PshaiLiveCache.Remove($key)
            if ($script:PshaiDefaultSessionKey -eq $key) { $script:PshaiDefaultSessionKey = $null }
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
    # The body of every generated function: see docs/DESIGN.md.
    param(
        [Parameter(Mandatory)][string]$Name,
        [Parameter(Mandatory)][AllowNull()][AllowEmptyCollection()]$Bound,
        [Parameter(Mandatory)]$Cmdlet
    )
    $arguments = [ordered]@{}
    $scriptBlocks = @{}
    if ($null -ne $Bound) {
        foreach ($key in @($Bound.Keys)) {
            if ($script:PshaiCommonParameters.ContainsKey($key)) { continue }
            $value = $Bound[$key]
            if ($value -is [scriptblock]) {
                $scriptBlocks[$key] = $value
                $arguments[$key] = @{ '$scriptblock' = $key }
                continue
            }
            $arguments[$key] = Get-PshaiBase (ConvertTo-PshaiWire -Value $value -ParameterName $key)
        }
    }
    $cwd = $null
    try { $cwd = $ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath } catch { }

    $token = $null
    $failure = $null
    try {
        $commandParameters = $Cmdlet.MyInvocation.MyCommand.Parameters
        $twoPhase = ($null -ne $commandParameters -and $commandParameters.ContainsKey('WhatIf') -and
            -not $Bound.ContainsKey('Elegible'))
        $params = [ordered]@{ name = $Name; args = $arguments; cwd = $cwd }
        if ($twoPhase) {
            $params['dryRun'] = $true
            $dry = Get-PshaiField (Invoke-PshaiRequest -Method 'cmdlet' -Params $params) 'result'
            Invoke-PshaiMessageList -Messages (Get-PshaiField $dry 'messages') -Cmdlet $Cmdlet -ScriptBlocks $scriptBlocks
            $dryStream = Get-PshaiField $dry 'stream'
            if ($dryStream) { Send-PshaiNotification -Method 'stream/close' -Params @{ token = [string]$dryStream } }
            $approved = New-Object System.Collections.Generic.List[string]
            $candidates = Get-PshaiField $dry 'output'
            foreach ($candidate in $candidates) {
                if ($null -eq $candidate) { continue }
                $candidateId = [string](Get-PshaiField $candidate '$id')
                if ($Cmdlet.ShouldProcess($candidateId)) { $approved.Add($candidateId) }
            }
            if ($approved.Count -eq 0) { return }
            $params.Remove('dryRun')
            $params['approved'] = [object[]]$approved.ToArray()
        }
        $reply = Get-PshaiField (Invoke-PshaiRequest -Method 'cmdlet' -Params $params) 'result'
        $replyStream = Get-PshaiField $reply 'stream'
        if ($replyStream) { $token = [string]$replyStream }
        Invoke-PshaiMessageList -Messages (Get-PshaiField $reply 'messages') -Cmdlet $Cmdlet -ScriptBlocks $scriptBlocks
        Write-PshaiOutputList -Items (Get-PshaiField $reply 'output')
        # The worker may answer with the stream's first item when it was already at hand.
        Write-PshaiOutputList -Items (Get-PshaiField $reply 'items')
        if ((Get-PshaiField $reply 'done') -eq $true) { $token = $null }
        Write-PshaiWorkerLog -Cmdlet $Cmdlet
        while ($null -ne $token) {
            $next = Get-PshaiField (Invoke-PshaiRequest -Method 'stream/next' -Params @{ token = $token }) 'result'
            if ((Get-PshaiField $next 'done') -eq $true) { $token = $null }
            Invoke-PshaiMessageList -Messages (Get-PshaiField $next 'messages') -Cmdlet $Cmdlet -ScriptBlocks $scriptBlocks
            Write-PshaiOutputList -Items (Get-PshaiField $next 'output')
            Write-PshaiOutputList -Items (Get-PshaiField $next 'items')
            Write-PshaiWorkerLog -Cmdlet $Cmdlet
        }
    } catch {
        $ex = $_.Exception
        if ($null -eq $ex -or -not $ex.Data.Contains('PshaiErrorId')) { throw }
        # A stream that failed on the worker side is already gone there.
        if ([string]$ex.Data['PshaiErrorId'] -ne 'POWERSHAI_PY_WORKER_EXITED') { $token = $null }
        $failure = $ex
    } finally {
        if ($null -ne $token) { Send-PshaiNotification -Method 'stream/close' -Params @{ token = $token } }
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
    foreach ($key in @($script:PshaiLiveCache.Keys)) {
        if ($key -like 'GradioSession|*') { $script:PshaiLiveCache[$key] }
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
        $ref = Get-PshaiRefOf $wanted
        if ($null -ne $ref) {
            $cached = $script:PshaiLiveCache["$($ref['$type'])|$($ref['$id'])"]
            if ($null -ne $cached) { return $cached }
            return $wanted
        }
        $wantedName = [string]$wanted
        if ($wantedName -and $wantedName -ne '.') {
            foreach ($s in $sessions) { if ([string](Get-PshaiField $s 'name') -eq $wantedName) { return $s } }
            return $null
        }
    }
    if ($null -ne $script:PshaiDefaultSessionKey) {
        $default = $script:PshaiLiveCache[$script:PshaiDefaultSessionKey]
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
