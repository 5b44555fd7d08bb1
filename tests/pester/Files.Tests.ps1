Set-StrictMode -Version Latest

BeforeAll {
    # Pester runs the blocks in scopes below this one, not below the file's top line
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-PshaiTestModule
    $script:App = Start-PshaiGradioApp -Version '6'
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("pshai-files-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $script:Work
}

AfterAll {
    Clear-PshaiSessions
    Stop-PshaiGradioApp $script:App
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Send-GradioFile' {
    It 'uploads files and returns FileData whose url gives back the same bytes' {
        $file = Join-Path $script:Work 'hello.txt'
        [IO.File]::WriteAllText($file, 'hello from pester')
        $api = "$($script:App.Url)/gradio_api"
        $fd = @(Send-GradioFile -AppUrl $api -Files $file)
        $fd.Count | Should -Be 1
        $fd[0].orig_name | Should -Be 'hello.txt'
        $fd[0].meta._type | Should -Be 'gradio.FileData'
        (Invoke-WebRequest -Uri $fd[0].url -UseBasicParsing).Content | Should -Be 'hello from pester'
    }

    It 'returns the server paths with -Raw' {
        $file = Join-Path $script:Work 'raw.txt'
        [IO.File]::WriteAllText($file, 'raw')
        $paths = @(Send-GradioFile "$($script:App.Url)/gradio_api" $file -Raw)
        $paths.Count | Should -Be 1
        $paths[0] | Should -BeOfType [string]
        $paths[0] | Should -Match 'raw\.txt$'
    }
}

Describe 'Downloads of result files' {
    BeforeAll {
        $psi = New-Object System.Diagnostics.ProcessStartInfo
        $psi.FileName = Get-PshaiPython
        $psi.Arguments = '-u -m tests.fakes.serve_hostile_files'
        $psi.WorkingDirectory = Get-PshaiRepoRoot
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $script:Fake = [System.Diagnostics.Process]::Start($psi)
        $line = $script:Fake.StandardOutput.ReadLineAsync()
        if (-not $line.Wait(30000)) { throw 'the fake Gradio server did not start' }
        $script:FakeUrl = $line.Result.Trim()
    }

    AfterAll {
        try { $script:Fake.StandardInput.Close() } catch { }
        if (-not $script:Fake.WaitForExit(10000)) { $script:Fake.Kill() }
    }

    It 'keeps server-chosen hostile names inside -DownloadPath (created when missing)' {
        $folder = Join-Path $script:Work 'nested/downloads'
        $s = New-GradioSession $script:FakeUrl -Name hostile -DownloadPath $folder
        $result = @(Invoke-GradioSessionApi x @('go') -session $s | Update-GradioSessionApiResult)[-1]
        # One output holding a list: PowerShell 7's ConvertFrom-Json unrolls the outer array.
        $files = if ($PSVersionTable.PSEdition -eq 'Desktop') { @($result.data[0]) } else { @($result.data) }
        $files.Count | Should -Be 5
        $inside = (Resolve-Path -LiteralPath $folder).ProviderPath
        foreach ($fd in $files) {
            Split-Path -Parent $fd.local_path | Should -Be $inside
            Test-Path -LiteralPath $fd.local_path | Should -BeTrue
        }
        @(Get-ChildItem -LiteralPath $script:Work -Recurse -File |
            Where-Object { $_.DirectoryName -ne $inside -and $_.Name -notin 'hello.txt', 'raw.txt' }).Count |
            Should -Be 0
        Test-Path -LiteralPath '/etc/evil_abs.txt' | Should -BeFalse
        Remove-GradioSession hostile
    }
}
