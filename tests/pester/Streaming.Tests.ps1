Set-StrictMode -Version Latest

# Streamed results, live events, MaxCalls, removing/stopping calls, bare events, Gradio 4.
# Real pwsh, real Python worker, one Gradio 6 and one Gradio 4 server for the whole file.
# Valid for Windows PowerShell 5.1 and PowerShell 7 (Pester 5).

BeforeAll {
    # Pester runs the blocks in scopes below this one, not below the file's top line
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $G6 = Start-PshaiGradioApp -Version 6
    $G4 = Start-PshaiGradioApp -Version 4
    $null = Import-PshaiTestModule
    Clear-PshaiSessions
    $S = New-GradioSession $G6.Url -Name 'g6'
    $S4 = New-GradioSession $G4.Url -Name 'g4'
    Set-GradioSession g6 -Default
}

AfterAll {
    if (Get-Module PowershaiPy) { Clear-PshaiSessions }
    Remove-PshaiTestModule
    Stop-PshaiGradioApp $G6
    Stop-PshaiGradioApp $G4
}

Describe 'Update-GradioSessionApiResult' {
    It 'writes each result to the pipeline as it arrives, not all at the end' {
        # the generator holds after its first partial until release_gate runs, and this pipeline
        # runs it on seeing that partial: a first partial kept back would end "timed out"
        $key = New-PshaiKey 'arrive'
        $ev = Invoke-GradioSessionApi gated @($key)
        $results = @($ev | Update-GradioSessionApiResult | ForEach-Object {
                $_
                if ($_.event -eq 'generating' -and @($_.data)[0] -eq "${key}: waiting") {
                    $opened = Invoke-GradioSessionApi release_gate @($key) | Update-GradioSessionApiResult | Select-Object -Last 1
                    @($opened.data)[0] | Should -Be "${key}: opened"
                }
            })
        Get-PshaiResultValues $results | Should -Be @("${key}: waiting", "${key}: released")
        $results[-1].event | Should -Be 'complete'
    }

    It 'numbers results 1, 2, ... and stamps them with a local [datetime]' {
        $ev = Invoke-GradioSessionApi partials @(3, 0)
        $before = [datetime]::Now.AddSeconds(-1)
        $results = @($ev | Update-GradioSessionApiResult)
        @($results | ForEach-Object { $_.num }) | Should -Be @(1..$results.Count)
        foreach ($r in $results) {
            $r.ts | Should -BeOfType [datetime]
            $r.ts | Should -BeGreaterThan $before
            $r.ts | Should -BeLessThan ([datetime]::Now.AddSeconds(1))
        }
        $ev.ApiEvent.LastEventNum | Should -Be $results[-1].num
    }

    It 'fills ApiEvent.data and ApiEvent.events with -History' {
        $ev = Invoke-GradioSessionApi partials @(3, 0)
        $results = @($ev | Update-GradioSessionApiResult -History)
        @($ev.ApiEvent.events).Count | Should -Be $results.Count
        @($ev.ApiEvent.events | ForEach-Object { $_.event }) | Should -Be @($results | ForEach-Object { $_.event })
        @($ev.ApiEvent.data).Count | Should -BeGreaterThan 0
        ($ev.ApiEvent.data | ConvertTo-Json -Depth 10 -Compress) | Should -Match 'part 2'
    }

    It 'writes nothing with -NoOutput, yet the held event shows Status complete' {
        $ev = Invoke-GradioSessionApi echo @('quiet')
        $ev.ApiEvent.Status | Should -Not -Be 'complete'
        $out = @($ev | Update-GradioSessionApiResult -NoOutput)
        $out.Count | Should -Be 0
        $ev.ApiEvent.Status | Should -Be 'complete'
        $ev.ApiEvent.LastQueryStatus | Should -Be 'complete'
    }

    It 'warns "Event already completed" when updating a completed event' {
        $ev = Invoke-GradioSessionApi echo @('twice')
        $null = $ev | Update-GradioSessionApiResult
        $w = $null
        $again = @($ev | Update-GradioSessionApiResult -WarningVariable w -WarningAction SilentlyContinue)
        $again.Count | Should -Be 0
        ($w | ForEach-Object { "$_" }) -join "`n" | Should -Match 'Event already completed'
    }

    It 'accepts the event id as a string and -session' {
        $ev = Invoke-GradioSessionApi echo @('by id') -session g6
        $last = Update-GradioSessionApiResult -Id $ev.id -session g6 | Select-Object -Last 1
        @($last.data)[0] | Should -Be 'echo: by id'
    }

    It 'fails with POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT for an unknown id' {
        Assert-PshaiErrorId (Get-PshaiError { Update-GradioSessionApiResult -Id 'no-such-event' -session g6 }) 'POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT'
    }

    It 'returns at once from a pipeline stopped early; a later Update continues to complete' {
        # the call holds after its first partial until the gate opens, which happens only after the
        # stopped pipeline returned: an Update that waited for the next result would end "timed out"
        $key = New-PshaiKey 'early'
        $ev = Invoke-GradioSessionApi gated @($key)
        $first = $ev | Update-GradioSessionApiResult | Select-Object -First 1
        $first.num | Should -Be 1
        @($first.data)[0] | Should -Be "${key}: waiting"
        $ev.ApiEvent.Status | Should -Not -Be 'complete'
        $null = Invoke-GradioSessionApi release_gate @($key) | Update-GradioSessionApiResult

        $rest = @($ev | Update-GradioSessionApiResult)
        $rest[0].num | Should -Be ($first.num + 1)
        @($rest | ForEach-Object { $_.num }) | Should -Be @(($first.num + 1)..($first.num + $rest.Count))
        Get-PshaiResultValues $rest | Should -Be @("${key}: released")
        $rest[-1].event | Should -Be 'complete'
        $ev.ApiEvent.Status | Should -Be 'complete'
    }

    It 'sets error from a gr.Error on Gradio 6' {
        $ev = Invoke-GradioSessionApi fail_gradio @('boom')
        $results = @($ev | Update-GradioSessionApiResult)
        $results[-1].event | Should -Be 'error'
        $ev.ApiEvent.Status | Should -Be 'complete'
        $ev.ApiEvent.error | Should -Not -BeNullOrEmpty
        $ev.ApiEvent.error | Should -Not -Be 'UnknownError'
        ($ev.ApiEvent.error | ConvertTo-Json -Depth 5 -Compress) | Should -Match 'bad input: boom'
    }
}

Describe 'Gradio 4' {
    It 'brings the text of a gr.Error (the default queue route)' {
        $ev = Invoke-GradioSessionApi fail_gradio @('boom') -session $S4
        $results = @($ev | Update-GradioSessionApiResult)
        $results[-1].event | Should -Be 'error'
        $ev.ApiEvent.Status | Should -Be 'complete'
        $ev.ApiEvent.error | Should -Be 'bad input: boom'
    }

    It 'sets error to UnknownError for a gr.Error on the /call route (Gradio 4 sends no text there)' {
        Set-GradioSession $S4 -Protocol call
        try {
            $ev = Invoke-GradioSessionApi fail_gradio @('boom') -session $S4
            $results = @($ev | Update-GradioSessionApiResult)
        } finally {
            Set-GradioSession $S4 -Protocol auto
        }
        $results[-1].event | Should -Be 'error'
        $ev.ApiEvent.Status | Should -Be 'complete'
        $ev.ApiEvent.error | Should -Be 'UnknownError'
    }

    It 'runs the gr.State counter' {
        $ev = Invoke-GradioSessionApi counter @('a') -session $S4
        $last = $ev | Update-GradioSessionApiResult | Select-Object -Last 1
        $last.event | Should -Be 'complete'
        @($last.data)[0] | Should -Be 'a #1'
    }

    It 'streams a generator' {
        $ev = Invoke-GradioSessionApi Op2 @{ MaxNums = 3; sleep = 10 } -session $S4
        Get-PshaiResultValues @($ev | Update-GradioSessionApiResult) | Should -Be @('--start--', '1', '2', '3', '--end--')
    }
}

Describe 'gr.State on Gradio 6' {
    It 'keeps the counter across calls of one session' {
        $a = Invoke-GradioSessionApi counter @('a')
        @(($a | Update-GradioSessionApiResult | Select-Object -Last 1).data)[0] | Should -Be 'a #1'
        $b = Invoke-GradioSessionApi counter @('b')
        @(($b | Update-GradioSessionApiResult | Select-Object -Last 1).data)[0] | Should -Be 'b #2'
    }
}

Describe 'MaxCalls policies' {
    BeforeEach {
        $M = New-GradioSession $G6.Url -Name 'maxcalls' -Force
    }
    AfterAll { Remove-GradioSession maxcalls }

    It 'fails with POWERSHAI_HUGINGFACE_GRADIOAPI_MAXCALLS under policy error' {
        Set-GradioSession maxcalls -MaxCalls 2 -MaxCallsPolicy error
        $null = Invoke-GradioSessionApi echo @('1') -session maxcalls
        $null = Invoke-GradioSessionApi echo @('2') -session maxcalls
        Assert-PshaiErrorId (Get-PshaiError { Invoke-GradioSessionApi echo @('3') -session maxcalls }) 'POWERSHAI_HUGINGFACE_GRADIOAPI_MAXCALLS'
        @($M.ApiCalls.AllEvents).Count | Should -Be 2
    }

    It 'drops the oldest calls under policy remove' {
        Set-GradioSession maxcalls -MaxCalls 2 -MaxCallsPolicy remove
        $one = Invoke-GradioSessionApi echo @('1') -session maxcalls
        $two = Invoke-GradioSessionApi echo @('2') -session maxcalls
        $three = Invoke-GradioSessionApi echo @('3') -session maxcalls
        $ids = @($M.ApiCalls.AllEvents | ForEach-Object { $_.id })
        $ids | Should -Be @($two.id, $three.id)
        $ids | Should -Not -Contain $one.id
    }

    It 'warns and goes on under policy warning' {
        Set-GradioSession maxcalls -MaxCalls 1 -MaxCallsPolicy warning
        $null = Invoke-GradioSessionApi echo @('1') -session maxcalls
        $w = $null
        $ev = Invoke-GradioSessionApi echo @('2') -session maxcalls -WarningVariable w -WarningAction SilentlyContinue
        @($w | ForEach-Object { "$_" }) | Should -Be @('The session maxcalls has 1 calls (MaxCalls 1).')
        @($M.ApiCalls.AllEvents).Count | Should -Be 2
        @($M.ApiCalls.AllEvents)[-1].id | Should -Be $ev.id
    }
}

Describe 'Remove-GradioSessionApi' {
    BeforeEach {
        $R = New-GradioSession $G6.Url -Name 'rm' -Force
        $Done1 = Invoke-GradioSessionApi echo @('d1') -session rm
        $Done2 = Invoke-GradioSessionApi echo @('d2') -session rm
        $null = $Done1, $Done2 | Update-GradioSessionApiResult
        $Running = Invoke-GradioSessionApi slow @(5) -session rm
    }
    AfterEach { Remove-GradioSession rm }

    It 'removes only completed calls with clean and returns them' {
        $removed = @(Remove-GradioSessionApi clean -session rm -Confirm:$false)
        @($removed | ForEach-Object { $_.id } | Sort-Object) | Should -Be @(@($Done1.id, $Done2.id) | Sort-Object)
        @($R.ApiCalls.AllEvents | ForEach-Object { $_.id }) | Should -Be @($Running.id)
    }

    It 'lists candidates with -Elegible and removes nothing' {
        @(Remove-GradioSessionApi all -Elegible -session rm | ForEach-Object { $_.id } | Sort-Object) |
            Should -Be @(@($Done1.id, $Done2.id) | Sort-Object)
        @(Remove-GradioSessionApi all -Force -Elegible -session rm).Count | Should -Be 3
        @($R.ApiCalls.AllEvents).Count | Should -Be 3
    }

    It 'removes running calls too with all -Force' {
        $removed = @(Remove-GradioSessionApi all -Force -session rm -Confirm:$false)
        $removed.Count | Should -Be 3
        @($R.ApiCalls.AllEvents).Count | Should -Be 0
    }

    It 'removes one target (object from the pipeline, or id), leaving the others' {
        $removed = @($Done1 | Remove-GradioSessionApi -Confirm:$false)
        @($removed | ForEach-Object { $_.id }) | Should -Be @($Done1.id)
        $removed2 = @(Remove-GradioSessionApi $Done2.id -session rm -Confirm:$false)
        @($removed2 | ForEach-Object { $_.id }) | Should -Be @($Done2.id)
        @($R.ApiCalls.AllEvents | ForEach-Object { $_.id }) | Should -Be @($Running.id)
    }

    It 'removes a running target only with -Force' {
        @(Remove-GradioSessionApi $Running.id -session rm -Confirm:$false).Count | Should -Be 0
        @($R.ApiCalls.AllEvents).Count | Should -Be 3
        @(Remove-GradioSessionApi $Running.id -Force -session rm -Confirm:$false | ForEach-Object { $_.id }) | Should -Be @($Running.id)
        @($R.ApiCalls.AllEvents | ForEach-Object { $_.id } | Sort-Object) | Should -Be @(@($Done1.id, $Done2.id) | Sort-Object)
    }

    It 'removes nothing with -WhatIf' {
        $null = Remove-GradioSessionApi clean -session rm -WhatIf
        @($R.ApiCalls.AllEvents).Count | Should -Be 3
    }
}

Describe 'Stop-GradioSessionApi' {
    It 'cancels a running call; its stream ends with complete and no data, the call says cancelled' {
        # running for sure: its first partial came. Op2 would then count to 1000 (100 s): only
        # the cancel ends it without '--end--'. (A generator held inside one step, like gated,
        # keeps Gradio's cancel waiting until that step returns.)
        $ev = Invoke-GradioSessionApi Op2 @{ MaxNums = 1000; sleep = 100 }
        $first = $ev | Update-GradioSessionApiResult | Select-Object -First 1
        @($first.data)[0] | Should -Be '--start--'
        $null = $ev | Stop-GradioSessionApi
        $results = @($ev | Update-GradioSessionApiResult)
        $results[-1].event | Should -Be 'complete'
        $results[-1].data | Should -BeNullOrEmpty
        Get-PshaiResultValues $results | Should -Not -Contain '--end--'
        $ev.ApiEvent.Status | Should -Be 'cancelled'
    }
}

Describe 'Bare events (Send-GradioApi, Update-GradioApiResult)' {
    It 'posts a call and streams its results' {
        $ev = Send-GradioApi -AppUrl $S.AppUrl -ApiName echo -Params @('bare')
        $ev.PSTypeNames | Should -Contain 'PowershaiType:GradioApiEvent'
        $ev.EventId | Should -Not -BeNullOrEmpty
        $results = @($ev | Update-GradioApiResult -History)
        $results[-1].event | Should -Be 'complete'
        @($results[-1].data)[0] | Should -Be 'echo: bare'
        $ev.Status | Should -Be 'complete'
        @($ev.events).Count | Should -Be $results.Count
    }

    It 'invokes -Script per event with @{event; ApiEvent}' {
        $ev = Send-GradioApi -AppUrl $S.AppUrl -ApiName partials -Params @(2, 0.1)
        $seen = New-Object System.Collections.Generic.List[object]
        $out = @($ev | Update-GradioApiResult -NoOutput -Script { param($e) $seen.Add($e) })
        $out.Count | Should -Be 0
        $seen.Count | Should -BeGreaterThan 2
        foreach ($e in $seen) {
            $e.event.event | Should -BeIn @('generating', 'complete', 'heartbeat')
            $e.ApiEvent.EventId | Should -Be $ev.EventId
        }
        $seen[-1].event.event | Should -Be 'complete'
        @($seen | Where-Object { $_.event.event -eq 'generating' } | ForEach-Object { @($_.event.data)[0] }) | Should -Be @('part 0', 'part 1')
        $ev.Status | Should -Be 'complete'
    }
}
