Set-StrictMode -Version Latest

# Faults through the module, end to end (issue 11): tests/fakes/fault_proxy.py (a real socket
# server) in front of a real Gradio 6 app. After each fault the same session makes a real call,
# so a fault never costs the session, the worker or the other calls. The Python side of each case
# is tests/test_reliability.py; docs/RELIABILITY.md lists both.
# Valid for Windows PowerShell 5.1 and PowerShell 7 (Pester 5).

BeforeAll {
    # Pester runs the blocks in scopes below this one, not below the file's top line
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:G6 = Start-PshaiGradioApp -Version 6

    $script:Proxy = Start-PshaiHelperServer -Module 'tests.fakes.fault_proxy' -Upstream $G6.Url
    $script:ProxyUrl = $Proxy.Url

    $null = Import-PshaiTestModule
    Clear-PshaiSessions
    $script:S = New-GradioSession $ProxyUrl -Name 'faults'

    function Add-Fault {
        # The next request(s) matching -Method and the -Route regex get the fault.
        param([string]$Method, [string]$Route, [string]$Kind, [hashtable]$More = @{})
        $spec = @{ method = $Method; route = $Route; kind = $Kind }
        foreach ($k in $More.Keys) { $spec[$k] = $More[$k] }
        $null = Invoke-RestMethod -Method Post -Uri "$ProxyUrl/__faults__" -Body ($spec | ConvertTo-Json) -ContentType 'application/json'
    }

    function Clear-Fault { $null = Invoke-RestMethod -Method Delete -Uri "$ProxyUrl/__faults__" }

    function Get-ProxyRequest {
        $all = Invoke-RestMethod -Method Get -Uri "$ProxyUrl/__faults__/requests"
        @($all)
    }

    function Get-EchoValue {
        # A real call on the same session: the proof that the fault cost nothing.
        param([string]$Text, [string]$Session = 'faults')
        $r = @(Invoke-GradioSessionApi echo @($Text) -session $Session | Update-GradioSessionApiResult)
        @($r[-1].data)[0]
    }
}

AfterAll {
    if (Get-Module PowershaiPy) { Clear-PshaiSessions }
    Remove-PshaiTestModule
    Stop-PshaiHelperServer $Proxy
    Stop-PshaiGradioApp $G6
}

Describe 'Answers that are not Gradio' {
    AfterEach { Clear-Fault }

    It 'a 200 HTML page on POST /queue/join (a sleeping Space) is POWERSHAI_HUGGINGFACE_GRADIO_NOTGRADIO' {
        Add-Fault POST '/queue/join$' html
        $e = Get-PshaiError { Invoke-GradioSessionApi echo @('x') -session faults }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_GRADIO_NOTGRADIO'
        "$($e.Exception.Message)" | Should -Match 'sleeping'
        Get-EchoValue 'after html' | Should -Be 'echo: after html'
    }

    It 'a 200 HTML page on POST /upload is POWERSHAI_HUGGINGFACE_GRADIO_NOTGRADIO and records no upload' {
        $file = Join-Path $TestDrive 'up.txt'
        Set-Content -LiteralPath $file -Value 'x'
        Add-Fault POST '/upload' html
        Assert-PshaiErrorId (Get-PshaiError { Send-GradioSessionFiles $file -Session faults }) 'POWERSHAI_HUGGINGFACE_GRADIO_NOTGRADIO'
        @($S.uploads.Keys).Count | Should -Be 0
        @(Send-GradioSessionFiles $file -Session faults).Count | Should -Be 1
    }
}

Describe 'Status codes and broken connections' {
    AfterEach { Clear-Fault }

    It 'a 503 on POST /queue/join is POWERSHAI_HUGGINGFACE_GRADIO_HTTP with the status in the message' {
        Add-Fault POST '/queue/join$' status @{ status = 503; body = 'busy' }
        $e = Get-PshaiError { Invoke-GradioSessionApi echo @('x') -session faults }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_GRADIO_HTTP'
        "$($e.Exception.Message)" | Should -Match '503'
        Get-EchoValue 'after 503' | Should -Be 'echo: after 503'
    }

    It 'a reset instead of an answer is POWERSHAI_HUGGINGFACE_GRADIO_UNREACHABLE' {
        Add-Fault POST '/queue/join$' reset
        Assert-PshaiErrorId (Get-PshaiError { Invoke-GradioSessionApi echo @('x') -session faults }) 'POWERSHAI_HUGGINGFACE_GRADIO_UNREACHABLE'
        Get-EchoValue 'after reset' | Should -Be 'echo: after reset'
    }

    It 'a stream cut partway keeps what came and ends in an error result with POWERSHAI_HUGGINGFACE_GRADIO_STREAMCUT' {
        # A session of its own: its result stream (GET /queue/data) opens with this call.
        $null = New-GradioSession $ProxyUrl -Name 'faults-cut' -Force
        Add-Fault GET '/queue/data' cut @{ after_events = 2 }
        $call = Invoke-GradioSessionApi Op2 @(3, 10) -session faults-cut
        $r = @($call | Update-GradioSessionApiResult)
        $r[-1].event | Should -Be 'error'
        "$($call.ApiEvent.error)" | Should -Match '^POWERSHAI_HUGGINGFACE_GRADIO_STREAMCUT'
        $call.ApiEvent.LastQueryStatus | Should -Be 'StreamCut'
        Get-EchoValue 'after cut' faults-cut | Should -Be 'echo: after cut'
    }

    It 'a data line that is not JSON ends in an error result with POWERSHAI_HUGGINGFACE_GRADIO_STREAMINVALID, never raw text' {
        $null = New-GradioSession $ProxyUrl -Name 'faults-garbage' -Force
        Add-Fault GET '/queue/data' garbage @{ after_events = 1 }
        $call = Invoke-GradioSessionApi echo @('g') -session faults-garbage
        $r = @($call | Update-GradioSessionApiResult)
        $r[-1].event | Should -Be 'error'
        "$($call.ApiEvent.error)" | Should -Match '^POWERSHAI_HUGGINGFACE_GRADIO_STREAMINVALID'
        @($r | Where-Object { $_.event -eq 'complete' }).Count | Should -Be 0
        Get-EchoValue 'after garbage' faults-garbage | Should -Be 'echo: after garbage'
    }
}

Describe 'Bad input' {
    It 'a hashtable that holds itself in -Params is POWERSHAI_PY_INVALID_ARGUMENT, and nothing is sent' {
        $loop = @{}
        $loop.self = $loop
        Clear-Fault
        $e = Get-PshaiError { Invoke-GradioSessionApi echo $loop -session faults }
        Assert-PshaiErrorId $e 'POWERSHAI_PY_INVALID_ARGUMENT'
        "$($e.Exception.Message)" | Should -Match "parameter 'Params' is nested more than 100 levels"
        @(Get-ProxyRequest | Where-Object { $_.method -eq 'POST' }).Count | Should -Be 0
        Get-EchoValue 'after loop' | Should -Be 'echo: after loop'
    }
}

Describe 'Credentials stay with their host' {
    AfterEach { Clear-Fault }

    It 'Invoke-GradioHttp -token does not carry the token through a redirect to another host' {
        # localhost and 127.0.0.1 are two origins; the proxy answers both and records what arrived.
        $other = $ProxyUrl.Replace('127.0.0.1', 'localhost') + '/gradio_api/info'
        Clear-Fault
        Add-Fault GET '/redirect-me$' redirect @{ status = 302; location = $other }
        $null = Invoke-GradioHttp "$ProxyUrl/redirect-me" -token 'hf_never_elsewhere' -MaxRedirects 3
        $seen = @(Get-ProxyRequest)
        $first = @($seen | Where-Object { $_.path -like '*/redirect-me' })
        $landed = @($seen | Where-Object { $_.path -like '*/gradio_api/info' })
        $first.Count | Should -Be 1
        $landed.Count | Should -Be 1
        $names = @($landed[0].headers.PSObject.Properties | ForEach-Object { $_.Name.ToLowerInvariant() })
        $names | Should -Not -Contain 'authorization'
        $names | Should -Not -Contain 'x-hf-authorization'
        $firstNames = @($first[0].headers.PSObject.Properties | ForEach-Object { $_.Name.ToLowerInvariant() })
        $firstNames | Should -Contain 'x-hf-authorization'
    }
}
