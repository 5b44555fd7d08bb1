Set-StrictMode -Version Latest

# Logging in to an app launched with auth=, and where tokens must never show: the worker's
# command line (read from /proc or Win32_Process) and its log. Real pwsh, real worker, real
# Gradio 6 servers (one plain, one behind a login user/pass).
# Valid for Windows PowerShell 5.1 and PowerShell 7 (Pester 5).

BeforeAll {
    # Pester runs the blocks in scopes below this one, not below the file's top line
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:G6 = Start-PshaiGradioApp -Version 6
    $script:Locked = Start-PshaiGradioApp -Version 6 -AppArgs @('--auth', 'user:pass')
    $script:Helpers = Join-Path $PSScriptRoot 'TestHelpers.ps1'
    $null = Import-PshaiTestModule
    Clear-PshaiSessions

    function New-TestCredential([string]$User, [string]$Password) {
        New-Object System.Management.Automation.PSCredential($User, (ConvertTo-SecureString $Password -AsPlainText -Force))
    }

    function Get-WorkerTexts {
        <# The command line of every worker of this process, and the text of their logs. #>
        $workers = @(Get-PshaiWorkerProcess)
        $workers.Count | Should -BeGreaterOrEqual 1 -Because 'the module runs a worker'
        foreach ($w in $workers) {
            $w.CommandLine
            $log = Join-Path ([IO.Path]::GetTempPath()) ('powershai-py-worker-{0}-{1}.log' -f $PID, $w.Id)
            if (Test-Path -LiteralPath $log) { [IO.File]::ReadAllText($log) }
        }
    }
}

AfterAll {
    Clear-PshaiSessions
    Stop-PshaiGradioApp $script:G6
    Stop-PshaiGradioApp $script:Locked
}

Describe 'New-GradioSession -Credential (an app launched with auth=)' {
    AfterEach { Clear-PshaiSessions }

    It 'logs in, then calls the app' {
        $s = New-GradioSession $Locked.Url -Name 'locked' -Credential (New-TestCredential 'user' 'pass')
        $s.name | Should -Be 'locked'
        $r = @(Invoke-GradioSessionApi echo @('behind a login') -session $s | Update-GradioSessionApiResult)
        @($r[-1].data)[0] | Should -Be 'echo: behind a login'
    }

    It 'a wrong password is POWERSHAI_HUGGINGFACE_GRADIO_AUTH and creates no session' {
        $e = Get-PshaiError { New-GradioSession $Locked.Url -Name 'bad' -Credential (New-TestCredential 'user' 'not-the-password-42') }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_GRADIO_AUTH'
        "$($e.Exception.Message)" | Should -Not -Match 'not-the-password-42'
        @(Get-GradioSession -Session '*' | Where-Object { $_.name -eq 'bad' }).Count | Should -Be 0
    }

    It 'without a login the app refuses: POWERSHAI_HUGGINGFACE_GRADIO_AUTH' {
        $e = Get-PshaiError { New-GradioSession $Locked.Url -Name 'anonymous' -DisableRetry }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_GRADIO_AUTH'
    }
}

Describe 'Tokens never reach the worker''s command line or log' {
    AfterEach { Clear-PshaiSessions }

    It 'with New-GradioSession -Token and Invoke-GradioSessionApi -Token' {
        $secret = 'hf_cmdline_probe_' + [guid]::NewGuid().ToString('N')
        $s = New-GradioSession $G6.Url -Name 'tok' -Token $secret
        $r = @(Invoke-GradioSessionApi echo @('t') -session $s -Token ($secret + '_call') | Update-GradioSessionApiResult)
        @($r[-1].data)[0] | Should -Be 'echo: t'
        $texts = @(Get-WorkerTexts)
        foreach ($t in $texts) { $t | Should -Not -Match $secret }
    }

    It 'with HF_TOKEN set before the module starts its worker' {
        # A child pwsh: its worker starts after HF_TOKEN is set, as in a user's profile.
        $secret = 'hf_env_probe_' + [guid]::NewGuid().ToString('N')
        $job = Start-Job -ScriptBlock {
            param($Helpers, $Url, $Secret)
            $ErrorActionPreference = 'Stop'
            . $Helpers
            $env:HF_TOKEN = $Secret
            $null = Import-PshaiTestModule
            $s = New-GradioSession $Url -Name 'env'
            $r = @(Invoke-GradioSessionApi echo @('e') -session $s | Update-GradioSessionApiResult)
            $workers = @(Get-PshaiWorkerProcess)
            $logs = foreach ($w in $workers) {
                $log = Join-Path ([IO.Path]::GetTempPath()) ('powershai-py-worker-{0}-{1}.log' -f $PID, $w.Id)
                if (Test-Path -LiteralPath $log) { [IO.File]::ReadAllText($log) }
            }
            [pscustomobject]@{
                Data         = @($r[-1].data)[0]
                CommandLines = @($workers | ForEach-Object { $_.CommandLine })
                Logs         = @($logs)
            }
        } -ArgumentList $Helpers, $G6.Url, $secret
        try {
            $done = Wait-Job $job -Timeout 120
            $done | Should -Not -BeNullOrEmpty -Because 'the child pwsh finishes'
            $out = Receive-Job $job
        } finally {
            Remove-Job $job -Force
        }
        $out.Data | Should -Be 'echo: e'
        @($out.CommandLines).Count | Should -BeGreaterOrEqual 1
        foreach ($c in @($out.CommandLines) + @($out.Logs)) { $c | Should -Not -Match $secret }
    }
}
