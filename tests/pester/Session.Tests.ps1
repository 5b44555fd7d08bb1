Set-StrictMode -Version Latest

# Sessions, calls, files and completion, written the way PowerShai users write them.
# Real pwsh, real Python worker, one real Gradio 6 server for the whole file.
# Valid for Windows PowerShell 5.1 and PowerShell 7 (Pester 5).

BeforeAll {
    # Pester runs the blocks in scopes below this one, not below the file's top line
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $G6 = Start-PshaiGradioApp -Version 6
    $Url = $G6.Url
    $null = Import-PshaiTestModule
    Clear-PshaiSessions
}

AfterAll {
    if (Get-Module PowershaiPy) { Clear-PshaiSessions }
    Remove-PshaiTestModule
    Stop-PshaiGradioApp $G6
}

Describe 'New-GradioSession' {
    BeforeEach { Clear-PshaiSessions }

    It 'takes the app URL by position and names the session after the real AppUrl' {
        $s = New-GradioSession $Url
        $s.PSTypeNames | Should -Contain 'PowershaiType:GradioSession'
        $s.AppUrl | Should -BeLike "$Url*"
        $s.name | Should -Be $s.AppUrl
        $s.ToString() | Should -Be $s.name
        "$s" | Should -Be $s.name
        [guid]::Parse($s.SessionId) | Should -Not -BeNullOrEmpty
        $s.version | Should -Be 1
    }

    It 'uses -Name, and ToString() gives the name' {
        $s = New-GradioSession $Url -Name 'alpha'
        $s.name | Should -Be 'alpha'
        $s.ToString() | Should -Be 'alpha'
        (Get-GradioSession alpha).SessionId | Should -Be $s.SessionId
    }

    It 'refuses a second session with the same name (POWERSHAI_HUGGINGFACE_GRADIOSESSION)' {
        $null = New-GradioSession $Url -Name 'dup'
        $e = Get-PshaiError { New-GradioSession $Url -Name 'dup' }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_GRADIOSESSION'
        @(Get-GradioSession dup).Count | Should -Be 1
    }

    It 'replaces a session of the same name with -Force' {
        $first = New-GradioSession $Url -Name 'dup'
        $second = New-GradioSession $Url -Name 'dup' -Force
        $second.SessionId | Should -Not -Be $first.SessionId
        $all = @(Get-GradioSession dup)
        $all.Count | Should -Be 1
        $all[0].SessionId | Should -Be $second.SessionId
    }

    It 'exposes the /info answer, options and live ApiCalls' {
        $s = New-GradioSession $Url -Name 'shape'
        $names = @($s.info.named_endpoints | Get-Member -MemberType NoteProperty | ForEach-Object { $_.Name })
        foreach ($n in '/echo', '/partials', '/fail_gradio', '/file_echo', '/counter', '/slow', '/Op1', '/Op2') {
            $names | Should -Contain $n
        }
        $echo = $s.info.named_endpoints.'/echo'
        $echo.parameters[0].parameter_name | Should -Be 'text'
        @($echo.returns).Count | Should -Be 1
        $s.options.MaxCalls | Should -Be 100
        $s.options.MaxCallsPolicy | Should -Be 'warning'
        @($s.ApiCalls.AllEvents).Count | Should -Be 0

        $ev = Invoke-GradioSessionApi echo @('live') -session $s
        $all = @($s.ApiCalls.AllEvents)
        $all.Count | Should -Be 1
        $all[0].id | Should -Be $ev.id
        $s.ApiCalls.ById.($ev.id).id | Should -Be $ev.id
    }

    It 'fails when the app does not answer' {
        $port = Get-Random -Minimum 20000 -Maximum 30000
        $e = Get-PshaiError { New-GradioSession "http://127.0.0.1:$port" -Name 'nothere' }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_GRADIO_UNREACHABLE'
        $e.FullyQualifiedErrorId | Should -Be 'POWERSHAI_HUGGINGFACE_GRADIO_UNREACHABLE,New-GradioSession'
        "$($e.Exception.Message)" | Should -BeLike "*GET http://127.0.0.1:$port/config: cannot connect*"
        Assert-PshaiErrorId (Get-PshaiError { Get-GradioSession nothere }) 'POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND'
    }
}

Describe 'Get-GradioSession' {
    BeforeAll {
        Clear-PshaiSessions
        $A = New-GradioSession $Url -Name 'alpha'
        $B = New-GradioSession $Url -Name 'beta'
    }
    AfterAll { Clear-PshaiSessions }

    It 'lists all sessions with no argument and with *' {
        @(Get-GradioSession | ForEach-Object { $_.name } | Sort-Object) | Should -Be @('alpha', 'beta')
        @(Get-GradioSession * | ForEach-Object { $_.name } | Sort-Object) | Should -Be @('alpha', 'beta')
    }

    It 'finds one by name, by pipeline, and returns a session object as is' {
        (Get-GradioSession beta).SessionId | Should -Be $B.SessionId
        (Get-GradioSession -Name beta).SessionId | Should -Be $B.SessionId
        ('alpha' | Get-GradioSession).SessionId | Should -Be $A.SessionId
        (Get-GradioSession $A).SessionId | Should -Be $A.SessionId
    }

    It 'matches name or URL with -Like' {
        @(Get-GradioSession 'al*' -Like).name | Should -Be @('alpha')
        @(Get-GradioSession '*127.0.0.1*' -Like).Count | Should -Be 2
    }

    It 'finds by SessionId with -ById' {
        (Get-GradioSession $B.SessionId -ById).name | Should -Be 'beta'
    }

    It 'fails with POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND for an unknown name' {
        Assert-PshaiErrorId (Get-PshaiError { Get-GradioSession 'nope' }) 'POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND'
    }

    It 'has no default session "." among two until one is set with -Default' {
        Assert-PshaiErrorId (Get-PshaiError { Get-GradioSession . }) 'POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_DEFAULT'
        Set-GradioSession beta -Default
        (Get-GradioSession .).name | Should -Be 'beta'
        # the default is what cmdlets use when -session is not given
        $ev = Invoke-GradioSessionApi echo @('to default')
        @($B.ApiCalls.AllEvents | ForEach-Object { $_.id }) | Should -Contain $ev.id
        $null = $ev | Update-GradioSessionApiResult
    }

    It 'uses the only session as "."' {
        Clear-PshaiSessions
        $only = New-GradioSession $Url -Name 'only'
        (Get-GradioSession .).SessionId | Should -Be $only.SessionId
    }
}

Describe 'Set-GradioSession' {
    BeforeAll {
        Clear-PshaiSessions
        $S = New-GradioSession $Url -Name 'opts'
    }
    AfterAll { Clear-PshaiSessions }

    It 'sets MaxCalls and MaxCallsPolicy (named and positional); the held session shows them' {
        Set-GradioSession opts -MaxCalls 5 -MaxCallsPolicy remove
        $S.options.MaxCalls | Should -Be 5
        $S.options.MaxCallsPolicy | Should -Be 'remove'
        Set-GradioSession opts 7 error
        $S.options.MaxCalls | Should -Be 7
        $S.options.MaxCallsPolicy | Should -Be 'error'
        $S | Set-GradioSession -MaxCallsPolicy warning
        (Get-GradioSession opts).options.MaxCallsPolicy | Should -Be 'warning'
    }

    It 'accepts only error, warning and remove as MaxCallsPolicy' {
        $attr = (Get-Command Set-GradioSession).Parameters['MaxCallsPolicy'].Attributes |
            Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
        @($attr.ValidValues | Sort-Object) | Should -Be @('error', 'remove', 'warning')
        $e = Get-PshaiError { Set-GradioSession opts -MaxCallsPolicy bogus }
        $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        $S.options.MaxCallsPolicy | Should -Be 'warning'
    }

    It 'refuses a negative -MaxCalls with POWERSHAI_PY_INVALID_ARGUMENT and keeps the options' {
        Set-GradioSession opts -MaxCalls 9
        Assert-PshaiErrorId (Get-PshaiError { Set-GradioSession opts -MaxCalls -1 }) 'POWERSHAI_PY_INVALID_ARGUMENT'
        $S.options.MaxCalls | Should -Be 9
    }
}

Describe 'Session options as a live hashtable (PowerShai scripts assign them)' {
    BeforeEach {
        Clear-PshaiSessions
        $S = New-GradioSession $Url -Name 'live-opts'
    }
    AfterAll { Clear-PshaiSessions }

    It 'takes $s.options.MaxCalls = 1 at the next call' {
        $S.options.MaxCalls = 1
        $S.options.MaxCallsPolicy = 'error'
        (Get-GradioSession live-opts).options.MaxCalls | Should -Be 1
        $null = Invoke-GradioSessionApi echo @('a') -Session $S
        Assert-PshaiErrorId (Get-PshaiError { Invoke-GradioSessionApi echo @('b') -Session $S }) 'POWERSHAI_HUGINGFACE_GRADIOAPI_MAXCALLS'
        @(Get-GradioSessionApi -Session $S).Count | Should -Be 1
    }

    It 'takes a whole new table: $s.options = @{MaxCalls=1; MaxCallsPolicy=''error''}' {
        $S.options = @{ MaxCalls = 1; MaxCallsPolicy = 'error' }
        $S.options.MaxCalls | Should -Be 1
        $S.options.MaxCallsPolicy | Should -Be 'error'
        $null = Invoke-GradioSessionApi echo @('a') -Session $S
        Assert-PshaiErrorId (Get-PshaiError { Invoke-GradioSessionApi echo @('b') -Session $S }) 'POWERSHAI_HUGINGFACE_GRADIOAPI_MAXCALLS'
    }

    It "reads a table without MaxCalls or MaxCallsPolicy as PowerShai does: 10 calls, then an error" {
        $S.options = @{}
        $S.options.MaxCalls | Should -Be 10
        $S.options.MaxCallsPolicy | Should -Be 'error'
        $S.options.Protocol | Should -Be 'auto'
    }

    It 'checks each value where it is set and keeps the options when one is wrong' {
        $S.options.MaxCalls = 4
        $e = Get-PshaiError { $S.options.MaxCalls = -1 }
        Assert-PshaiErrorId $e 'POWERSHAI_PY_INVALID_ARGUMENT'
        "$($e.Exception.Message)" | Should -Match 'MaxCalls must be a whole number'
        $e = Get-PshaiError { $S.options.MaxCall = 2 }
        Assert-PshaiErrorId $e 'POWERSHAI_PY_INVALID_ARGUMENT'
        "$($e.Exception.Message)" | Should -Match "'MaxCall' is not a session option"
        # A whole table goes through the property's setter, which PowerShell wraps in its own
        # "Exception setting" error; the worker's id stays in the message.
        $e = Get-PshaiError { $S.options = @{ MaxCalls = 2; MaxCallsPolicy = 'sometimes' } }
        "$($e.Exception.Message)" | Should -Match 'POWERSHAI_PY_INVALID_ARGUMENT: MaxCallsPolicy must be one of'
        $S.options.MaxCalls | Should -Be 4
        $S.options.MaxCallsPolicy | Should -Be 'warning'
    }

    It 'keeps PowerShell''s words for limits: 0 is no limit' {
        $S.options.CallTimeoutSec = 30
        $S.options.CallTimeoutSec | Should -Be 30
        $S.options['calltimeoutsec'] = 0
        $S.options.CallTimeoutSec | Should -Be 0
    }
}

Describe 'ApiCalls as live hashtables (PowerShai scripts drop calls from them)' {
    BeforeEach {
        Clear-PshaiSessions
        $S = New-GradioSession $Url -Name 'live-calls'
        $Calls = @(1..3 | ForEach-Object { Invoke-GradioSessionApi echo @("c$_") -Session $S })
        $null = $Calls | Update-GradioSessionApiResult
    }
    AfterAll { Clear-PshaiSessions }

    It 'forgets the calls left out when AllEvents is assigned, which frees MaxCalls' {
        $S.options = @{ MaxCalls = 3; MaxCallsPolicy = 'error' }
        Assert-PshaiErrorId (Get-PshaiError { Invoke-GradioSessionApi echo @('x') -Session $S }) 'POWERSHAI_HUGINGFACE_GRADIOAPI_MAXCALLS'
        $S.ApiCalls.AllEvents = @($S.ApiCalls.AllEvents | Select-Object -Last 1)
        @(Get-GradioSessionApi -Session $S).id | Should -Be @($Calls[2].id)
        $ev = Invoke-GradioSessionApi echo @('after') -Session $S
        ($ev | Update-GradioSessionApiResult | Select-Object -Last 1).data | Should -Be 'echo: after'
    }

    It 'takes Remove and Clear on ApiCalls.ById' {
        $S.ApiCalls.ById.Remove($Calls[0].id)
        (Get-GradioSession live-calls).ApiCalls.AllEvents.id | Should -Be @($Calls[1].id, $Calls[2].id)
        $S.ApiCalls.ById.ContainsKey($Calls[1].id) | Should -BeTrue
        $S.ApiCalls.ById.Clear()
        @($S.ApiCalls.AllEvents).Count | Should -Be 0
        Assert-PshaiErrorId (Get-PshaiError { Update-GradioSessionApiResult -Id $Calls[1].id -Session $S }) 'POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT'
    }

    It 'takes a whole new table: $s.ApiCalls = @{AllEvents=@(); ById=@{}}' {
        $S.ApiCalls = @{ AllEvents = @(); ById = @{} }
        @(Get-GradioSessionApi -Session $S).Count | Should -Be 0
    }

    It 'refuses a call the session does not have and changes nothing' {
        Assert-PshaiErrorId (Get-PshaiError { $S.ApiCalls.AllEvents = @('no-such-event') }) 'POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT'
        Assert-PshaiErrorId (Get-PshaiError { $S.ApiCalls.ById['no-such-event'] = $Calls[0] }) 'POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT'
        @(Get-GradioSessionApi -Session $S).Count | Should -Be 3
    }
}

Describe 'Remove-GradioSession' {
    BeforeEach {
        Clear-PshaiSessions
        $A = New-GradioSession $Url -Name 'r1'
        $B = New-GradioSession $Url -Name 'r2'
        $C = New-GradioSession $Url -Name 'r3'
    }
    AfterAll { Clear-PshaiSessions }

    It 'removes by name and by object' {
        Remove-GradioSession r1
        Remove-GradioSession $B
        @(Get-GradioSession | ForEach-Object { $_.name }) | Should -Be @('r3')
        Assert-PshaiErrorId (Get-PshaiError { Get-GradioSession r1 }) 'POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND'
    }

    It 'removes everything with Get-GradioSession | Remove-GradioSession' {
        Get-GradioSession | Remove-GradioSession
        @(Get-GradioSession).Count | Should -Be 0
    }

    It 'clears the default when the default session is removed' {
        Set-GradioSession r2 -Default
        (Get-GradioSession .).name | Should -Be 'r2'
        Remove-GradioSession r2
        Assert-PshaiErrorId (Get-PshaiError { Get-GradioSession . }) 'POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_DEFAULT'
    }
}

Describe 'Invoke-GradioSessionApi' {
    BeforeAll {
        Clear-PshaiSessions
        $S = New-GradioSession $Url -Name 'calls'
    }
    AfterAll { Clear-PshaiSessions }

    It 'keeps PowerShai''s syntax exactly' {
        (Get-Command Invoke-GradioSessionApi -Syntax).Trim() |
            Should -BeExactly 'Invoke-GradioSessionApi [[-ApiName] <Object>] [[-Params] <Object>] [[-EventId] <Object>] [[-session] <Object>] [[-Token] <Object>] [<CommonParameters>]'
    }

    It 'calls with an array and returns a SessionApiEvent holding a GradioApiEvent' {
        $ev = Invoke-GradioSessionApi echo @('hi') -session $S
        $ev.PSTypeNames | Should -Contain 'PowershaiType:SessionApiEvent'
        $ev.id | Should -Not -BeNullOrEmpty
        $ev.ApiEvent.PSTypeNames | Should -Contain 'PowershaiType:GradioApiEvent'
        $ev.ApiEvent.EventId | Should -Be $ev.id
        $results = @($ev | Update-GradioSessionApiResult)
        $results[0].PSTypeNames | Should -Contain 'PowershaiType:GradioApiEventResult'
        $results[-1].event | Should -Be 'complete'
        @($results[-1].data)[0] | Should -Be 'echo: hi'
        $ev.ApiEvent.Status | Should -Be 'complete'
    }

    It 'maps a hashtable to the endpoint parameters by name' {
        $ev = Invoke-GradioSessionApi Op2 @{ sleep = 0; MaxNums = 2 } -session $S
        $results = @($ev | Update-GradioSessionApiResult)
        Get-PshaiResultValues $results | Should -Be @('--start--', '1', '2', '--end--')
        $results[-1].event | Should -Be 'complete'
    }

    It 'binds the session from the pipeline' {
        $ev = $S | Invoke-GradioSessionApi echo @('piped')
        @($S.ApiCalls.AllEvents | ForEach-Object { $_.id }) | Should -Contain $ev.id
        @(($ev | Update-GradioSessionApiResult | Select-Object -Last 1).data)[0] | Should -Be 'echo: piped'
    }

    It 'fails with POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI for an unknown api' {
        $e = Get-PshaiError { Invoke-GradioSessionApi no_such_api @('x') -session $S }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI'
        $e.Exception.Message | Should -Match 'no_such_api'
    }

    It 'keeps gr.State across the calls of one session, over -Protocol <Protocol>' -ForEach @(
        @{ Protocol = 'call' }, @{ Protocol = 'queue' }
    ) {
        # Gradio 6 keys gr.State by session_hash on both routes: one hash per session, not per call
        $mine = New-GradioSession $Url -Name "state-$Protocol"
        $theirs = New-GradioSession $Url -Name "state-$Protocol-2"
        Set-GradioSession $mine -Protocol $Protocol
        Set-GradioSession $theirs -Protocol $Protocol
        $count = { param($s, $v) @(@(Invoke-GradioSessionApi counter @($v) -session $s | Update-GradioSessionApiResult)[-1].data)[0] }
        & $count $mine 'a' | Should -Be 'a #1'
        & $count $mine 'a' | Should -Be 'a #2'
        & $count $theirs 'b' | Should -Be 'b #1'
        & $count $mine 'a' | Should -Be 'a #3'
    }

    It 'lists the session calls in order with Get-GradioSessionApi' {
        $a = Invoke-GradioSessionApi echo @('one') -session $S
        $b = Invoke-GradioSessionApi echo @('two') -session $S
        $ids = @(Get-GradioSessionApi -Session $S | ForEach-Object { $_.id })
        $ids.IndexOf($a.id) | Should -BeLessThan $ids.IndexOf($b.id)
        $ids[-1] | Should -Be $b.id
        $null = $a, $b | Update-GradioSessionApiResult
    }
}

Describe 'Get-GradioSessionApi as PowerShai declares it (a plain function)' {
    BeforeAll {
        Clear-PshaiSessions
        $Main = New-GradioSession $Url -Name 'main'
        $Side = New-GradioSession $Url -Name 'side'
        Set-GradioSession main -Default
        $MainCall = Invoke-GradioSessionApi echo @('main') -session $Main
        $SideCall = Invoke-GradioSessionApi echo @('side') -session $Side
        $null = $MainCall, $SideCall | Update-GradioSessionApiResult
    }
    AfterAll { Clear-PshaiSessions }

    It 'binds nothing from the pipeline: a piped session lists the default session''s calls' {
        @($Side | Get-GradioSessionApi | ForEach-Object { $_.id }) | Should -Be @($MainCall.id)
    }

    It 'takes the session by position and ignores an argument it does not know' {
        @(Get-GradioSessionApi side extra | ForEach-Object { $_.id }) | Should -Be @($SideCall.id)
        (Get-Command Get-GradioSessionApi).Parameters.Keys | Should -Not -Contain 'Verbose'
    }

    It 'throws POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND naming itself for an unknown session' {
        $e = Get-PshaiError { Get-GradioSessionApi nope }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND'
        $e.InvocationInfo.MyCommand.Name | Should -Be 'Get-GradioSessionApi'
    }
}

Describe 'Objects shaped as PowerShai gives them on this PowerShell' {
    BeforeAll {
        Clear-PshaiSessions
        $S = New-GradioSession $Url -Name 'shapes'
        # PowerShai parses each message with ConvertFrom-Json: 7 unrolls a one-element array.
        $Unrolls = $PSVersionTable.PSEdition -ne 'Desktop'
    }
    AfterAll { Clear-PshaiSessions }

    It 'gives a single-output result''s data as the value itself (an array of one on 5.1)' {
        $r = Invoke-GradioSessionApi echo @('x') -session $S | Update-GradioSessionApiResult | Select-Object -Last 1
        if ($Unrolls) {
            $r.data | Should -BeOfType [string]
            $r.data | Should -BeExactly 'echo: x'
            $r.data.Length | Should -Be 7
        } else {
            , $r.data | Should -BeOfType [object[]]
            $r.data[0] | Should -BeExactly 'echo: x'
        }
    }

    It 'gives a multi-output result''s data as an array' {
        $r = Invoke-GradioSessionApi file_echo @($null) -session $S | Update-GradioSessionApiResult | Select-Object -Last 1
        , $r.data | Should -BeOfType [object[]]
        $r.data.Count | Should -Be 2
        $r.data[1] | Should -BeExactly 'none:0'
    }

    It 'keeps a flat ApiEvent.data with -History (--start--,1,2,3,--end--,--end--)' {
        $ev = Invoke-GradioSessionApi Op2 @(3, 10) -session $S
        $results = @($ev | Update-GradioSessionApiResult -History)
        $results.Count | Should -Be 6
        $ev.ApiEvent.data -join ',' | Should -BeExactly '--start--,1,2,3,--end--,--end--'
        $ev.ApiEvent.events.Count | Should -Be 6
    }

    It 'has a boolean Received and a LastReceivedIndex that starts $null' {
        $ev = Invoke-GradioSessionApi echo @('r') -session $S
        $ev.Received | Should -BeOfType [bool]
        $ev.Received | Should -BeFalse
        $ev.LastReceivedIndex | Should -BeNullOrEmpty
        $null = $ev | Update-GradioSessionApiResult
        $ev.Received | Should -BeTrue
        $ev.LastReceivedIndex | Should -Be $ev.ApiEvent.LastEventNum
    }

    It 'keeps PowerShai''s keys in ApiEvent.req and update, with no token in them' {
        $ev = Invoke-GradioSessionApi echo @('q') -session $S -Token 'hf_secret_never_shown'
        @($ev.ApiEvent.req.PSObject.Properties.Name | Sort-Object) | Should -Be @('data', 'method', 'token', 'url')
        $ev.ApiEvent.req.method | Should -Be 'POST'
        @($ev.ApiEvent.req.data.data) | Should -Be @('q')
        $ev.ApiEvent.req.token | Should -BeNullOrEmpty
        @($ev.ApiEvent.update.PSObject.Properties.Name | Sort-Object) | Should -Be @('http', 'url')
        $ev.ApiEvent.update.url | Should -BeLike "$($S.AppUrl)*"
        ($ev.ApiEvent | ConvertTo-Json -Depth 8) | Should -Not -Match 'hf_secret_never_shown'
        $null = $ev | Update-GradioSessionApiResult
    }

    It 'carries RealAppUrl in session.info' {
        $S.info.RealAppUrl | Should -Be $S.AppUrl
    }
}

Describe 'Get-GradioInfo' {
    It 'reads /info and reports the root that worked as RealAppUrl' {
        $info = Get-GradioInfo $Url
        $info.RealAppUrl | Should -BeLike "$Url*"
        @($info.named_endpoints | Get-Member -MemberType NoteProperty | ForEach-Object { $_.Name }) | Should -Contain '/echo'
        Clear-PshaiSessions
        $s = New-GradioSession $Url -Name 'info'
        $info.RealAppUrl | Should -Be $s.AppUrl
        (Get-GradioInfo $s).RealAppUrl | Should -Be $s.AppUrl
        Clear-PshaiSessions
    }
}

Describe 'Files' {
    BeforeAll {
        Clear-PshaiSessions
        $S = New-GradioSession $Url -Name 'files'
        $Tmp = Join-Path ([IO.Path]::GetTempPath()) ("pshai-file-{0}.txt" -f [guid]::NewGuid().ToString('n'))
        $Content = 'hello from powershai-py ' + [guid]::NewGuid()
        [IO.File]::WriteAllText($Tmp, $Content)
        $Full = (Resolve-Path -LiteralPath $Tmp).Path
    }
    AfterAll {
        Clear-PshaiSessions
        Remove-Item -LiteralPath $Tmp -Force -ErrorAction SilentlyContinue
    }

    It 'uploads a local file with Send-GradioSessionFiles and records it in uploads' {
        $fd = Send-GradioSessionFiles -files $Tmp -Session $S
        $fd.path | Should -Not -BeNullOrEmpty
        $fd.url | Should -BeLike "$($S.AppUrl)/file=*"
        $fd.meta._type | Should -Be 'gradio.FileData'
        $S.uploads[$Full].path | Should -Be $fd.path
    }

    It 'takes changes to uploads like a live hashtable: Remove and Clear reach the worker' {
        $null = Send-GradioSessionFiles -files $Tmp -Session $S
        $S.uploads.ContainsKey($Full) | Should -BeTrue
        $S.uploads.Remove($Full)
        # a fresh read comes from the worker: the entry is gone there, so the file is sent again
        (Get-GradioSession -Session $S.name).uploads.ContainsKey($Full) | Should -BeFalse
        $null = Send-GradioSessionFiles -files $Tmp -Session $S
        $S.uploads.ContainsKey($Full) | Should -BeTrue
        $S.uploads.Clear()
        $S.uploads.Count | Should -Be 0
        $e = Get-PshaiError { $S.uploads[$Full] = 'not a FileData' }
        Assert-PshaiErrorId $e 'POWERSHAI_PY_INVALID_ARGUMENT'
        $S.uploads.Count | Should -Be 0
    }

    It 'sends the FileData to file_echo; the result file URL downloads the same bytes' {
        $fd = Send-GradioSessionFiles -files $Tmp -Session $S
        $ev = Invoke-GradioSessionApi file_echo @(, $fd) -session $S
        $last = $ev | Update-GradioSessionApiResult | Select-Object -Last 1
        $last.event | Should -Be 'complete'
        $out = @($last.data)
        $out[1] | Should -Be ("{0}:{1}" -f (Split-Path $Tmp -Leaf), ([Text.Encoding]::UTF8.GetByteCount($Content)))
        $out[0].url | Should -BeLike "$($S.AppUrl)/file=*"
        $dl = Join-Path $TestDrive 'downloaded.txt'
        Invoke-WebRequest -Uri $out[0].url -OutFile $dl -UseBasicParsing
        [IO.File]::ReadAllText($dl) | Should -Be $Content
    }

    It 'uploads a local path given straight to a file parameter' {
        $ev = Invoke-GradioSessionApi file_echo @{ file = $Tmp } -session $S
        $last = $ev | Update-GradioSessionApiResult | Select-Object -Last 1
        @($last.data)[1] | Should -BeLike "$(Split-Path $Tmp -Leaf):*"
    }

    It 'fails with POWERSHAI_HUGGINGFACE_GRADIO_SENDFILESESSIN_NOTFOUND for a missing file' {
        $missing = Join-Path $TestDrive 'does-not-exist.txt'
        Assert-PshaiErrorId (Get-PshaiError { Send-GradioSessionFiles -files $missing -Session $S }) 'POWERSHAI_HUGGINGFACE_GRADIO_SENDFILESESSIN_NOTFOUND'
    }

    It 'saves result files under the session -DownloadPath' {
        $dir = Join-Path $TestDrive 'dl'
        $null = New-Item -ItemType Directory -Path $dir -Force
        $d = New-GradioSession $Url -Name 'withdl' -DownloadPath $dir
        $ev = Invoke-GradioSessionApi file_echo @(, $Tmp) -session $d
        $last = $ev | Update-GradioSessionApiResult | Select-Object -Last 1
        $last.event | Should -Be 'complete'
        $saved = @(Get-ChildItem -LiteralPath $dir -Recurse -File)
        $saved.Count | Should -BeGreaterThan 0
        @($saved | ForEach-Object { [IO.File]::ReadAllText($_.FullName) }) | Should -Contain $Content
    }
}

Describe 'Tab completion' {
    BeforeAll {
        Clear-PshaiSessions
        $null = New-GradioSession $Url -Name 'completeme'
    }
    AfterAll { Clear-PshaiSessions }

    It 'completes api names of the default session' {
        $r = TabExpansion2 -inputScript 'Invoke-GradioSessionApi -ApiName ec' -cursorColumn 35
        @($r.CompletionMatches | ForEach-Object { $_.CompletionText }) | Should -Contain 'echo'
    }

    It 'completes session names' {
        $r = TabExpansion2 -inputScript 'Get-GradioSession -Session ' -cursorColumn 27
        @($r.CompletionMatches | ForEach-Object { $_.CompletionText -replace "^'|'$", '' }) | Should -Contain 'completeme'
    }
}
