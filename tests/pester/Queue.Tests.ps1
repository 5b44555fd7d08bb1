Set-StrictMode -Version Latest

BeforeAll {
    # Pester runs the blocks in scopes below this one, not below the file's top line
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-PshaiTestModule
    $script:App4 = Start-PshaiGradioApp -Version '4'
}

AfterAll {
    Clear-PshaiSessions
    Stop-PshaiGradioApp $script:App4
}

Describe 'Gradio 4 through the queue protocol' {
    AfterEach { Clear-PshaiSessions }

    It 'keeps gr.State across the calls of one session (PowerShai could not)' {
        $s = New-GradioSession $script:App4.Url -Name q4
        $one = @(Invoke-GradioSessionApi counter @('a') -session $s | Update-GradioSessionApiResult)[-1]
        $two = @(Invoke-GradioSessionApi counter @('b') -session $s | Update-GradioSessionApiResult)[-1]
        @($one.data)[0] | Should -Be 'a #1'
        @($two.data)[0] | Should -Be 'b #2'
        $other = New-GradioSession $script:App4.Url -Name q4b
        @(@(Invoke-GradioSessionApi counter @('c') -session $other | Update-GradioSessionApiResult)[-1].data)[0] |
            Should -Be 'c #1'
    }

    It 'with -Protocol queue: gr.Error text, gr.Warning as a warning, progress recorded' {
        $s = New-GradioSession $script:App4.Url -Name q4p
        Set-GradioSession $s -Protocol queue
        $s.options.Protocol | Should -Be 'queue'
        $ev = Invoke-GradioSessionApi progress_logs @(3) -session $s
        $out = @($ev | Update-GradioSessionApiResult -WarningVariable warned -WarningAction SilentlyContinue)
        $out[-1].event | Should -Be 'complete'
        @($out[-1].data)[0] | Should -Be 'done 3'
        ($warned | Out-String) | Should -Match 'almost done'
        @($ev.ApiEvent.Progress).Count | Should -BeGreaterThan 0
        $bad = Invoke-GradioSessionApi fail_gradio @('zz') -session $s
        $null = @($bad | Update-GradioSessionApiResult -WarningVariable appWarned -WarningAction SilentlyContinue)
        $bad.ApiEvent.error | Should -Be 'bad input: zz'
        @($appWarned | ForEach-Object { "$_" }) | Should -Be @('The app failed on fail_gradio: bad input: zz')
    }

    It 'refuses an unknown -Protocol' {
        $s = New-GradioSession $script:App4.Url -Name q4x
        $before = $s.options.Protocol
        { Set-GradioSession $s -Protocol carrier-pigeon } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Set-GradioSession'
        $s.options.Protocol | Should -Be $before
    }
}
