# Shared helpers for the PowershaiPy Pester suite (dot-source in BeforeAll / inside Start-Job).
# Valid for Windows PowerShell 5.1 and PowerShell 7.
#
#   . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
#   Import-PshaiTestModule
#   $G6 = Start-PshaiGradioApp -Version 6      # $G6.Url, $G6.Version, $G6.ServerPid
#   ...
#   Stop-PshaiGradioApp $G6
#
# Gradio servers run through tests/gradio_servers.py (start_app) in the repo's .venv Python. The
# launcher keeps the server alive while its stdin is open: closing stdin (Stop-PshaiGradioApp) or
# the death of this PowerShell process stops the server (terminate, then kill).

$script:PshaiRepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Get-PshaiRepoRoot { $script:PshaiRepoRoot }

function Test-PshaiWindows {
    if ($PSVersionTable.PSEdition -eq 'Desktop') { return $true }
    return [bool]$IsWindows
}

function Get-PshaiPython {
    $root = Get-PshaiRepoRoot
    if (Test-PshaiWindows) { Join-Path $root '.venv/Scripts/python.exe' } else { Join-Path $root '.venv/bin/python' }
}

function Get-PshaiPwshCommand {
    <# The command line (executable, then arguments) that starts the same PowerShell as this one.
       A dotnet-tool install runs as "dotnet pwsh.dll", so this process's executable is not always
       PowerShell itself. #>
    $command = @((Get-Process -Id $PID).Path)
    if ([IO.Path]::GetFileNameWithoutExtension($command[0]) -notin @('pwsh', 'powershell')) {
        $command = @(Join-Path $PSHOME 'pwsh.dll')
        foreach ($name in @('pwsh', 'pwsh.exe', 'powershell.exe')) {
            $candidate = Join-Path $PSHOME $name
            if (Test-Path -LiteralPath $candidate -PathType Leaf) { $command = @($candidate); break }
        }
        if ($command[0] -like '*.dll') { $command = @((Get-Process -Id $PID).Path) + $command }
    }
    , $command
}

function Get-PshaiModuleManifest {
    if ($env:PSHAI_GENERATED_MODULE) { return $env:PSHAI_GENERATED_MODULE }
    Join-Path (Get-PshaiRepoRoot) 'PowerShellModule/PowershaiPy/PowershaiPy.psd1'
}

function Import-PshaiTestModule {
    # The module's worker runs the project's Python.
    if (-not $env:POWERSHAI_PY_PYTHON) { $env:POWERSHAI_PY_PYTHON = Get-PshaiPython }
    Import-Module (Get-PshaiModuleManifest) -Force -Global -ErrorAction Stop -PassThru
}

function Remove-PshaiTestModule {
    Remove-Module PowershaiPy -Force -ErrorAction SilentlyContinue
}

function Clear-PshaiSessions {
    # Every session of the worker, gone (PowerShai's own idiom).
    Get-GradioSession | Remove-GradioSession
}

$script:PshaiLauncherCode = @'
import os
import sys

sys.path.insert(0, sys.argv[1])
from tests.gradio_servers import start_app  # noqa: E402

app = start_app(sys.argv[2], *sys.argv[3:])
try:
    sys.stdout.write("%s %s %s\n" % (app.url, app.version, app.process.pid))
    sys.stdout.flush()
    sys.stdin.read()  # until the test closes stdin or dies
finally:
    app.close()
'@

function Start-PshaiGradioApp {
    <# Starts tests/apps/gradio_test_app.py under Gradio $Version; returns @{Url; Version; ServerPid; Process}. #>
    param(
        [string]$Version = '6',
        [string[]]$AppArgs = @(),
        [int]$TimeoutSec = 120
    )
    $root = Get-PshaiRepoRoot
    $launcher = Join-Path ([IO.Path]::GetTempPath()) 'pshai_test_gradio_launcher.py'
    if (-not (Test-Path -LiteralPath $launcher) -or
        (Get-Content -LiteralPath $launcher -Raw) -ne $script:PshaiLauncherCode) {
        [IO.File]::WriteAllText($launcher, $script:PshaiLauncherCode)
    }
    $quoted = @('-u', $launcher, $root, $Version) + $AppArgs | ForEach-Object { '"' + $_ + '"' }
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = Get-PshaiPython
    $psi.Arguments = $quoted -join ' '
    $psi.WorkingDirectory = $root
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $proc = [System.Diagnostics.Process]::Start($psi)
    $errTask = $proc.StandardError.ReadToEndAsync()
    $lineTask = $proc.StandardOutput.ReadLineAsync()
    if (-not $lineTask.Wait($TimeoutSec * 1000) -or -not $lineTask.Result) {
        try { $proc.StandardInput.Close() } catch { }
        if (-not $proc.WaitForExit(15000)) { $proc.Kill() }
        $stderr = if ($errTask.Wait(2000)) { $errTask.Result } else { '' }
        throw "Gradio $Version test app did not start: $stderr"
    }
    $parts = $lineTask.Result.Trim() -split ' '
    [pscustomobject]@{
        Url       = $parts[0]
        Version   = [int]$parts[1]
        ServerPid = [int]$parts[2]
        Process   = $proc
    }
}

function Stop-PshaiGradioApp {
    param($App)
    if (-not $App) { return }
    $proc = $App.Process
    try { $proc.StandardInput.Close() } catch { }
    if (-not $proc.WaitForExit(20000)) {
        try { $proc.Kill() } catch { }
        Stop-Process -Id $App.ServerPid -Force -ErrorAction SilentlyContinue
    }
}

function Get-PshaiChildProcess {
    <# Processes whose parent is $ParentId, with their command lines: @{Id; CommandLine}. #>
    param([int]$ParentId = $PID)
    if (Test-PshaiWindows) {
        Get-CimInstance Win32_Process -Filter "ParentProcessId=$ParentId" |
            ForEach-Object { [pscustomobject]@{ Id = [int]$_.ProcessId; CommandLine = "$($_.CommandLine)" } }
        return
    }
    foreach ($dir in Get-ChildItem -Path /proc -Directory -ErrorAction SilentlyContinue) {
        if ($dir.Name -notmatch '^\d+$') { continue }
        try {
            $stat = [IO.File]::ReadAllText("/proc/$($dir.Name)/stat")
            # pid (comm) state ppid ... ; comm may hold spaces and parentheses
            $rest = $stat.Substring($stat.LastIndexOf(')') + 2) -split ' '
            if ([int]$rest[1] -ne $ParentId) { continue }
            $cmd = [IO.File]::ReadAllText("/proc/$($dir.Name)/cmdline") -replace "`0", ' '
            [pscustomobject]@{ Id = [int]$dir.Name; CommandLine = $cmd.Trim() }
        } catch { continue }
    }
}

function Get-PshaiWorkerProcess {
    <# The module's Python worker(s) started by this PowerShell process ($ParentId). #>
    param([int]$ParentId = $PID)
    @(Get-PshaiChildProcess -ParentId $ParentId | Where-Object { $_.CommandLine -match 'powershai_py' })
}

function Test-PshaiProcessAlive {
    param([int]$Id)
    $p = Get-Process -Id $Id -ErrorAction SilentlyContinue
    if (-not $p) { return $false }
    if (-not (Test-PshaiWindows) -and (Test-Path "/proc/$Id/stat")) {
        # a zombie (exited, not yet reaped) is not alive
        $stat = [IO.File]::ReadAllText("/proc/$Id/stat")
        $state = ($stat.Substring($stat.LastIndexOf(')') + 2) -split ' ')[0]
        if ($state -eq 'Z') { return $false }
    }
    return $true
}

function Wait-PshaiProcessExit {
    <# Waits up to TimeoutSec for the processes to end; returns the ids still alive. #>
    param([int[]]$Ids, [int]$TimeoutSec = 3)
    $deadline = [datetime]::Now.AddSeconds($TimeoutSec)
    do {
        $alive = @($Ids | Where-Object { Test-PshaiProcessAlive $_ })
        if (-not $alive.Count) { break }
        Start-Sleep -Milliseconds 100
    } while ([datetime]::Now -lt $deadline)
    $alive
}

function Wait-PshaiUntil {
    <# Returns as soon as & $Condition is true; throws naming $What after $TimeoutSec (a bound far
       above any healthy wait: reaching it means the behaviour is broken). Never a bare sleep. #>
    param([scriptblock]$Condition, [string]$What, [int]$TimeoutSec = 30)
    $deadline = [datetime]::Now.AddSeconds($TimeoutSec)
    while (-not (& $Condition)) {
        if ([datetime]::Now -gt $deadline) { throw "timed out after $TimeoutSec s waiting until $What" }
        Start-Sleep -Milliseconds 20
    }
}

function Invoke-PshaiInOwnRunspace {
    <# Imports the module in a runspace of its own ([powershell]::Create()), opens a session named
       $Name there and returns the echo of $Name from it; runs $WhileOpen before disposing it,
       which closes that runspace. #>
    param([string]$Manifest, [string]$Url, [string]$Name, [scriptblock]$WhileOpen = {})
    $ps = [powershell]::Create()
    try {
        $null = $ps.AddScript({
                param($Manifest, $Url, $Name)
                Import-Module $Manifest
                $s = New-GradioSession $Url -Name $Name
                (Invoke-GradioSessionApi echo @($Name) -Session $s | Update-GradioSessionApiResult | Select-Object -Last 1).data
            }).AddArgument($Manifest).AddArgument($Url).AddArgument($Name)
        $ps.Invoke()
        $null = & $WhileOpen
    } finally {
        $ps.Dispose()
    }
}

function New-PshaiKey {
    <# A key no other test (or run against the same server) uses: for the test app's gates. #>
    param([string]$Prefix = 'k')
    "$Prefix-" + [guid]::NewGuid().ToString('N').Substring(0, 12)
}

function Get-PshaiError {
    <# Runs $Script and returns the ErrorRecord it threw (or $null). #>
    param([scriptblock]$Script)
    try { $null = & $Script; return $null } catch { return $_ }
}

function Assert-PshaiErrorId {
    <# The ErrorRecord carries PowerShai's id: FullyQualifiedErrorId starts with it, message starts with "ID: ". #>
    param($ErrorRecord, [string]$Id)
    if ($null -eq $ErrorRecord) { throw "Expected an error with id $Id, but nothing was thrown" }
    $fq = "$($ErrorRecord.FullyQualifiedErrorId)"
    if (-not ($fq -eq $Id -or $fq.StartsWith("$Id,"))) {
        throw "Expected FullyQualifiedErrorId to start with '$Id', got '$fq' (message: $($ErrorRecord.Exception.Message))"
    }
    $msg = "$($ErrorRecord.Exception.Message)"
    if (-not $msg.StartsWith("${Id}: ")) {
        throw "Expected the message to start with '${Id}: ', got '$msg'"
    }
}

function Get-PshaiResultValues {
    <# The values of the generating results (their data[0]) from a list of GradioApiEventResult. #>
    param($Results, [string]$Event = 'generating')
    @($Results | Where-Object { $_.event -eq $Event } | ForEach-Object { @($_.data)[0] })
}

function Start-PshaiHelperServer {
    <# Starts one of the tests' Python servers that print their URL first: the fault proxy
       (-Module tests.fakes.fault_proxy, which serves until its stdin closes) or the Hub stand-in
       (-Script tests/hub_standin.py, which serves until stopped), given the upstream Gradio URL.
       Returns the process and its URL; Stop-PshaiHelperServer ends it. #>
    param([string]$Module, [string]$Script, [string]$Upstream)
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = Get-PshaiPython
    $target = if ($Module) { "-m $Module" } else { '"' + (Join-Path (Get-PshaiRepoRoot) $Script) + '"' }
    $psi.Arguments = "-u $target `"$Upstream`""
    $psi.WorkingDirectory = Get-PshaiRepoRoot
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $process = [System.Diagnostics.Process]::Start($psi)
    [pscustomobject]@{ Process = $process; Url = $process.StandardOutput.ReadLine().Trim(); StopsOnStdin = [bool]$Module }
}

function Stop-PshaiHelperServer {
    param($Server)
    if ($null -eq $Server) { return }
    if ($Server.StopsOnStdin) {
        try { $Server.Process.StandardInput.Close() } catch { }
        if ($Server.Process.WaitForExit(10000)) { return }
    }
    try { $Server.Process.Kill() } catch { }
}

function Start-PshaiHubStandin {
    <# The Hub stand-in (tests/hub_standin.py) in front of the Gradio app at -Upstream, with the
       module pointed at it (POWERSHAI_HF_HUB_URL) and no token in the environment. Start it
       before Import-PshaiTestModule; Stop-PshaiHubStandin puts the environment back. #>
    param([string]$Upstream)
    $hub = Start-PshaiHelperServer -Script 'tests/hub_standin.py' -Upstream $Upstream
    $saved = @{ POWERSHAI_HF_HUB_URL = $env:POWERSHAI_HF_HUB_URL; HF_API_TOKEN = $env:HF_API_TOKEN; HF_TOKEN = $env:HF_TOKEN }
    $hub | Add-Member -NotePropertyName SavedEnvironment -NotePropertyValue $saved
    $env:POWERSHAI_HF_HUB_URL = $hub.Url
    $env:HF_API_TOKEN = $null
    $env:HF_TOKEN = $null
    $hub
}

function Stop-PshaiHubStandin {
    param($Hub)
    if ($null -eq $Hub) { return }
    foreach ($name in $Hub.SavedEnvironment.Keys) { Set-Item -Path "env:$name" -Value $Hub.SavedEnvironment[$name] }
    Stop-PshaiHelperServer $Hub
}
