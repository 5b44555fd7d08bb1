Set-StrictMode -Version Latest

# Parameters and cmdlets that had no behavioural test from PowerShell: Invoke-GradioHttp,
# Invoke-GradioDynamicApi -Params, Invoke-GradioSessionApi -EventId. Real pwsh, real worker,
# one real Gradio 6 server. Valid for Windows PowerShell 5.1 and PowerShell 7 (Pester 5).

BeforeAll {
    # Pester runs the blocks in scopes below this one, not below the file's top line
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:G6 = Start-PshaiGradioApp -Version 6
    $script:Api = $G6.Url + '/gradio_api'
    $null = Import-PshaiTestModule
    Clear-PshaiSessions
    $script:S = New-GradioSession $G6.Url -Name 'surface'
}

AfterAll {
    Clear-PshaiSessions
    Stop-PshaiGradioApp $script:G6
}

Describe 'Invoke-GradioHttp' {
    It 'GETs the answer decoded from JSON, as PowerShai (ConvertFrom-Json)' {
        $config = Invoke-GradioHttp "$($G6.Url)/config"
        $config | Should -BeOfType [System.Management.Automation.PSCustomObject]
        "$($config.version)" | Should -Match '^6\.'
        (InvokeGradioApi "$($G6.Url)/config").version | Should -Be $config.version
    }

    It 'refuses an answer that is not JSON with POWERSHAI_HUGGINGFACE_GRADIO_NOTGRADIO' {
        Assert-PshaiErrorId (Get-PshaiError { Invoke-GradioHttp "$($G6.Url)/" }) 'POWERSHAI_HUGGINGFACE_GRADIO_NOTGRADIO'
    }

    It 'POSTs a hashtable as JSON, then streams the answer line by line to -StreamCallback' {
        $posted = Invoke-GradioHttp "$Api/call/echo" POST @{ data = @('over http') }
        "$($posted.event_id)" | Should -Match '^[0-9a-f]+$'
        $lines = New-Object System.Collections.Generic.List[string]
        $null = Invoke-GradioHttp "$Api/call/echo/$($posted.event_id)" -StreamCallback { param($line) $lines.Add("$line") }
        ($lines -join "`n") | Should -Match 'echo: over http'
        ($lines -join "`n") | Should -Match 'event: complete'
    }
}

Describe 'Invoke-GradioDynamicApi -Params' {
    It 'takes the values from a hashtable by parameter name' {
        $r = @(Invoke-GradioDynamicApi -ApiName echo -Session $S -Params @{ text = 'by params' })
        @($r[-1].data)[0] | Should -Be 'echo: by params'
    }
}

Describe 'Invoke-GradioSessionApi -EventId' {
    It 'attaches to an event started elsewhere and reads its result' {
        $posted = Invoke-GradioHttp "$Api/call/echo" POST @{ data = @('attached') }
        $ev = Invoke-GradioSessionApi echo -EventId $posted.event_id -session $S
        $ev.id | Should -Be $posted.event_id
        $r = @($ev | Update-GradioSessionApiResult)
        @($r[-1].data)[0] | Should -Be 'echo: attached'
    }
}
