Set-StrictMode -Version Latest

# The Python worker as a process: killed mid-session, two PowerShell processes at once, and no
# leftover worker after Remove-Module. Scenarios that could hang run in a child pwsh (Start-Job)
# bounded by Wait-Job -Timeout. Real Gradio 6 server shared by the whole file.
# Valid for Windows PowerShell 5.1 and PowerShell 7 (Pester 5).

BeforeAll {
    # Pester runs the blocks in scopes below this one, not below the file's top line
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $G6 = Start-PshaiGradioApp -Version 6
    $Url = $G6.Url
    $null = Import-PshaiTestModule
    $Helpers = Join-Path $PSScriptRoot 'TestHelpers.ps1'
    $env:POWERSHAI_PY_PYTHON = Get-PshaiPython

    function Invoke-PshaiJob {
        # Runs $Script in a child PowerShell with the module imported; returns its output, or
        # throws when it does not finish within $TimeoutSec (the job is stopped then).
        param([scriptblock]$Script, [object[]]$ArgumentList = @(), [int]$TimeoutSec = 90)
        $job = Start-PshaiJob -Script $Script -ArgumentList $ArgumentList
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

    function Start-PshaiJob {
        param([scriptblock]$Script, [object[]]$ArgumentList = @())
        $wrapper = {
            param($Helpers, $Body, $JobArgs)
            $ErrorActionPreference = 'Stop'
            . $Helpers
            $null = Import-PshaiTestModule
            & ([scriptblock]::Create($Body)) @JobArgs
        }
        Start-Job -ScriptBlock $wrapper -ArgumentList $Helpers, $Script.ToString(), $ArgumentList
    }
}

AfterAll {
    if (Get-Module PowershaiPy) { Clear-PshaiSessions }
    Remove-PshaiTestModule
    Stop-PshaiGradioApp $G6
}

Describe 'Worker process' {
    It 'runs as a child process of this PowerShell' {
        Clear-PshaiSessions
        $null = New-GradioSession $Url -Name 'w'
        @(Get-PshaiWorkerProcess).Count | Should -Be 1
        Clear-PshaiSessions
    }

    It 'fails clearly, never hangs, when the worker is killed mid-session, then works again' {
        # bounded by the job's timeout: a hang fails the test there
        $r = Invoke-PshaiJob -TimeoutSec 90 -ArgumentList $Url -Script {
            param($Url)
            $s = New-GradioSession $Url -Name 'victim'
            $before = @(($s | Invoke-GradioSessionApi echo @('before') | Update-GradioSessionApiResult | Select-Object -Last 1).data)[0]
            $workers = @(Get-PshaiWorkerProcess)
            foreach ($w in $workers) { Stop-Process -Id $w.Id -Force }
            $stillAlive = @(Wait-PshaiProcessExit -Ids @($workers | ForEach-Object { $_.Id }) -TimeoutSec 30)
            $next = $null; $nextError = $null; $nextId = $null; $wv = $null
            try {
                $ev = Invoke-GradioSessionApi echo @('after') -session victim -WarningVariable wv -WarningAction SilentlyContinue
                $next = @(($ev | Update-GradioSessionApiResult | Select-Object -Last 1).data)[0]
            } catch {
                $nextError = $_.Exception.Message
                $nextId = $_.FullyQualifiedErrorId
            }
            # the module must be usable again
            $again = $null; $againError = $null
            try {
                $s2 = New-GradioSession $Url -Name 'victim' -Force
                $again = @(($s2 | Invoke-GradioSessionApi echo @('again') | Update-GradioSessionApiResult | Select-Object -Last 1).data)[0]
            } catch { $againError = $_.Exception.Message }
            [pscustomobject]@{
                Before = $before; Killed = @($workers | ForEach-Object { $_.Id }); StillAlive = $stillAlive.Count
                Next = $next; NextError = $nextError; NextId = $nextId
                NextWarnings = @(@($wv) | ForEach-Object { "$_" })
                Again = $again; AgainError = $againError
                WorkersAfter = @(Get-PshaiWorkerProcess).Count
            }
        }
        $r.Before | Should -Be 'echo: before'
        @($r.Killed).Count | Should -Be 1
        $r.StillAlive | Should -Be 0
        # the session lived in the dead worker: the next call names it missing, and the warning
        # written with it says why
        $r.Next | Should -BeNullOrEmpty
        $r.NextId | Should -Be 'POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND,Invoke-GradioSessionApi'
        $r.NextError | Should -Be 'POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND: Session not found: victim'
        @($r.NextWarnings).Count | Should -Be 1
        $expected = '^PowershaiPy: the Python worker \(pid ' + @($r.Killed)[0] + '\) had exited with code -?\d+; ' +
            'started a new one\. Sessions, events and proxy functions of the old worker are lost\.$'
        @($r.NextWarnings)[0] | Should -Match $expected
        $r.AgainError | Should -BeNullOrEmpty
        $r.Again | Should -Be 'echo: again'
        $r.WorkersAfter | Should -Be 1
    }

    It 'serves two PowerShell processes using the same app at once' {
        $body = {
            param($Url, $Tag)
            $s = New-GradioSession $Url -Name "proc-$Tag"
            $values = foreach ($i in 1..5) {
                $ev = $s | Invoke-GradioSessionApi echo @("$Tag-$i")
                @(($ev | Update-GradioSessionApiResult | Select-Object -Last 1).data)[0]
            }
            $op2 = Invoke-GradioSessionApi Op2 @{ MaxNums = 3; sleep = 100 } -session $s
            $streamed = @($op2 | Update-GradioSessionApiResult | Where-Object { $_.event -eq 'generating' } | ForEach-Object { @($_.data)[0] })
            [pscustomobject]@{ Tag = $Tag; Values = @($values); Streamed = $streamed; Pid = $PID }
        }
        $jobs = @(
            (Start-PshaiJob -Script $body -ArgumentList $Url, 'A'),
            (Start-PshaiJob -Script $body -ArgumentList $Url, 'B')
        )
        try {
            $finished = Wait-Job -Job $jobs -Timeout 120
            @($finished).Count | Should -Be 2
            $results = @($jobs | Receive-Job -ErrorAction Stop | Sort-Object Tag)
        } finally {
            $jobs | Stop-Job -ErrorAction SilentlyContinue
            $jobs | Remove-Job -Force -ErrorAction SilentlyContinue
        }
        $results.Count | Should -Be 2
        $results[0].Pid | Should -Not -Be $results[1].Pid
        foreach ($r in $results) {
            $r.Values | Should -Be @(1..5 | ForEach-Object { "echo: $($r.Tag)-$_" })
            $r.Streamed | Should -Be @('--start--', '1', '2', '3', '--end--')
        }
    }

    It 'leaves no worker process after Remove-Module (child PowerShell)' {
        $r = Invoke-PshaiJob -TimeoutSec 60 -ArgumentList $Url -Script {
            param($Url)
            $null = New-GradioSession $Url -Name 'bye'
            $ids = @(Get-PshaiWorkerProcess | ForEach-Object { $_.Id })
            Remove-Module PowershaiPy
            $alive = @(Wait-PshaiProcessExit -Ids $ids -TimeoutSec 30)
            [pscustomobject]@{ Before = $ids.Count; Alive = $alive.Count; Children = @(Get-PshaiWorkerProcess).Count }
        }
        $r.Before | Should -Be 1
        $r.Alive | Should -Be 0
        $r.Children | Should -Be 0
    }

    It 'ends the worker of a runspace when that runspace closes ([powershell]::Create(), ForEach-Object -Parallel)' {
        $r = Invoke-PshaiJob -TimeoutSec 90 -ArgumentList $Url, (Get-PshaiModuleManifest) -Script {
            param($Url, $Manifest)
            $started = @()
            foreach ($i in 1..3) { $started += @(Invoke-PshaiInOwnRunspace -Manifest $Manifest -Url $Url -Name "rs$i") }
            if ($PSVersionTable.PSVersion.Major -ge 7) {
                $started += @(1..2 | ForEach-Object -ThrottleLimit 2 -Parallel {
                        Import-Module $using:Manifest
                        $s = New-GradioSession $using:Url -Name "par$_"
                        (Invoke-GradioSessionApi echo @("par$_") -Session $s | Update-GradioSessionApiResult | Select-Object -Last 1).data
                    } | Sort-Object)
            }
            # This PowerShell's own runspace started none; every worker belonged to a closed one.
            $gone = $true
            try { Wait-PshaiUntil -TimeoutSec 30 -What 'the closed runspaces'' workers ended' -Condition { @(Get-PshaiWorkerProcess).Count -eq 0 } }
            catch { $gone = $false }
            [pscustomobject]@{ Started = $started; Gone = $gone; Left = @(Get-PshaiWorkerProcess).Count }
        }
        $expected = @('echo: rs1', 'echo: rs2', 'echo: rs3')
        if ($PSVersionTable.PSVersion.Major -ge 7) { $expected += @('echo: par1', 'echo: par2') }
        $r.Started | Should -Be $expected
        $r.Left | Should -Be 0
        $r.Gone | Should -BeTrue
    }

    It 'removes the worker log a PowerShell left behind when it ended without Remove-Module' {
        # pwsh -File may end without the module's cleanup, leaving its worker's log in temp. The
        # log of a PowerShell that no longer runs (a finished child's PID) must go when the next
        # worker starts; the logs of PowerShells still running stay.
        $pwsh = (Get-Process -Id $PID).Path
        $deadPid = (Start-Process -FilePath $pwsh -ArgumentList '-NoProfile', '-Command', 'exit' -PassThru -Wait).Id
        $temp = [System.IO.Path]::GetTempPath()
        $stale = Join-Path $temp "powershai-py-worker-$deadPid-1.log"
        $sleeper = Start-Process -FilePath $pwsh -ArgumentList '-NoProfile', '-Command', 'Start-Sleep 120' -PassThru
        $kept = Join-Path $temp "powershai-py-worker-$($sleeper.Id)-1.log"
        try {
            Set-Content -LiteralPath $stale -Value 'left behind'
            Set-Content -LiteralPath $kept -Value 'still in use'
            Remove-Module PowershaiPy
            $null = Import-PshaiTestModule
            $null = Get-GradioSession
            Test-Path -LiteralPath $stale | Should -BeFalse
            Test-Path -LiteralPath $kept | Should -BeTrue
        } finally {
            Stop-Process -Id $sleeper.Id -Force -ErrorAction SilentlyContinue
            Remove-Item -LiteralPath $stale, $kept -Force -ErrorAction SilentlyContinue
        }
    }

    It 'leaves no worker process after Remove-Module (this PowerShell)' {
        $null = New-GradioSession $Url -Name 'bye' -Force
        $ids = @(Get-PshaiWorkerProcess | ForEach-Object { $_.Id })
        $ids.Count | Should -Be 1
        Remove-Module PowershaiPy
        $alive = @(Wait-PshaiProcessExit -Ids $ids -TimeoutSec 30)
        $alive.Count | Should -Be 0
        @(Get-PshaiWorkerProcess).Count | Should -Be 0
    }
}
