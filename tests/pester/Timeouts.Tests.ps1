# -CallTimeoutSec through the module: a stream of heartbeats only (tests/fakes/fault_proxy.py in
# front of a real Gradio 6 app) ends in POWERSHAI_PY_CALL_TIMEOUT within its bound, and the same
# session then makes a real call. Valid for Windows PowerShell 5.1 and PowerShell 7 (Pester 5).

BeforeAll {
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $G6 = Start-PshaiGradioApp -Version 6
    $Proxy = Start-PshaiHelperServer -Module 'tests.fakes.fault_proxy' -Upstream $G6.Url
    $ProxyUrl = $Proxy.Url
    $null = Import-PshaiTestModule
    Clear-PshaiSessions
}

AfterAll {
    if (Get-Module PowershaiPy) { Clear-PshaiSessions }
    Remove-PshaiTestModule
    Stop-PshaiHelperServer $Proxy
    Stop-PshaiGradioApp $G6
}

Describe '-CallTimeoutSec' {
    It 'ends a heartbeat-only call with POWERSHAI_PY_CALL_TIMEOUT, and the session still works' {
        $session = New-GradioSession $ProxyUrl -Name limits -CallTimeoutSec 1.5
        $session.options.CallTimeoutSec | Should -Be 1.5
        Set-GradioSession limits -Protocol call
        $fault = @{ method = 'GET'; route = '/call/echo/'; kind = 'heartbeats'; seconds = 4 }
        $null = Invoke-RestMethod -Method Post -Uri "$ProxyUrl/__faults__" -ContentType 'application/json' -Body ($fault | ConvertTo-Json)
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $results = @(Invoke-GradioSessionApi echo 'x' -Session limits | Update-GradioSessionApiResult -History)
        $watch.Stop()
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 4
        $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 1.3
        $last = $results[-1]
        $last.event | Should -Be 'error'
        ($last.data | ConvertTo-Json -Compress) | Should -Match 'POWERSHAI_PY_CALL_TIMEOUT'

        Set-GradioSession limits -CallTimeoutSec 0
        $session.options.CallTimeoutSec | Should -Be 0
        $ok = @(Invoke-GradioSessionApi echo 'after' -Session limits | Update-GradioSessionApiResult)
        $ok[-1].data | Should -Be 'echo: after'
    }

    It 'refuses a negative limit with POWERSHAI_PY_INVALID_ARGUMENT' {
        $null = New-GradioSession $G6.Url -Name direct -Force
        { Set-GradioSession direct -ReadTimeoutSec -1 } | Should -Throw -ErrorId 'POWERSHAI_PY_INVALID_ARGUMENT*'
    }
}
