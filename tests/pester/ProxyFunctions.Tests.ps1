Set-StrictMode -Version Latest

# Proxy functions, Invoke-GradioDynamicApi and Connect-HuggingFaceSpaceGradio, end to end in PowerShell.
# Pester 5; valid on Windows PowerShell 5.1 and PowerShell 7.
# A real Gradio 6 test app (tests/apps/gradio_test_app.py); the Hub is tests/hub_standin.py, a local
# stand-in (no internet in tests). $env:PSHAI_PROXY_TEST_GRADIO picks another Gradio major (default 6).

BeforeAll {
    # Pester runs the blocks in scopes below this one, not below the file's top line
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $version = '6'
    if ($env:PSHAI_PROXY_TEST_GRADIO) { $version = $env:PSHAI_PROXY_TEST_GRADIO }
    $script:G6 = Start-PshaiGradioApp -Version $version

    # The Hub stand-in: started before the module so its worker inherits POWERSHAI_HF_HUB_URL.
    $script:Hub = Start-PshaiHubStandin -Upstream $G6.Url
    $script:HubUrl = $Hub.Url

    $script:Module = Import-PshaiTestModule
    $script:S = New-GradioSession $G6.Url -Name 'proxy-pester' -Force
    $script:Created = @($S | New-GradioSessionApiProxyFunction -Prefix 'PshaiTest' -Force)
    # PowerShai's proxies write every result Update gives but heartbeats: Op2's final complete
    # repeats '--end--', and Op1 is called for it too.
    $script:Expected = @('--start--', '1', '2', '3', '4', '5', '--end--', '--end--')
}

AfterAll {
    try { Get-GradioSessionApiProxyFunction -Session '*' | Remove-GradioSessionApiProxyFunction } catch { }
    try { Clear-PshaiSessions } catch { }
    Remove-PshaiTestModule
    Stop-PshaiHubStandin $Hub
    Stop-PshaiGradioApp $G6
}

Describe 'New-GradioSessionApiProxyFunction' {
    It 'creates one function per named endpoint, named Prefix + title-cased name' {
        $Created.Name | Should -Contain 'PshaiTestOp1'
        $Created.Name | Should -Contain 'PshaiTestOp2'
        $Created.Name | Should -Contain 'PshaiTestFileEcho'
        (Get-Command PshaiTestOp1).CommandType | Should -Be 'Function'
    }

    It "returns the functions' own FunctionInfo objects, typed and with a GradioProxy property" {
        $op1 = $Created | Where-Object Name -eq 'PshaiTestOp1'
        $op1 | Should -BeOfType [System.Management.Automation.FunctionInfo]
        $op1.PSObject.TypeNames[0] | Should -Be 'PowershaiType:GradioProxyFunction'
        $op1.GradioProxy.ApiName | Should -Be 'Op1'
        $op1.GradioProxy.session.name | Should -Be 'proxy-pester'
        $op1.GradioProxy.session.SessionId | Should -Be $S.SessionId
        # PowerShai's scripts call what New- returned.
        @((& $op1 -Val 'via-info').data)[0] | Should -Be 'via-info'
    }

    It 'an unknown -ApiName is POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI and creates nothing' {
        $e = Get-PshaiError { New-GradioSessionApiProxyFunction -ApiName 'no_such_api' -Session $S -Prefix 'PshaiNope' }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI'
        "$($e.Exception.Message)" | Should -Match 'no_such_api'
        @(Get-Command 'PshaiNope*' -ErrorAction SilentlyContinue).Count | Should -Be 0
    }

    It 'calls the endpoint and writes its result' {
        $r = @(PshaiTestOp1 -Val 'abc')
        $r.Count | Should -Be 1
        $r[0].event | Should -Be 'complete'
        @($r[0].data)[0] | Should -Be 'abc'
        $r[0].ts | Should -BeOfType [datetime]
    }

    It "streams PowerShai's chained scenario exactly: Op2 | Op1 -map val=0" {
        $out = @(PshaiTestOp2 -MaxNums 5 -sleep 50 | PshaiTestOp1 -map val=0)
        @($out | ForEach-Object { @($_.data)[0] }) | Should -Be $Expected
        @(PshaiTestOp2 -MaxNums 3 -sleep 10).Count | Should -Be 6
        $out[3].pipeline.Count | Should -Be 1
        @($out[3].pipeline[0].data)[0] | Should -Be '3'
        $out[3].pipeline[0].PSObject.TypeNames | Should -Contain 'PowershaiType:GradioApiEventResult'
    }

    It 'stops the stream when the pipeline stops' {
        # the call holds after its first partial on a gate opened only after the pipeline returned:
        # a proxy that read on to the end would come back with the call complete ("timed out")
        $key = New-PshaiKey 'proxy'
        $first = @(PshaiTestGated -Key $key | Select-Object -First 1)
        @($first | ForEach-Object { @($_.data)[0] }) | Should -Be @("${key}: waiting")
        $call = @(Get-GradioSessionApi -Session $S)[-1]
        $call.ApiEvent.Status | Should -Not -Be 'complete'
        $opened = @(PshaiTestReleaseGate -Key $key)
        @($opened[-1].data)[0] | Should -Be "${key}: opened"
        $rest = @($call | Update-GradioSessionApiResult)
        Get-PshaiResultValues $rest | Should -Be @("${key}: released")
        $call.ApiEvent.Status | Should -Be 'complete'
    }

    It 'types parameters from the schema' {
        $p = (Get-Command PshaiTestTyped).Parameters
        $p['Number'].ParameterType | Should -Be ([decimal])
        $p['Slider'].ParameterType | Should -Be ([decimal])
        $p['Flag'].ParameterType | Should -Be ([bool])
        $p['Choice'].ParameterType | Should -Be ([string])
        $p['Doc'].ParameterType | Should -Be ([object])
        (Get-Command PshaiTestOp2).Parameters['MaxNums'].ParameterType | Should -Be ([int])
        $set = $p['Choice'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
        @($set.ValidValues) | Should -Be @('red', 'green', 'blue')
        foreach ($added in 'Manual', 'ApiResultMap', 'DebugData', 'ApiToken', 'PipeObj') {
            $p.ContainsKey($added) | Should -BeTrue
        }
        $p['ApiResultMap'].Aliases | Should -Contain 'map'
        $p['ApiResultMap'].Aliases | Should -Contain 'arm'
    }

    It 'offers the ValidateSet choices to tab completion' {
        $line = 'PshaiTestTyped -Choice '
        $matches = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        @($matches | ForEach-Object { $_.CompletionText } | Sort-Object) | Should -Be @('blue', 'green', 'red')
        { PshaiTestTyped -Choice purple } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'uploads a file parameter given a relative local path' {
        Set-Content -LiteralPath (Join-Path $TestDrive 'notes.txt') -Value 'hello'
        Push-Location $TestDrive
        try { $r = @(PshaiTestTyped -Doc 'notes.txt' -Number 2) } finally { Pop-Location }
        @($r[-1].data)[0] | Should -BeLike '*doc=notes.txt*'
        @($r[-1].data)[0] | Should -BeLike "*choice='green'*"
    }

    It '-Manual returns the call instead of its results' {
        $call = PshaiTestOp1 -Val 'manual' -Manual
        $call.PSObject.TypeNames | Should -Contain 'PowershaiType:SessionApiEvent'
        $results = @(Update-GradioSessionApiResult -Id $call -session $S)
        @($results[-1].data)[0] | Should -Be 'manual'
    }

    It '-DebugData shows what would be sent without calling' {
        $d = PshaiTestOp2 -MaxNums 2 -DebugData
        @($d.Data) | Should -Be @(2, 50)
    }

    It 'refuses to replace a command that is not a proxy function unless -Force' {
        function global:PshaiClashOp1 { 'mine' }
        try {
            { $S | New-GradioSessionApiProxyFunction -ApiName Op1 -Prefix PshaiClash } |
                Should -Throw -ErrorId 'POWERSHAI_HUGGINGFACE_NEWGRADIOPROXY_EXISTS*'
            PshaiClashOp1 | Should -Be 'mine'
            $null = $S | New-GradioSessionApiProxyFunction -ApiName Op1 -Prefix PshaiClash -Force
            @((PshaiClashOp1 -Val 'z').data)[0] | Should -Be 'z'
            # replacing a proxy function needs no -Force
            $again = @($S | New-GradioSessionApiProxyFunction -ApiName Op1 -Prefix PshaiClash)
            @($again | ForEach-Object { $_.Name }) | Should -Be @('PshaiClashOp1')
            @((PshaiClashOp1 -Val 'y').data)[0] | Should -Be 'y'
        } finally {
            Remove-Item function:\PshaiClashOp1 -ErrorAction SilentlyContinue
        }
    }

    It 'fails clearly when its session was removed' {
        $null = New-GradioSession $G6.Url -Name 'proxy-doomed' -Force
        $null = New-GradioSessionApiProxyFunction -ApiName Op1 -Prefix 'Doomed' -Session 'proxy-doomed'
        Remove-GradioSession -Name 'proxy-doomed'
        $e = Get-PshaiError { DoomedOp1 -Val 'x' }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_GRADIO_APIPROXY_INVOKE_NOSESSION'
    }
}

Describe 'Get/Remove-GradioSessionApiProxyFunction' {
    It 'lists the functions of a session and removes them' {
        $list = @(Get-GradioSessionApiProxyFunction -Session $S)
        $list.Name | Should -Contain 'PshaiTestEcho'
        $list[0].PSObject.TypeNames | Should -Contain 'PowershaiType:GradioProxyFunction'
        $list[0] | Should -BeOfType [System.Management.Automation.FunctionInfo]
        ($list | Where-Object Name -eq 'PshaiTestEcho').GradioProxy.ApiName | Should -Be 'echo'
        $list | Where-Object Name -eq 'PshaiTestEcho' | Remove-GradioSessionApiProxyFunction
        Get-Command PshaiTestEcho -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        @(Get-GradioSessionApiProxyFunction -Session $S).Name | Should -Not -Contain 'PshaiTestEcho'
    }
}

Describe 'Invoke-GradioDynamicApi' {
    It 'calls an endpoint with parameters given by name' {
        $r = @(Invoke-GradioDynamicApi -ApiName echo -Session $S -text 'hi')
        @($r[-1].data)[0] | Should -Be 'echo: hi'
    }

    It 'has real dynamic parameters: Get-Command -ArgumentList lists the endpoint inputs, typed' {
        $p = (Get-Command Invoke-GradioDynamicApi -ArgumentList 'typed', $S.name).Parameters
        foreach ($name in 'Number', 'Slider', 'Flag', 'Choice', 'Doc', 'Picture') { $p.ContainsKey($name) | Should -BeTrue }
        $p['Number'].IsDynamic | Should -BeTrue
        $p['Number'].ParameterType | Should -Be ([decimal])
        $p['Flag'].ParameterType | Should -Be ([bool])
        (Get-Command Invoke-GradioDynamicApi -ArgumentList 'echo', $S.name).Parameters.ContainsKey('Number') | Should -BeFalse
    }

    It 'tab-completes the parameter names and the choices of the endpoint' {
        $line = "Invoke-GradioDynamicApi echo $($S.name) -te"
        @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText) | Should -Be @('-Text')
        $line = "Invoke-GradioDynamicApi typed $($S.name) -Choice "
        @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Sort-Object) |
            Should -Be @('blue', 'green', 'red')
    }

    It 'binds the dynamic parameters and checks them like static ones' {
        $r = @(Invoke-GradioDynamicApi typed $S.name -Number 3 -Choice red)
        @($r[-1].data)[0] | Should -BeLike "number=3 *choice='red'*"
        { Invoke-GradioDynamicApi typed $S.name -Choice purple } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Connect-HuggingFaceSpaceGradio (Hub stand-in)' {
    It 'wakes a sleeping Space, shows progress and connects a Space:owner/name session' {
        # A runspace of its own, so its progress records can be read back.
        $ps = [powershell]::Create()
        try {
            $manifest = Get-PshaiModuleManifest
            $null = $ps.AddScript("Import-Module '$manifest'; Connect-HuggingFaceSpaceGradio -space 'powershai/tests-gradio'")
            $out = @($ps.Invoke())
            $ps.Streams.Error | Should -BeNullOrEmpty
            $out[0].name | Should -Be 'Space:powershai/tests-gradio'
            $root = $G6.Url
            if ($G6.Version -ge 5) { $root = $G6.Url + '/gradio_api' }
            $out[0].AppUrl | Should -Be $root
            $status = @($ps.Streams.Progress | ForEach-Object { $_.StatusDescription })
            $status | Should -Contain 'Space is asleep; waking it up'
            $status | Should -Contain 'Space is building'
            $status | Should -Contain 'Space is running'
        } finally {
            $null = $ps.Commands.Clear()
            $null = $ps.AddScript('Remove-Module PowershaiPy -Force')
            $null = $ps.Invoke()
            $ps.Dispose()
        }
    }

    It 'needs the token for a private Space' {
        $e = Get-PshaiError { Connect-HfSpaceGradio 'powershai/private-tests-gradio' }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_SPACE_NOTFOUND'
        $session = Connect-HuggingFaceSpaceGradio 'powershai/private-tests-gradio' -Token 'hf_standin'
        $session.name | Should -Be 'Space:powershai/private-tests-gradio'
        (Get-HuggingFaceSpace 'powershai/tests-gradio').sdk | Should -Be 'gradio'
    }
}
