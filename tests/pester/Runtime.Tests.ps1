Set-StrictMode -Version Latest

# Exercises PowerShellModule/src/Runtime.ps1 against a real worker process running the fake
# cmdlets of tests/workers/fake_cmdlets_worker.py. The runtime is dot-sourced into a dynamic module
# (strict mode on) together with wrapper functions shaped like the generated ones.

BeforeAll {
    # Pester runs the blocks in scopes below this one, not below the file's top line
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $RuntimePath = Join-Path $RepoRoot 'PowerShellModule/src/Runtime.ps1'

    $python = $env:PSHAI_TEST_PYTHON
    if (-not $python) {
        foreach ($candidate in @((Join-Path $RepoRoot '.venv/bin/python'), (Join-Path $RepoRoot '.venv/Scripts/python.exe'))) {
            if (Test-Path -LiteralPath $candidate) { $python = $candidate; break }
        }
    }
    $SavedEnv = @{}
    foreach ($name in @('POWERSHAI_PY_PYTHON', 'POWERSHAI_PY_WORKER_MODULE', 'PYTHONPATH', 'FAKE_WORKER_PROTOCOL')) {
        $SavedEnv[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    $env:POWERSHAI_PY_PYTHON = $python
    $env:POWERSHAI_PY_WORKER_MODULE = 'fake_cmdlets_worker'
    $env:PYTHONPATH = (Join-Path $RepoRoot 'tests/workers') + [IO.Path]::PathSeparator + $RepoRoot

    function Import-RuntimeModule {
        New-Module -Name PshaiRuntimeTest -ArgumentList $RuntimePath -ScriptBlock {
            param($RuntimePath)
            Set-StrictMode -Version Latest
            . $RuntimePath

            # Wrappers shaped like the generated functions (docs/DESIGN.md).
            function Invoke-FakeEcho {
                [CmdletBinding()]
                param([Parameter(Position = 0)]$Value, $When, $Nested, [switch]$Flag, $Target, $ApiName, $Session)
                process { Invoke-PshaiCmdlet -Name 'Invoke-FakeEcho' -Bound $PSBoundParameters -Cmdlet $PSCmdlet }
            }
            function Update-FakeLive {
                [CmdletBinding()]
                param([Parameter(ValueFromPipeline)]$Target)
                process { Invoke-PshaiCmdlet -Name 'Update-FakeLive' -Bound $PSBoundParameters -Cmdlet $PSCmdlet }
            }
            function Remove-FakeThing {
                [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
                param([switch]$Elegible)
                process { Invoke-PshaiCmdlet -Name 'Remove-FakeThing' -Bound $PSBoundParameters -Cmdlet $PSCmdlet -Ask:(-not $PSBoundParameters.ContainsKey('Elegible')) }
            }
            function Invoke-FakeCallback {
                [CmdletBinding()]
                param([scriptblock]$Script)
                process { Invoke-PshaiCmdlet -Name 'Invoke-FakeCallback' -Bound $PSBoundParameters -Cmdlet $PSCmdlet }
            }
            # The rest only pass named arguments through.
            foreach ($name in @('Invoke-FakePrint', 'Get-FakeStream', 'Get-FakeSlowStream', 'Get-FakeStats',
                    'Get-FakeGatedStream', 'Invoke-FakeRelease',
                    'Invoke-FakeMessages', 'Invoke-FakeError', 'Invoke-FakeCrash', 'Stop-FakeWorker',
                    'New-FakeLive', 'Invoke-FakeRefresh', 'New-FakeGradioSession', 'Invoke-FakeDirective', 'Get-FakeMissing')) {
                $body = @"
[CmdletBinding()]
param(`$Count, `$Delay, `$Id, `$Text, `$Category, `$Code, `$Name, [switch]`$Default, [switch]`$Remove)
process { Invoke-PshaiCmdlet -Name '$name' -Bound `$PSBoundParameters -Cmdlet `$PSCmdlet }
"@
                $bound = $ExecutionContext.SessionState.Module.NewBoundScriptBlock([scriptblock]::Create($body))
                Set-Item -LiteralPath "function:script:$name" -Value $bound
            }
            Register-ArgumentCompleter -CommandName Invoke-FakeEcho -ParameterName ApiName -ScriptBlock ${function:Complete-PshaiApiName}
            Register-ArgumentCompleter -CommandName Invoke-FakeEcho -ParameterName Session -ScriptBlock ${function:Complete-PshaiSessionName}
            Export-ModuleMember -Function '*-Fake*'
        } | Import-Module -PassThru -Force
    }

    function Get-WorkerPid { & (Get-Module PshaiRuntimeTest) { $script:PshaiWorker.Pid } }

    $Module = Import-RuntimeModule
}

AfterAll {
    Remove-Module PshaiRuntimeTest -Force -ErrorAction SilentlyContinue
    foreach ($name in $SavedEnv.Keys) { [Environment]::SetEnvironmentVariable($name, $SavedEnv[$name]) }
}

Describe 'Runtime: worker lifecycle' {
    It 'starts the worker lazily and handshakes' {
        & $Module { $script:PshaiWorker } | Should -BeNullOrEmpty
        $w = & $Module { Get-PshaiWorker }
        $w.Process.HasExited | Should -BeFalse
        $w.PackageVersion | Should -Not -BeNullOrEmpty
        Get-WorkerPid | Should -Be $w.Process.Id
    }

    It 'keeps stdout clean when a handler prints, and shows the worker''s stderr with -Verbose' {
        $all = Invoke-FakePrint -Verbose 4>&1
        $r = @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $r.Count | Should -Be 1
        $r[0].printed | Should -BeTrue
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { $_.Message })
        $verbose | Should -Contain 'worker: stray print that must not reach the channel'
        $verbose | Should -Contain 'worker: raw fd 1 write'
        (Invoke-FakeEcho -Value 'after').args.Value | Should -Be 'after'
    }

    It 'refuses a worker that speaks another protocol' {
        & $Module { Stop-PshaiWorker }
        $env:FAKE_WORKER_PROTOCOL = '99'
        try {
            $err = $null
            try { Invoke-FakeEcho -Value 1 } catch { $err = $_ }
            Assert-PshaiErrorId $err 'POWERSHAI_PY_WORKER_MISMATCH'
            $err.Exception.Message | Should -Match "protocol '99'"
            $err.Exception.Message | Should -Match 'pip install'
        } finally {
            Remove-Item Env:FAKE_WORKER_PROTOCOL -ErrorAction SilentlyContinue
        }
        (Invoke-FakeEcho -Value 2).args.Value | Should -Be 2
    }

    It 'fails a call in flight when the worker dies, then starts a fresh worker' {
        $oldPid = Get-WorkerPid
        $err = $null
        # the call fails because the worker exited (its code and stderr say so), not by a timeout
        try { Stop-FakeWorker -Code 3 -Delay 0.3 } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'POWERSHAI_PY_WORKER_EXITED,Stop-FakeWorker'
        $err.Exception.Message | Should -Match 'exited with code 3'
        $err.Exception.Message | Should -Match 'dying on purpose'

        $warnings = $null
        $r = Invoke-FakeEcho -Value 'again' -WarningVariable warnings -WarningAction SilentlyContinue
        $r.args.Value | Should -Be 'again'
        ($warnings -join "`n") | Should -Match 'Sessions'
        Get-WorkerPid | Should -Not -Be $oldPid
    }

    It 'restarts transparently after the worker was killed between calls' {
        $oldPid = Get-WorkerPid
        Stop-Process -Id $oldPid -Force
        Wait-PshaiUntil { $null -eq (Get-Process -Id $oldPid -ErrorAction SilentlyContinue) } 'the killed worker is gone'
        $warnings = $null
        $r = Invoke-FakeEcho -Value 'x' -WarningVariable warnings -WarningAction SilentlyContinue
        $r.args.Value | Should -Be 'x'
        ($warnings -join "`n") | Should -Match 'had exited'
        Get-WorkerPid | Should -Not -Be $oldPid
    }
}

Describe 'Runtime: wire conversion' {
    It 'round-trips nested values, switches, non-ASCII text and datetimes' {
        $when = [datetime]::new(2024, 5, 6, 7, 8, 9, [DateTimeKind]::Local)
        $r = Invoke-FakeEcho -Value 'ação ✓' -When $when -Flag -Nested @{ list = @(1, @{ deep = 'x' }); none = $null; one = @(7) }
        $r.PSObject.TypeNames[0] | Should -Be 'PowershaiType:Echo'
        $r.args.Value | Should -Be 'ação ✓'
        $r.args.Flag | Should -BeTrue
        $r.args.When | Should -BeOfType [datetime]
        $r.args.When | Should -Be $when
        $r.args.Nested.list.Count | Should -Be 2
        $r.args.Nested.list[1].deep | Should -Be 'x'
        $r.args.Nested.none | Should -BeNullOrEmpty
        , $r.args.Nested.one | Should -BeOfType [object[]]
        $r.args.Nested.PSObject.Properties.Name | Should -Contain 'list'
    }

    It 'keeps a live object current in place' {
        $o = New-FakeLive -Name 'L1'
        $o.PSObject.TypeNames[0] | Should -Be 'PowershaiType:FakeLive'
        $o.Counter | Should -Be 0
        $o.Calls | Should -Be 0
        $o.Stamp | Should -BeOfType [datetime]
        $o.PSObject.Properties['Calls'].MemberType | Should -Be 'ScriptProperty'

        $same = $o | Update-FakeLive
        [object]::ReferenceEquals($same, $o) | Should -BeTrue
        $o.Counter | Should -Be 1
        $o.Extra | Should -Be 'added'
        $o.Calls | Should -Be 10
        # The ref does not show up as data.
        ($o | ConvertTo-Json -Compress) | Should -Not -Match 'PshaiRef'
    }

    It 'applies refresh messages to the held object without writing it, and builds $hashtable maps' {
        $o = New-FakeLive -Name 'L2'
        $out = @(Invoke-FakeRefresh -Name 'L2')
        $o.Counter | Should -Be 42
        $out.Count | Should -Be 1
        $out[0].map | Should -BeOfType [System.Collections.Specialized.OrderedDictionary]
        $out[0].map['k one']['v'] | Should -Be 1
        $out[0].map['k2'][0]['x'] | Should -Be 2
    }
}

Describe 'Runtime: streaming and stopping' {
    It 'writes each stream item before the next one is asked for' {
        # item i+1 exists only once the pipeline released its gate while handling item i: a runtime
        # that held item i back until item i+1 came would see the stream end "timed out at 1"
        $key = New-PshaiKey 'arrive'
        $items = @(Get-FakeGatedStream -Name $key -Count 3 | ForEach-Object {
                $_
                Invoke-FakeRelease -Name "$key/$($_.index + 1)"
            })
        @($items | ForEach-Object { $_.index }) | Should -Be @(0, 1, 2)
        @($items | ForEach-Object { $_.state }) | Should -Be @('first', 'released', 'released')
        Wait-PshaiUntil { (Get-FakeStats).gated[$key] } 'the stream recorded its end'
        (Get-FakeStats).gated[$key] | Should -Be 'done'
    }

    It 'stops a waiting stream with Select-Object -First and closes it in the worker' {
        # item 1 waits for a gate nobody opens: Select-Object stops the pipeline as item 0 is
        # written, and the stream must be closed right then ("closed after 0"), not read on until
        # its next item ("timed out at 1")
        $key = New-PshaiKey 'first'
        $workerPid = Get-WorkerPid
        $first = @(Get-FakeGatedStream -Name $key -Count 2 | Select-Object -First 1)
        $first.Count | Should -Be 1
        $first[0].index | Should -Be 0
        Wait-PshaiUntil { (Get-FakeStats).gated[$key] } 'the stopped stream recorded its end'
        (Get-FakeStats).gated[$key] | Should -Be 'closed after 0'
        Get-WorkerPid | Should -Be $workerPid
    }

    It 'stops at the item it needs after a next was answered, and the worker keeps answering' {
        # item 2 waits for a gate nobody opens: the stream is closed once item 1 is written
        $key = New-PshaiKey 'second'
        $items = @(Get-FakeGatedStream -Name $key -Count 3 | ForEach-Object {
                if ($_.index -eq 0) { Invoke-FakeRelease -Name "$key/1" }
                $_
            } | Select-Object -First 2)
        @($items | ForEach-Object { $_.index }) | Should -Be @(0, 1)
        Wait-PshaiUntil { (Get-FakeStats).gated[$key] } 'the stopped stream recorded its end'
        (Get-FakeStats).gated[$key] | Should -Be 'closed after 1'
        (Invoke-FakeEcho -Value 'alive').args.Value | Should -Be 'alive'
    }
}

Describe 'Runtime: messages, errors, ShouldProcess, callbacks, directives' {
    It 'plays warning and verbose messages on their streams' {
        $ProgressPreference = 'SilentlyContinue'
        $all = Invoke-FakeMessages -Verbose 3>&1 4>&1
        $warning = @($all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $warning.Message | Should -Contain 'fake warning'
        $verbose.Message | Should -Contain 'fake verbose'
        @($all | Where-Object { $_.PSObject.Properties['done'] }).Count | Should -Be 1
    }

    It 'turns worker errors into ErrorRecords with the id, category and message' {
        $err = $null
        $warnings = $null
        try {
            Invoke-FakeError -Id 'POWERSHAI_FAKE_NOTFOUND' -Text 'nothing here' -Category 'ObjectNotFound' `
                -WarningVariable warnings -WarningAction SilentlyContinue
        } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'POWERSHAI_FAKE_NOTFOUND*'
        $err.FullyQualifiedErrorId | Should -Be 'POWERSHAI_FAKE_NOTFOUND,Invoke-FakeError'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Be 'POWERSHAI_FAKE_NOTFOUND: nothing here'
        "$err" | Should -Be 'POWERSHAI_FAKE_NOTFOUND: nothing here'
        ($warnings -join '') | Should -Be 'before the error'
    }

    It 'maps internal and unknown-cmdlet errors' {
        { Invoke-FakeCrash } | Should -Throw -ErrorId 'POWERSHAI_PY_INTERNAL,Invoke-FakeCrash'
        { Get-FakeMissing } | Should -Throw -ErrorId 'POWERSHAI_PY_UNKNOWN_CMDLET,Get-FakeMissing'
    }

    It 'asks ShouldProcess per candidate and sends only the approved ids' {
        @(Remove-FakeThing -WhatIf).Count | Should -Be 0
        $r = Remove-FakeThing -Confirm:$false
        $r.removed | Should -Be @('a', 'b', 'c')
        $e = Remove-FakeThing -Elegible
        @($e.removed).Count | Should -Be 0
    }

    It 'runs a bound ScriptBlock when the worker asks' {
        $out = @(Invoke-FakeCallback -Script { param($a) "got $($a.x)" })
        $out[0] | Should -Be 'got 1'
        $out[1].scriptArg.'$scriptblock' | Should -Be 'Script'
    }

    It 'defines and removes global functions on directives' {
        $out = @(Invoke-FakeDirective -Name 'Invoke-FakeProxyTest')
        $out.Count | Should -Be 1
        $out[0].ok | Should -BeTrue
        Invoke-FakeProxyTest -X 5 | Should -Be 'proxy:5'
        Invoke-FakeDirective -Name 'Invoke-FakeProxyTest' -Remove
        Get-Command Invoke-FakeProxyTest -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Runtime: completers (names from the cache, the session from the worker)' {
    BeforeAll {
        $null = New-FakeGradioSession -Name 'alpha' -Default
        $null = New-FakeGradioSession -Name 'beta space'
    }

    It 'completes session names with wildcards and quoting' {
        $r = @(& $Module { Complete-PshaiSessionName 'x' 'Session' 'al' $null @{} })
        $r.CompletionText | Should -Be @('alpha')
        $r = @(& $Module { Complete-PshaiSessionName 'x' 'Session' 'b' $null @{} })
        $r.CompletionText | Should -Be @("'beta space'")
        $r[0] | Should -BeOfType [System.Management.Automation.CompletionResult]
    }

    It 'completes api names from the default or the bound session' {
        $r = @(& $Module { Complete-PshaiApiName 'x' 'ApiName' '' $null @{} })
        $r.CompletionText | Should -Be @("'my api'", 'predict')
        $r = @(& $Module { Complete-PshaiApiName 'x' 'ApiName' 'pr' $null @{ Session = 'beta space' } })
        $r.CompletionText | Should -Be @('predict')
        @(& $Module { Complete-PshaiApiName 'x' 'ApiName' '' $null @{ Session = 'nope' } }).Count | Should -Be 0
    }

    It 'works through TabExpansion2' {
        $line = 'Invoke-FakeEcho -ApiName pre'
        $result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $result.CompletionMatches.CompletionText | Should -Contain 'predict'
    }
}

Describe 'Runtime: cleanup' {
    It 'stops the worker on Remove-Module' {
        $null = Invoke-FakeEcho -Value 1
        $workerPid = Get-WorkerPid
        Remove-Module PshaiRuntimeTest -Force
        Wait-PshaiUntil { $null -eq (Get-Process -Id $workerPid -ErrorAction SilentlyContinue) } 'the worker is gone after Remove-Module'
    }
}
