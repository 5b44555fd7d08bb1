# The in-process transport ($env:POWERSHAI_PY_TRANSPORT = 'inprocess' / 'auto'): the Python core
# hosted in the PowerShell process through pythonnet. CPython lives once per process, so every
# scenario runs in a child PowerShell of its own (Start-Job), bounded by Wait-Job -Timeout.
# Real Gradio 6 server shared by the whole file. PowerShell 7 and Windows PowerShell 5.1.

Set-StrictMode -Version Latest

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $G6 = Start-PshaiGradioApp -Version 6
    $Url = $G6.Url
    $Helpers = Join-Path $PSScriptRoot 'TestHelpers.ps1'
    $env:POWERSHAI_PY_PYTHON = Get-PshaiPython

    function Invoke-PshaiTransportJob {
        # Runs $Script in a child PowerShell that imports the module under $Transport; returns
        # its output, or throws when it does not finish within $TimeoutSec.
        param([string]$Transport, [scriptblock]$Script, [object[]]$ArgumentList = @(),
            [int]$TimeoutSec = 120, [hashtable]$Environment = @{})
        $wrapper = {
            param($Helpers, $Transport, $Environment, $Body, $JobArgs)
            $ErrorActionPreference = 'Stop'
            foreach ($name in $Environment.Keys) { Set-Item -Path "env:$name" -Value $Environment[$name] }
            $env:POWERSHAI_PY_TRANSPORT = $Transport
            . $Helpers
            $null = Import-PshaiTestModule
            & ([scriptblock]::Create($Body)) @JobArgs
        }
        $job = Start-Job -ScriptBlock $wrapper -ArgumentList $Helpers, $Transport, $Environment, $Script.ToString(), $ArgumentList
        try {
            if (-not (Wait-Job -Job $job -Timeout $TimeoutSec)) {
                throw "the child PowerShell did not finish within $TimeoutSec s (hang)"
            }
            Receive-Job -Job $job -ErrorAction Stop
        } finally {
            Stop-Job -Job $job -ErrorAction SilentlyContinue
            Remove-Job -Job $job -Force -ErrorAction SilentlyContinue
        }
    }
}

AfterAll {
    Stop-PshaiGradioApp $G6
}

Describe 'In-process transport' {
    It 'runs the core inside PowerShell: libpython is loaded here and no worker process exists' {
        $r = Invoke-PshaiTransportJob -Transport 'inprocess' -ArgumentList $Url -Script {
            param($Url)
            $s = New-GradioSession $Url -Name 'inproc'
            $text = (Invoke-GradioSessionApi echo @('hi') -Session $s | Update-GradioSessionApiResult | Select-Object -Last 1).data
            $children = @()
            if (Test-Path "/proc/$PID/task") {
                foreach ($task in Get-ChildItem "/proc/$PID/task") {
                    $list = Get-Content (Join-Path $task.FullName 'children') -Raw -ErrorAction SilentlyContinue
                    if ($list) { $children += @($list.Trim() -split '\s+' | Where-Object { $_ }) }
                }
                $maps = Get-Content "/proc/$PID/maps" -Raw
            } else {
                $children = @(Get-CimInstance Win32_Process -Filter "ParentProcessId = $PID" | ForEach-Object { $_.ProcessId })
                $maps = ((Get-Process -Id $PID).Modules | ForEach-Object { $_.FileName }) -join "`n"
            }
            $workers = @($children | Where-Object {
                    $cmd = ''
                    try { $cmd = (Get-Content "/proc/$_/cmdline" -Raw) -replace "`0", ' ' } catch { }
                    $cmd -match 'powershai_py'
                })
            @{ Text = $text; Workers = $workers.Count; LibPython = [bool]($maps -match 'libpython3|python3\d+\.dll') }
        }
        $r.Text | Should -Be 'echo: hi'
        $r.Workers | Should -Be 0
        $r.LibPython | Should -BeTrue
    }

    Context 'starting the engine during Import-Module' {
        BeforeAll {
            # A cache folder of this context's own, so that what it finds there is what its own
            # first child left: the probe, the compiled bridge and the launch record.
            $CacheDir = Join-Path ([IO.Path]::GetTempPath()) ('pshai-launch-' + [guid]::NewGuid().ToString('N'))
            $CacheEnv = @{ POWERSHAI_PY_CACHE = $CacheDir }
            $LaunchFile = Join-Path (Join-Path $CacheDir 'native') 'inprocess.launch.txt'
            $null = Invoke-PshaiTransportJob -Transport 'inprocess' -Environment $CacheEnv -ArgumentList $Url -Script {
                param($Url)
                $null = New-GradioSession $Url -Name 'first-use'
            }
            # What a child sees right after Import-Module, with no cmdlet run yet.
            $AfterImport = {
                param($Seconds, $Url)
                $launched = & (Get-Module PowershaiPy) { $null -ne $script:PshaiLaunch }
                $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
                $hostType = 'PowershaiPy.InProcess.PythonHost' -as [type]
                while ([DateTime]::UtcNow -lt $deadline) {
                    if ($null -ne $hostType -and $hostType::LoadedLibrary) { break }
                    Start-Sleep -Milliseconds 50
                }
                $result = @{
                    Launched = $launched
                    Started  = ($null -ne $hostType -and [bool]$hostType::LoadedLibrary)
                    Workers  = @(& (Get-Module PowershaiPy) { if ($null -ne $script:PshaiWorker) { 1 } }).Count
                }
                if ($Url) { $result.Echo = (Invoke-GradioSessionApi echo @('early') -Session (New-GradioSession $Url -Name 'e') | Update-GradioSessionApiResult | Select-Object -Last 1).data }
                $result
            }
        }
        AfterAll { Remove-Item -LiteralPath $CacheDir -Recurse -Force -ErrorAction SilentlyContinue }

        It 'begins it first thing from the launch record the last in-process start left, before any cmdlet runs' {
            Test-Path -LiteralPath $LaunchFile | Should -BeTrue
            $r = Invoke-PshaiTransportJob -Transport 'inprocess' -Environment $CacheEnv -Script $AfterImport -ArgumentList 20, $Url
            $r.Launched | Should -BeTrue
            $r.Started | Should -BeTrue
            $r.Workers | Should -Be 0   # no cmdlet made a worker before the check: the import did it alone
            $r.Echo | Should -Be 'echo: early'
        }

        It 'does not take a launch record that another Python would have chosen; the call still works' {
            # The same interpreter by another name: $env:POWERSHAI_PY_PYTHON is one of the inputs.
            $python = Get-PshaiPython
            $other = [IO.Path]::Combine((Split-Path $python), '.', (Split-Path $python -Leaf))
            $environment = @{ POWERSHAI_PY_CACHE = $CacheDir; POWERSHAI_PY_PYTHON = $other }
            $r = Invoke-PshaiTransportJob -Transport 'inprocess' -Environment $environment -Script $AfterImport -ArgumentList 0, $Url
            $r.Launched | Should -BeFalse
            $r.Echo | Should -Be 'echo: early'
            # That call left its own record: the next import with that name takes it.
            $again = Invoke-PshaiTransportJob -Transport 'inprocess' -Environment $environment -Script $AfterImport -ArgumentList 20, $null
            $again.Launched | Should -BeTrue
            $again.Started | Should -BeTrue
        }

        It 'without a launch record, begins it later in the import from the cached probe; stdio never does' {
            Remove-Item -LiteralPath $LaunchFile -Force
            $r = Invoke-PshaiTransportJob -Transport 'inprocess' -Environment $CacheEnv -Script $AfterImport -ArgumentList 20, $null
            $r.Launched | Should -BeFalse
            $r.Started | Should -BeTrue
            $r.Workers | Should -Be 0
            $stdio = Invoke-PshaiTransportJob -Transport 'stdio' -Environment $CacheEnv -Script $AfterImport -ArgumentList 3, $null   # the engine starts in 0.5 s
            $stdio.Launched | Should -BeFalse
            $stdio.Started | Should -BeFalse
        }
    }

    It 'serves several runspaces of one process at once (ForEach-Object -Parallel)' -Skip:($PSVersionTable.PSVersion.Major -lt 7) {
        $r = Invoke-PshaiTransportJob -Transport 'inprocess' -ArgumentList $Url, (Get-PshaiModuleManifest) -Script {
            param($Url, $Manifest)
            1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
                Import-Module $using:Manifest
                $s = New-GradioSession $using:Url -Name "r$_"
                $out = Invoke-GradioSessionApi echo @("from $_") -Session $s | Update-GradioSessionApiResult | Select-Object -Last 1
                "$($_)=$($out.data)"
            } | Sort-Object
        }
        $r | Should -Be @('1=echo: from 1', '2=echo: from 2', '3=echo: from 3', '4=echo: from 4')
    }

    It 'closes the host of a runspace when that runspace closes, and keeps the others' {
        $r = Invoke-PshaiTransportJob -Transport 'inprocess' -ArgumentList $Url, (Get-PshaiModuleManifest) -Script {
            param($Url, $Manifest)
            $mine = New-GradioSession $Url -Name 'main'
            $openHosts = {
                $gil = [Python.Runtime.Py]::GIL()
                try {
                    [int][Python.Runtime.PythonEngine]::Eval(
                        'sum(1 for h in __import__("powershai_py.worker._inprocess", fromlist=["_"])._open_hosts if not h.closed)').ToString()
                } finally { $gil.Dispose() }
            }
            $seen = New-Object System.Collections.Generic.List[int]
            foreach ($i in 1..3) {
                $null = Invoke-PshaiInOwnRunspace -Manifest $Manifest -Url $Url -Name "rs$i" -WhileOpen { $seen.Add((& $openHosts)) }
            }
            $during = ($seen | Measure-Object -Maximum).Maximum
            $after = & $openHosts
            $echo = (Invoke-GradioSessionApi echo @('still here') -Session $mine | Update-GradioSessionApiResult | Select-Object -Last 1).data
            @{ During = $during; After = $after; Echo = $echo }
        }
        $r.During | Should -Be 2   # this runspace's host and the one of the runspace still open
        $r.After | Should -Be 1
        $r.Echo | Should -Be 'echo: still here'
    }

    It 'stops a stream with Select-Object -First 1 at once, and a later Update continues it' {
        $r = Invoke-PshaiTransportJob -Transport 'inprocess' -ArgumentList $Url -Script {
            param($Url)
            $s = New-GradioSession $Url -Name 'first'
            $call = Invoke-GradioSessionApi partials @(4, 0.3) -Session $s
            $first = @($call | Update-GradioSessionApiResult | Select-Object -First 1)
            $rest = @($call | Update-GradioSessionApiResult)
            $show = { param($items) @($items | ForEach-Object { '{0}={1}' -f $_.event, (@($_.data) -join ',') }) }
            @{ First = & $show $first; Rest = & $show $rest }
        }
        $r.First | Should -Be @('generating=part 0')
        # the later Update goes on from the item after the one Select-Object took
        $r.Rest | Should -Be @('generating=part 1', 'generating=part 2', 'generating=part 3', 'complete=part 3')
    }

    It 'works again after Remove-Module then Import-Module in the same process (one interpreter)' {
        $r = Invoke-PshaiTransportJob -Transport 'inprocess' -ArgumentList $Url -Script {
            param($Url)
            $null = New-GradioSession $Url -Name 'before'
            Remove-Module PowershaiPy
            $null = Import-PshaiTestModule
            $s = New-GradioSession $Url -Name 'after'
            @{ Sessions = @(Get-GradioSession | ForEach-Object { $_.name }); Echo = (Invoke-GradioSessionApi echo @('again') -Session $s | Update-GradioSessionApiResult | Select-Object -Last 1).data }
        }
        $r.Echo | Should -Be 'echo: again'
        $r.Sessions | Should -Be @('after')
    }

    It 'keeps what Python writes (logs at DEBUG, stdout, stderr) off the console; it goes to the log; the exit code is the script''s' {
        # A child pwsh whose real stdout and stderr are captured: only the script's line may appear.
        $script = Join-Path ([IO.Path]::GetTempPath()) "pshai-inproc-quiet-$PID.ps1"
        Set-Content -LiteralPath $script -Value @"
`$ErrorActionPreference = 'Stop'
. '$Helpers'
`$null = Import-PshaiTestModule
`$s = New-GradioSession '$Url' -Name 'quiet'
`$null = Invoke-GradioSessionApi echo @('x') -Session `$s | Update-GradioSessionApiResult
'DONE'
Join-Path ([IO.Path]::GetTempPath()) "powershai-py-inprocess-`$PID.log"
exit 3
"@
        $psi = New-Object System.Diagnostics.ProcessStartInfo
        $pwsh = Join-Path (Get-PshaiRepoRoot) '.tools/pwsh/pwsh'
        if (-not (Test-Path -LiteralPath $pwsh)) { $pwsh = (Get-Process -Id $PID).Path }
        $psi.FileName = $pwsh
        $psi.Arguments = "-NoProfile -NonInteractive -File `"$script`""
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.EnvironmentVariables['POWERSHAI_PY_TRANSPORT'] = 'inprocess'
        $psi.EnvironmentVariables['POWERSHAI_PY_LOG'] = 'DEBUG'
        $psi.EnvironmentVariables['POWERSHAI_PY_PYTHON'] = Get-PshaiPython
        $proc = [System.Diagnostics.Process]::Start($psi)
        $errTask = $proc.StandardError.ReadToEndAsync()
        $out = $proc.StandardOutput.ReadToEnd()
        $exited = $proc.WaitForExit(120000)
        $err = $errTask.Result
        Remove-Item -LiteralPath $script -ErrorAction SilentlyContinue
        $exited | Should -BeTrue
        # The script's exit code survives the interpreter's exit path (no Py_Finalize there).
        $proc.ExitCode | Should -Be 3
        $lines = @($out.Trim() -split '\r?\n')
        $lines.Count | Should -Be 2
        $lines[0] | Should -Be 'DONE'
        $err | Should -BeNullOrEmpty
        $log = $lines[1]
        $logText = Get-Content -LiteralPath $log -Raw
        $logText | Should -Match 'DEBUG'
        # Closing the session closed the host before the process went (and the log was flushed).
        $logText | Should -Match 'in-process host closed'
        Remove-Item -LiteralPath $log -ErrorAction SilentlyContinue
    }

    Context 'a Python built without a shared library' {
        BeforeAll {
            # The fault: sysconfig of the worker's Python says Py_ENABLE_SHARED = 0 (a static
            # build; every interpreter on the test machines is shared). A fresh cache folder, so
            # no earlier probe of this Python answers instead.
            $FaultDir = Join-Path ([IO.Path]::GetTempPath()) ('pshai-static-' + [guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $FaultDir
            Set-Content -LiteralPath (Join-Path $FaultDir 'sitecustomize.py') -Value @'
import sysconfig
_real = sysconfig.get_config_var
sysconfig.get_config_var = lambda name: 0 if name == "Py_ENABLE_SHARED" else _real(name)
'@
            $FaultEnv = @{ PYTHONPATH = $FaultDir; POWERSHAI_PY_CACHE = (Join-Path $FaultDir 'cache') }
        }
        AfterAll { Remove-Item -LiteralPath $FaultDir -Recurse -Force -ErrorAction SilentlyContinue }

        It 'fails under inprocess with POWERSHAI_PY_NO_SHARED_LIBPYTHON' -Skip:([System.IO.Path]::DirectorySeparatorChar -eq '\') {
            $r = Invoke-PshaiTransportJob -Transport 'inprocess' -Environment $FaultEnv -ArgumentList $Url -Script {
                param($Url)
                try { $null = New-GradioSession $Url -Name 'static'; 'no error' }
                catch { @{ Id = $_.FullyQualifiedErrorId; Message = $_.Exception.Message } }
            }
            $r.Id | Should -BeLike 'POWERSHAI_PY_NO_SHARED_LIBPYTHON*'
            $r.Message | Should -BeLike '*built without a shared library*'
        }

        It 'falls back to stdio under auto and says why in Verbose' -Skip:([System.IO.Path]::DirectorySeparatorChar -eq '\') {
            $r = Invoke-PshaiTransportJob -Transport 'auto' -Environment $FaultEnv -ArgumentList $Url -Script {
                param($Url)
                $verbose = New-GradioSession $Url -Name 'fallback' -Verbose 4>&1 |
                    Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { $_.Message }
                @{ Verbose = @($verbose); Echo = (Invoke-GradioSessionApi echo @('s') -Session 'fallback' | Update-GradioSessionApiResult | Select-Object -Last 1).data }
            }
            $r.Echo | Should -Be 'echo: s'
            ($r.Verbose -join "`n") | Should -BeLike '*transport auto uses stdio*POWERSHAI_PY_NO_SHARED_LIBPYTHON*'
        }
    }

    It 'takes the transport from Import-Module -ArgumentList too, over the environment variable' {
        $r = Invoke-PshaiTransportJob -Transport 'stdio' -ArgumentList $Url -Script {
            param($Url)
            $manifest = Get-PshaiModuleManifest
            Import-Module $manifest -ArgumentList inprocess -Force
            $null = New-GradioSession $Url -Name 'by-argument'
            $byArgument = @(Get-PshaiWorkerProcess).Count
            $loaded = @((Get-Process -Id $PID).Modules | Where-Object { $_.ModuleName -match '^libpython3|^python3\d+\.dll$' }).Count
            Remove-Module PowershaiPy
            Import-Module $manifest -ArgumentList @{ Transport = 'stdio' } -Force
            $null = New-GradioSession $Url -Name 'by-table'
            @{ ByArgument = $byArgument; Loaded = $loaded; ByTable = @(Get-PshaiWorkerProcess).Count }
        }
        $r.ByArgument | Should -Be 0
        $r.Loaded | Should -BeGreaterThan 0
        $r.ByTable | Should -Be 1
    }

    It 'rejects an unknown transport name with POWERSHAI_PY_INVALID_TRANSPORT, from the variable or the argument' {
        $r = Invoke-PshaiTransportJob -Transport 'stdio' -Script {
            $manifest = Get-PshaiModuleManifest
            $env:POWERSHAI_PY_TRANSPORT = 'pigeon'
            $fromVariable = try { Import-Module $manifest -Force -ErrorAction Stop; 'loaded' } catch { $_ }
            $env:POWERSHAI_PY_TRANSPORT = 'stdio'
            $fromArgument = try { Import-Module $manifest -Force -ArgumentList 'owl' -ErrorAction Stop; 'loaded' } catch { $_ }
            @{ Variable = "$($fromVariable.FullyQualifiedErrorId)|$($fromVariable.Exception.Message)"
               Argument = "$($fromArgument.FullyQualifiedErrorId)|$($fromArgument.Exception.Message)" }
        }
        $r.Variable | Should -BeLike "POWERSHAI_PY_INVALID_TRANSPORT,*|POWERSHAI_PY_INVALID_TRANSPORT: transport 'pigeon' is not one of stdio, inprocess, auto*"
        $r.Argument | Should -BeLike "POWERSHAI_PY_INVALID_TRANSPORT,*|POWERSHAI_PY_INVALID_TRANSPORT: transport 'owl' is not one of*"
    }
}
