Set-StrictMode -Version Latest

# Hugging Face Space cmdlets end to end in PowerShell: Get-HuggingFaceSpace's parameter sets and
# sessions, Connect-HuggingFaceSpaceGradio (object, -Force, -ServerRoot, -TimeoutSec), Start- and
# Wait-HuggingFaceSpace, Get-HuggingFaceWhoami, Set-HuggingFaceToken, Convert-GradioParamPowershell.
# Pester 5; valid on Windows PowerShell 5.1 and PowerShell 7. A real Gradio 6 test app; the Hub is
# tests/hub_standin.py, a local stand-in (no internet in tests), whose own record of the requests it
# received (GET /api/_standin/requests) shows where a token went.

BeforeAll {
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:G6 = Start-PshaiGradioApp -Version '6'

    # The stand-in starts before the module, so the worker inherits POWERSHAI_HF_HUB_URL.
    $script:Hub = Start-PshaiHubStandin -Upstream $G6.Url
    $script:HubUrl = $Hub.Url
    $script:Token = 'hf_standin'   # the stand-in's private Space and user 'powershai'
    $script:Module = Import-PshaiTestModule

    function Get-HubRequests {
        <# What the stand-in received so far: method, path, query, authorization. #>
        # Invoke-RestMethod writes a JSON array as one object: enumerate it.
        $all = Invoke-RestMethod -Uri "$HubUrl/api/_standin/requests"
        @($all | ForEach-Object { $_ })
    }

    function Get-WorkerTexts {
        <# The command line of every worker of this process, and the text of their logs. #>
        foreach ($w in @(Get-PshaiWorkerProcess)) {
            $w.CommandLine
            $log = Join-Path ([IO.Path]::GetTempPath()) ('powershai-py-worker-{0}-{1}.log' -f $PID, $w.Id)
            if (Test-Path -LiteralPath $log) { [IO.File]::ReadAllText($log) }
        }
    }
}

AfterAll {
    try { Clear-PshaiSessions } catch { }
    Remove-PshaiTestModule
    Stop-PshaiHubStandin $Hub
    Stop-PshaiGradioApp $G6
}

Describe 'Get-HuggingFaceSpace' {
    AfterEach { Clear-PshaiSessions }

    It 'has PowerShai''s two parameter sets, with no default' {
        $sets = @((Get-Command Get-HuggingFaceSpace).ParameterSets | ForEach-Object { $_.Name } | Sort-Object)
        $sets | Should -Be @('Multiple', 'Single')
        $e = Get-PshaiError { Get-HuggingFaceSpace }
        $e.FullyQualifiedErrorId | Should -BeLike 'AmbiguousParameterSet*'
        $e = Get-PshaiError { Get-HuggingFaceSpace -Space 'powershai/tests-gradio' -My }
        $e.FullyQualifiedErrorId | Should -BeLike 'AmbiguousParameterSet*'
        (Get-Alias Get-HfSpace).Definition | Should -Be 'Get-HuggingFaceSpace'
    }

    It 'connects a Gradio Space and names its session in control.GradioSession' {
        $sp = Get-HuggingFaceSpace 'powershai/tests-gradio'
        $sp.PSObject.TypeNames | Should -Contain 'PowershaiType:HuggingFaceSpace'
        $sp.control.GradioSession | Should -Be 'Space:powershai/tests-gradio'
        $sp.control | Should -BeOfType [System.Collections.IDictionary]
        (Get-GradioSession 'Space:powershai/tests-gradio').AppUrl | Should -Be ($G6.Url + '/gradio_api')
    }

    It '-NoGradioSession opens none; -GradioServerRoot picks the root' {
        $sp = 'powershai/tests-gradio' | Get-HuggingFaceSpace -NoGradioSession
        $null -eq $sp.control.GradioSession | Should -BeTrue
        @(Get-GradioSession -Session 'Space:*' -Like).Count | Should -Be 0
        $sp = Get-HuggingFaceSpace 'powershai/tests-gradio' -GradioServerRoot ($G6.Url + '/gradio_api')
        $sp.control.GradioSession | Should -Be 'Space:powershai/tests-gradio'
    }

    It 'warns, and still returns the Space, when its app does not answer' {
        $sp = Get-HuggingFaceSpace 'powershai/tests-static' -WarningVariable warned -WarningAction SilentlyContinue
        $sp.sdk | Should -Be 'static'
        @($warned).Count | Should -Be 0 -Because 'a static Space gets no Gradio session'
    }

    It '-Token reaches the Hub as the Authorization header only' {
        $verbose = @(Get-HuggingFaceSpace 'powershai/private-tests-gradio' -Token $Token -NoGradioSession -Verbose 4>&1)
        $sp = @($verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })[0]
        $sp.private | Should -BeTrue
        $seen = @(Get-HubRequests | Where-Object { $_.path -eq '/api/spaces/powershai/private-tests-gradio' })
        $seen[-1].authorization | Should -Be "Bearer $Token"
        $seen[-1].query | Should -Be 'full=true'
        foreach ($t in @(Get-WorkerTexts) + @($verbose | ForEach-Object { "$_" })) { $t | Should -Not -Match $Token }
        $e = Get-PshaiError { Get-HuggingFaceSpace 'powershai/private-tests-gradio' -NoGradioSession }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_SPACE_NOTFOUND'
    }

    It '-author lists an author''s Spaces; -My the token owner''s' {
        $ids = @(Get-HuggingFaceSpace -author 'powershai' | ForEach-Object { $_.id })
        $ids | Should -Contain 'powershai/tests-gradio'
        $ids | Should -Not -Contain 'powershai/private-tests-gradio'
        @(Get-HuggingFaceSpace -My -Token $Token | ForEach-Object { $_.id }) | Should -Contain 'powershai/private-tests-gradio'
        Assert-PshaiErrorId (Get-PshaiError { Get-HuggingFaceSpace -My }) 'INVALID_TOKEN'
    }
}

Describe 'Connect-HuggingFaceSpaceGradio' {
    AfterEach { Clear-PshaiSessions }

    It 'given a Space object, connects to its host without asking the Hub' {
        $sp = Get-HuggingFaceSpace 'powershai/tests-gradio' -NoGradioSession
        $before = @(Get-HubRequests).Count
        $s = $sp | Connect-HfSpaceGradio
        $s.name | Should -Be 'Space:powershai/tests-gradio'
        # the only request since is the one reading the record
        @(Get-HubRequests).Count | Should -Be ($before + 1)
    }

    It '-Force recreates the session; without it the same one comes back' {
        $first = Connect-HuggingFaceSpaceGradio 'powershai/tests-gradio'
        (Connect-HuggingFaceSpaceGradio 'powershai/tests-gradio').SessionId | Should -Be $first.SessionId
        (Connect-HuggingFaceSpaceGradio 'powershai/tests-gradio' -Force).SessionId | Should -Not -Be $first.SessionId
    }

    It '-ServerRoot as a URL replaces the host' {
        $s = Connect-HuggingFaceSpaceGradio 'powershai/tests-gradio' -ServerRoot ($G6.Url + '/gradio_api') -Force
        $s.AppUrl | Should -Be ($G6.Url + '/gradio_api')
    }

    It '-TimeoutSec bounds the wait: POWERSHAI_HUGGINGFACE_SPACE_TIMEOUT' {
        $e = Get-PshaiError { Connect-HuggingFaceSpaceGradio 'powershai/tests-building' -TimeoutSec 1 }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_SPACE_TIMEOUT'
    }
}

Describe 'Start-HuggingFaceSpace and Wait-HuggingFaceSpace' {
    It 'Start touches the Space''s host with a HEAD request' {
        Start-HuggingFaceSpace 'powershai/tests-static' -WarningVariable warned
        @($warned).Count | Should -Be 0
        @(Get-HubRequests | Where-Object { $_.method -eq 'HEAD' -and $_.path -eq '/hosts/tests-static' }).Count | Should -Be 1
    }

    It 'Wait returns $true once the Space runs, warning each new stage' {
        $r = Wait-HfSpace 'powershai/tests-waiter' -SleepTime 0 -WarningVariable warned -WarningAction SilentlyContinue
        $r | Should -BeTrue
        $r | Should -BeOfType [bool]
        @($warned | ForEach-Object { "$_" }) | Should -Be @('Stage changed to SLEEPING', 'Stage changed to BUILDING', 'Stage changed to RUNNING')
        @(Get-HubRequests | Where-Object { $_.method -eq 'HEAD' -and $_.path -eq '/hosts/tests-waiter' }).Count | Should -Be 1
    }

    It 'Wait returns $false when -timeout passes; -NoStart does not touch the Space' {
        $r = Wait-HuggingFaceSpace 'powershai/tests-building' -timeout 0 -SleepTime 0 -NoStart -NoStatus -WarningVariable warned
        $r | Should -BeFalse
        @($warned).Count | Should -Be 0
        @(Get-HubRequests | Where-Object { $_.path -eq '/hosts/tests-building' }).Count | Should -Be 0
    }
}

Describe 'Convert-GradioParamPowershell' {
    It 'gives PowerShai''s types, as [type] objects' {
        $number = [pscustomobject]@{ type = [pscustomobject]@{ type = 'number' }; python_type = [pscustomobject]@{ type = 'float' } }
        Convert-GradioParamPowershell $number | Should -Be ([decimal])
        $file = [pscustomobject]@{ type = [pscustomobject]@{ title = 'FileData'; type = 'object' } }
        Convert-GradioParamPowershell -Param $file | Should -Be ([IO.FileInfo])
        $list = [pscustomobject]@{ type = [pscustomobject]@{ title = 'ListFiles'; type = 'array' } }
        Convert-GradioParamPowershell $list | Should -Be ([IO.FileInfo[]])
        $info = Get-GradioInfo $G6.Url
        foreach ($p in @($info.named_endpoints.'/Op1'.parameters)) {
            Convert-GradioParamPowershell $p | Should -BeOfType [type]
        }
    }
}

Describe 'Get-HuggingFaceWhoami and Set-HuggingFaceToken' {
    It 'Whoami tells the token''s owner; a bad token is INVALID_TOKEN, not echoed' {
        (Get-HfMe $Token).name | Should -Be 'powershai'
        (Get-HfWhoami -token $Token).type | Should -Be 'user'
        $bad = 'hf_not_a_real_token_probe'
        $e = Get-PshaiError { Get-HuggingFaceWhoami $bad }
        Assert-PshaiErrorId $e 'INVALID_TOKEN'
        "$($e.Exception.Message)" | Should -Not -Match $bad
        foreach ($t in @(Get-WorkerTexts)) { $t | Should -Not -Match $bad }
    }

    It 'Set-HuggingFaceToken checks, then every later call uses the token' {
        $bad = ConvertTo-SecureString 'hf_wrong' -AsPlainText -Force
        Assert-PshaiErrorId (Get-PshaiError { Set-HuggingFaceToken -Token $bad }) 'INVALID_TOKEN'
        Assert-PshaiErrorId (Get-PshaiError { Get-HuggingFaceWhoami }) 'INVALID_TOKEN'
        (Get-Command Set-HuggingFaceToken).Parameters['Token'].Attributes |
            Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] } |
            ForEach-Object { $_.Mandatory | Should -BeTrue }
        Set-HfToken -Token (ConvertTo-SecureString $Token -AsPlainText -Force)
        (Get-HuggingFaceWhoami).name | Should -Be 'powershai'
        (Get-HuggingFaceSpace 'powershai/private-tests-gradio' -NoGradioSession).private | Should -BeTrue
        foreach ($t in @(Get-WorkerTexts)) { $t | Should -Not -Match $Token }
    }
}
