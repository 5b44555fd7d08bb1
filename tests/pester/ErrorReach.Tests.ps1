Set-StrictMode -Version Latest

# Issue 10.1: PowerShai's cmdlets `throw`, so an error stops the whole script, not only the
# statement. Checked in child runspaces and a child pwsh (a try/catch around the call would stop at
# the first error whichever kind it is). Real worker, real Gradio 6 server.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $G6 = Start-PshaiGradioApp -Version 6
    $Url = $G6.Url
    $Manifest = Get-PshaiModuleManifest
    if (-not $env:POWERSHAI_PY_PYTHON) { $env:POWERSHAI_PY_PYTHON = Get-PshaiPython }

    function Invoke-InRunspace {
        <# Runs $Script in a fresh runspace with the module imported; returns @{Output; Error}. #>
        param([string]$Script)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$Manifest'; `$Url = '$Url'`n$Script")
            $output = $null
            $thrown = $null
            # Invoke() wraps what the script threw in a MethodInvocationException.
            try { $output = @($ps.Invoke()) } catch { $thrown = $_.Exception.InnerException }
            @{ Output = $output; Thrown = $thrown }
        } finally {
            # The runspace's module started its own worker: stop it before the runspace goes.
            $ps.Commands.Clear()
            $null = $ps.AddScript('Remove-Module PowershaiPy -Force -ErrorAction SilentlyContinue').Invoke()
            $ps.Dispose()
        }
    }
}

AfterAll {
    Stop-PshaiGradioApp $G6
}

Describe 'Error reach' {
    It 'an unknown API stops the script: the next statement never runs' {
        $r = Invoke-InRunspace "`$s = New-GradioSession `$Url; Invoke-GradioSessionApi Nope @('x'); 'next line'"
        $r.Output | Should -Not -Contain 'next line'
        $r.Thrown | Should -Not -BeNullOrEmpty
        $record = $r.Thrown.ErrorRecord
        $record.FullyQualifiedErrorId | Should -Be 'POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI,Invoke-GradioSessionApi'
        $record.InvocationInfo.MyCommand.Name | Should -Be 'Invoke-GradioSessionApi'
        $record.Exception.Message | Should -BeLike 'POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI: *'
    }

    It 'a bad URL stops the script too, with its id and category' {
        $r = Invoke-InRunspace "New-GradioSession 'javascript:alert(1)'; 'next line'"
        $r.Output | Should -Not -Contain 'next line'
        $record = $r.Thrown.ErrorRecord
        $record.FullyQualifiedErrorId | Should -Be 'POWERSHAI_PY_INVALID_URL,New-GradioSession'
        "$($record.CategoryInfo.Category)" | Should -Be 'InvalidArgument'
    }

    It 'is caught by try/catch and by trap as a PowerShai error is' {
        $r = Invoke-InRunspace "try { Invoke-GradioSessionApi Nope @('x') -Session (New-GradioSession `$Url) } catch { 'caught ' + `$_.FullyQualifiedErrorId }; 'after'"
        $r.Output | Should -Be @('caught POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI,Invoke-GradioSessionApi', 'after')
    }

    It 'the error view names the cmdlet, not "Exception"' {
        $script = Join-Path $TestDrive 'reach.ps1'
        Set-Content -LiteralPath $script -Value @(
            "Import-Module '$Manifest'"
            "`$null = New-GradioSession '$Url'"
            "Invoke-GradioSessionApi Nope @('x')"
            "'next line'"
        )
        $pwsh = Get-PshaiPwshCommand
        $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $script)
        $text = (& $pwsh[0] @arguments 2>&1 | Out-String)
        $text | Should -Match 'Invoke-GradioSessionApi:'
        $text | Should -Not -Match 'Exception:'
        $text | Should -Not -Match 'next line\r?\n'
        $LASTEXITCODE | Should -Be 1
    }

    It 'a confirmation in a non-interactive PowerShell is a clear error (POWERSHAI_PY_CONFIRM_UNAVAILABLE), nothing removed' {
        $script = Join-Path $TestDrive 'confirm.ps1'
        Set-Content -LiteralPath $script -Value @(
            "Import-Module '$Manifest'"
            "`$null = New-GradioSession '$Url'"
            "`$null = Invoke-GradioSessionApi echo @('x') | Update-GradioSessionApiResult"
            "try { Remove-GradioSessionApi clean } catch { 'id=' + `$_.FullyQualifiedErrorId }"
            "'left=' + @(Get-GradioSessionApi).Count"
            "Remove-GradioSessionApi clean -Confirm:`$false"
            "'after=' + @(Get-GradioSessionApi).Count"
        )
        $pwsh = Get-PshaiPwshCommand
        $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $script)
        $lines = @(& $pwsh[0] @arguments 2>&1 | ForEach-Object { "$_" })
        $lines | Should -Contain 'id=POWERSHAI_PY_CONFIRM_UNAVAILABLE,Remove-GradioSessionApi'
        $lines | Should -Contain 'left=1'
        $lines | Should -Contain 'after=0'
    }
}
