# runtime/Worker.ps1: the worker's lifecycle: finding Python, starting, the handshake, restarting, cleanup.
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.

# ------------------------------------------------------------------------------------------------
# Worker lifecycle
# ------------------------------------------------------------------------------------------------

# Find-PshaiPython: runtime/Python.ps1.

function Get-PshaiModuleVersion {
    if ($null -ne $script:PshaiModule -and $null -ne $script:PshaiModule.Version) {
        return [string]$script:PshaiModule.Version
    }
    '0.0.0'
}

function Remove-PshaiStaleWorkerLog {
    # A PowerShell that ends without Remove-Module (pwsh -File, a closed window) may not run the
    # module's cleanup, and its worker's log stays in the temp folder. Each new worker removes the
    # logs of PowerShell processes that no longer run (the first number in the name is that PID).
    try {
        $folder = [System.IO.Path]::GetTempPath()
        foreach ($file in [System.IO.Directory]::GetFiles($folder, 'powershai-py-worker-*-*.log')) {
            $name = [System.IO.Path]::GetFileName($file)
            if ($name -notmatch '^powershai-py-worker-(\d+)-\d+\.log$') { continue }
            $owner = [int]$Matches[1]
            if ($owner -eq $PID) { continue }
            $alive = $true
            try { $null = [System.Diagnostics.Process]::GetProcessById($owner) } catch { $alive = $false }
            if (-not $alive) { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }
        }
    } catch { }
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
    Remove-PshaiStaleWorkerLog
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
        Transport    = 'stdio'
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
    if ($w.Transport -eq 'inprocess') {
        # The host closes; the interpreter stays for the process's life (CPython cannot unload).
        try { $w.Channel.Close() } catch { }
        return
    }
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
    $w = Start-PshaiWorker
    $script:PshaiWorker = $w
    # A runspace of [powershell]::Create() or of a pool closes without the Exiting event: its
    # worker ends with it (the channel's close is the worker's end of input).
    [PowershaiPy.Native.RunspaceEnd]::CloseWith([runspace]::DefaultRunspace, $w.Link.Transport)
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
    # The variables the worker reads go with each request, so $env:HF_TOKEN = ... set after this holds.
    $environment = Get-PshaiField $result 'environment'
    if ($null -ne $environment) { $script:PshaiCodec.EnvironmentNames = [string[]]@($environment) }
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
