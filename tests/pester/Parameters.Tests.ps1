Set-StrictMode -Version Latest

# Parameters that had no behavioural test from PowerShell: -MaxHeartBeats (both Update cmdlets),
# Send-GradioApi -SessionHash/-EventId/-token, Stop-GradioSessionApi -Id/-session, Invoke-
# GradioDynamicApi -Params, Invoke-GradioSessionApi -EventId/-Token, and the aliases of the spec.
# One real Gradio 6 server with a heartbeat every second (GRADIO_HEARTBEAT_INTERVAL=1), and
# tests/fakes/fault_proxy.py in front of it to read back what a cmdlet sent (headers, body).
# Valid for Windows PowerShell 5.1 and PowerShell 7 (Pester 5).

BeforeAll {
    # Pester runs the blocks in scopes below this one, not below the file's top line
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $oldInterval = $env:GRADIO_HEARTBEAT_INTERVAL
    $env:GRADIO_HEARTBEAT_INTERVAL = '1'
    try { $script:G6 = Start-PshaiGradioApp -Version 6 } finally { $env:GRADIO_HEARTBEAT_INTERVAL = $oldInterval }
    $script:Api = $G6.Url + '/gradio_api'

    $script:Proxy = Start-PshaiHelperServer -Module 'tests.fakes.fault_proxy' -Upstream $G6.Url
    $script:ProxyUrl = $Proxy.Url
    $script:ProxyApi = $ProxyUrl + '/gradio_api'

    $null = Import-PshaiTestModule
    Clear-PshaiSessions
    $script:S = New-GradioSession $G6.Url -Name 'params'

    function Clear-ProxyLog {
        $null = Invoke-RestMethod -Method Delete -Uri "$ProxyUrl/__faults__"
    }

    function Get-ProxyRequest {
        <# The requests the proxy forwarded since Clear-ProxyLog, oldest first; -Method/-Path filter. #>
        param([string]$Method, [string]$PathLike = '*')
        $all = Invoke-RestMethod -Method Get -Uri "$ProxyUrl/__faults__/requests"
        @($all | Where-Object { (-not $Method -or $_.method -eq $Method) -and $_.path -like $PathLike })
    }

    function Get-Header {
        # Header names are case-insensitive on the wire.
        param($Request, [string]$Name)
        $p = @($Request.headers.PSObject.Properties | Where-Object { $_.Name -eq $Name })
        if ($p.Count) { "$($p[0].Value)" } else { $null }
    }

    function Get-Last {
        param($Results)
        @(@($Results)[-1].data)[0]
    }
}

AfterAll {
    if (Get-Module PowershaiPy) { Clear-PshaiSessions }
    Remove-PshaiTestModule
    Stop-PshaiHelperServer $Proxy
    Stop-PshaiGradioApp $G6
}

Describe '-MaxHeartBeats' {
    It 'Update-GradioSessionApiResult stops after N heartbeats in a row, HeartBeatExpired; a later run continues' {
        # gated yields its first partial, then holds (a heartbeat a second) until the gate opens
        $key = New-PshaiKey 'hbs'
        $ev = Invoke-GradioSessionApi gated @($key) -session params
        $first = @($ev | Update-GradioSessionApiResult -MaxHeartBeats 2)
        Get-PshaiResultValues $first | Should -Be @("${key}: waiting")
        $afterPartial = @($first | Select-Object -Skip (1 + [array]::IndexOf(@($first | ForEach-Object { $_.event }), 'generating')))
        @($afterPartial | ForEach-Object { $_.event }) | Should -Be @('heartbeat', 'heartbeat')
        $ev.ApiEvent.LastQueryStatus | Should -Be 'HeartBeatExpired'
        $ev.ApiEvent.Status | Should -Not -Be 'complete'

        $null = Invoke-GradioSessionApi release_gate @($key) -session params | Update-GradioSessionApiResult
        $rest = @(Update-GradioSessionApiResult $ev.id -session params)
        $rest[0].num | Should -Be ($first[-1].num + 1)
        Get-PshaiResultValues $rest | Should -Be @("${key}: released")
        $rest[-1].event | Should -Be 'complete'
        $ev.ApiEvent.LastQueryStatus | Should -Be 'complete'
        $ev.ApiEvent.Status | Should -Be 'complete'
    }

    It 'Update-GradioSessionApiResult takes -MaxHeartBeats by position (after -Id)' {
        $key = New-PshaiKey 'hbpos'
        $ev = Invoke-GradioSessionApi gated @($key) -session params
        $first = @(Update-GradioSessionApiResult $ev.id 1 params)
        @($first | ForEach-Object { $_.event })[-1] | Should -Be 'heartbeat'
        $ev.ApiEvent.LastQueryStatus | Should -Be 'HeartBeatExpired'
        $null = Invoke-GradioSessionApi release_gate @($key) -session params | Update-GradioSessionApiResult
        Get-PshaiResultValues @($ev | Update-GradioSessionApiResult) | Should -Be @("${key}: released")
    }

    It 'Update-GradioApiResult stops after N heartbeats in a row, HeartBeatExpired; a later run continues' {
        $key = New-PshaiKey 'hbbare'
        $ev = Send-GradioApi -AppUrl $Api -ApiName gated -Params @($key)
        $first = @($ev | Update-GradioApiResult -MaxHeartBeats 3)
        Get-PshaiResultValues $first | Should -Be @("${key}: waiting")
        $afterPartial = @($first | Select-Object -Skip (1 + [array]::IndexOf(@($first | ForEach-Object { $_.event }), 'generating')))
        @($afterPartial | ForEach-Object { $_.event }) | Should -Be @('heartbeat', 'heartbeat', 'heartbeat')
        $ev.LastQueryStatus | Should -Be 'HeartBeatExpired'
        $ev.Status | Should -Not -Be 'complete'

        $opened = @(Send-GradioApi -AppUrl $Api -ApiName release_gate -Params @($key) | Update-GradioApiResult)
        Get-Last $opened | Should -Be "${key}: opened"
        $rest = @($ev | Update-GradioApiResult)
        $rest[0].num | Should -Be ($first[-1].num + 1)
        Get-PshaiResultValues $rest | Should -Be @("${key}: released")
        $rest[-1].event | Should -Be 'complete'
        $ev.LastQueryStatus | Should -Be 'complete'
        $ev.Status | Should -Be 'complete'
    }
}

Describe 'Send-GradioApi' {
    It '-SessionHash is sent with the call: calls with one hash share gr.State, another hash starts afresh' {
        $hash = 'pshai' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        $other = 'pshai' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        Clear-ProxyLog
        $one = Send-GradioApi -AppUrl $ProxyApi -ApiName counter -Params @('a') -SessionHash $hash
        $one.SessionHash | Should -Be $hash
        Get-Last @($one | Update-GradioApiResult) | Should -Be 'a #1'
        Get-Last @(Send-GradioApi $ProxyApi counter @('a') $hash | Update-GradioApiResult) | Should -Be 'a #2'
        Get-Last @(Send-GradioApi $ProxyApi counter @('b') $other | Update-GradioApiResult) | Should -Be 'b #1'
        # on the wire: the call's body carries the hash given
        $posts = @(Get-ProxyRequest -Method POST | Where-Object { $_.path -match '/(queue/join|call/counter)$' })
        $posts.Count | Should -Be 3
        @($posts | ForEach-Object { ($_.body | ConvertFrom-Json).session_hash }) | Should -Be @($hash, $hash, $other)
    }

    It 'without -SessionHash each call stands alone, as PowerShai posts it: no gr.State is shared' {
        Get-Last @(Send-GradioApi $ProxyApi counter @('c') | Update-GradioApiResult) | Should -Be 'c #1'
        Get-Last @(Send-GradioApi $ProxyApi counter @('c') | Update-GradioApiResult) | Should -Be 'c #1'
    }

    It '-EventId posts nothing and reads the results of the event given' {
        $posted = Invoke-GradioHttp "$Api/call/echo" POST @{ data = @('posted elsewhere') }
        Clear-ProxyLog
        $ev = Send-GradioApi -AppUrl $ProxyApi -ApiName echo -Params @('not sent') -EventId $posted.event_id
        $ev.EventId | Should -Be $posted.event_id
        @(Get-ProxyRequest -Method POST).Count | Should -Be 0
        $results = @($ev | Update-GradioApiResult)
        Get-Last $results | Should -Be 'echo: posted elsewhere'
        $ev.Status | Should -Be 'complete'
        @(Get-ProxyRequest -Method GET -PathLike "*/call/echo/$($posted.event_id)").Count | Should -Be 1
    }

    It '-token goes as the Bearer token of the call' {
        Clear-ProxyLog
        $ev = Send-GradioApi -AppUrl $ProxyApi -ApiName echo -Params @('with token') -token 'tok_send_api_1'
        Get-Last @($ev | Update-GradioApiResult) | Should -Be 'echo: with token'
        $posts = @(Get-ProxyRequest -Method POST | Where-Object { $_.path -match '/(queue/join|call/echo)$' })
        $posts.Count | Should -Be 1
        Get-Header $posts[0] 'Authorization' | Should -Be 'Bearer tok_send_api_1'
        ($posts[0].body | ConvertFrom-Json).data | Should -Be @('with token')
    }
}

Describe 'Stop-GradioSessionApi' {
    It 'cancels the call given by -Id (its id string) in the session given by name' {
        # running: its first partial came; only the cancel ends it without '--end--' (100 s)
        $ev = Invoke-GradioSessionApi Op2 @{ MaxNums = 1000; sleep = 100 } -session params
        @((Update-GradioSessionApiResult -Id $ev.id -session params | Select-Object -First 1).data)[0] | Should -Be '--start--'
        $stopped = @(Stop-GradioSessionApi -Id $ev.id -session params)
        @($stopped | ForEach-Object { $_.id }) | Should -Be @($ev.id)
        $results = @(Update-GradioSessionApiResult -Id $ev.id -session params)
        $results[-1].event | Should -Be 'complete'
        $results[-1].data | Should -BeNullOrEmpty
        Get-PshaiResultValues $results | Should -Not -Contain '--end--'
        $ev.ApiEvent.Status | Should -Be 'cancelled'
        # the call stays in the session
        @(Get-GradioSessionApi -Session params | ForEach-Object { $_.id }) | Should -Contain $ev.id
    }

    It 'an id the session does not hold is POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT' {
        Assert-PshaiErrorId (Get-PshaiError { Stop-GradioSessionApi -Id 'no-such-event' -session params }) 'POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT'
    }

    It 'a session name that does not exist is POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND' {
        $ev = Invoke-GradioSessionApi echo @('x') -session params
        $e = Get-PshaiError { Stop-GradioSessionApi -Id $ev.id -session 'no-such-session' }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND'
        $e.FullyQualifiedErrorId | Should -Be 'POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND,Stop-GradioSessionApi'
        $null = $ev | Update-GradioSessionApiResult
    }
}

Describe 'Invoke-GradioDynamicApi -Params' {
    It 'takes -name value pairs after the fixed parameters' {
        $r = @(Invoke-GradioDynamicApi echo params -text 'by pairs')
        $r[-1].event | Should -Be 'complete'
        Get-Last $r | Should -Be 'echo: by pairs'
    }

    It 'takes a hashtable by parameter name; a name left out gets its /info default' {
        # Op2(MaxNums, sleep=50): only MaxNums given
        $r = @(Invoke-GradioDynamicApi -ApiName Op2 -Session $S -Params @{ MaxNums = 2 })
        Get-PshaiResultValues $r | Should -Be @('--start--', '1', '2', '--end--')
        Get-Last $r | Should -Be '--end--'
    }

    It 'an endpoint the app does not have is POWERSHAI_HUGGINGFACE_GRADIO_APIINVOKE (as PowerShai), listing the valid names' {
        $e = Get-PshaiError { Invoke-GradioDynamicApi -ApiName 'no_such_api' -Session $S -Params @{ text = 'x' } }
        Assert-PshaiErrorId $e 'POWERSHAI_HUGGINGFACE_GRADIO_APIINVOKE'
        $e.FullyQualifiedErrorId | Should -Be 'POWERSHAI_HUGGINGFACE_GRADIO_APIINVOKE,Invoke-GradioDynamicApi'
        "$($e.Exception.Message)" | Should -Match '^POWERSHAI_HUGGINGFACE_GRADIO_APIINVOKE: Api name no_such_api not found\. Valid names: .*\becho\b'
    }
}

Describe 'Invoke-GradioSessionApi -EventId and -Token' {
    BeforeAll {
        $script:T = New-GradioSession $ProxyUrl -Name 'params-proxy' -Token 'tok_session_1'
    }

    It '-EventId records the event in the session without posting a call' {
        $posted = Invoke-GradioHttp "$Api/call/echo" POST @{ data = @('from outside') }
        Clear-ProxyLog
        $ev = Invoke-GradioSessionApi echo @('not sent') $posted.event_id params-proxy
        $ev.id | Should -Be $posted.event_id
        @(Get-ProxyRequest -Method POST).Count | Should -Be 0
        @(Get-GradioSessionApi -Session params-proxy | ForEach-Object { $_.id }) | Should -Contain $posted.event_id
        $r = @(Update-GradioSessionApiResult $posted.event_id -session params-proxy)
        Get-Last $r | Should -Be 'echo: from outside'
        $ev.ApiEvent.Status | Should -Be 'complete'
    }

    It '-Token replaces the session''s token for that call only' {
        Clear-ProxyLog
        Get-Last @(Invoke-GradioSessionApi echo @('t1') -session params-proxy -Token 'tok_call_1' | Update-GradioSessionApiResult) | Should -Be 'echo: t1'
        Get-Last @(Invoke-GradioSessionApi echo @('t2') -session params-proxy | Update-GradioSessionApiResult) | Should -Be 'echo: t2'
        $posts = @(Get-ProxyRequest -Method POST | Where-Object { $_.path -match '/(queue/join|call/echo)$' })
        $posts.Count | Should -Be 2
        Get-Header $posts[0] 'Authorization' | Should -Be 'Bearer tok_call_1'
        Get-Header $posts[1] 'Authorization' | Should -Be 'Bearer tok_session_1'
    }

    It '-Token public sends the call without any token' {
        Clear-ProxyLog
        Get-Last @(Invoke-GradioSessionApi echo @('open') -session params-proxy -Token public | Update-GradioSessionApiResult) | Should -Be 'echo: open'
        $posts = @(Get-ProxyRequest -Method POST | Where-Object { $_.path -match '/(queue/join|call/echo)$' })
        $posts.Count | Should -Be 1
        Get-Header $posts[0] 'Authorization' | Should -BeNullOrEmpty
    }
}

Describe 'Environment variables set after the module started' {
    BeforeAll {
        $script:OldTokens = @($env:HF_API_TOKEN, $env:HF_TOKEN)
        # The worker (or the embedded Python) is running already: PowerShai reads $env: at each call.
        $null = Get-GradioSession
        $env:HF_TOKEN = $null
    }
    AfterAll {
        $env:HF_API_TOKEN = $OldTokens[0]
        $env:HF_TOKEN = $OldTokens[1]
        Remove-GradioSession -Name 'env-late' -ErrorAction SilentlyContinue
    }

    It '$env:HF_API_TOKEN set now is the token of a new session, and unset again is none' {
        $env:HF_API_TOKEN = 'tok_env_late_1'
        Clear-ProxyLog
        $late = New-GradioSession $ProxyUrl -Name 'env-late' -Force
        Get-Last @(Invoke-GradioSessionApi echo @('env') -session $late | Update-GradioSessionApiResult) | Should -Be 'echo: env'
        $posts = @(Get-ProxyRequest -Method POST | Where-Object { $_.path -match '/(queue/join|call/echo)$' })
        Get-Header $posts[-1] 'Authorization' | Should -Be 'Bearer tok_env_late_1'

        $env:HF_API_TOKEN = $null
        Clear-ProxyLog
        $late = New-GradioSession $ProxyUrl -Name 'env-late' -Force
        Get-Last @(Invoke-GradioSessionApi echo @('no env') -session $late | Update-GradioSessionApiResult) | Should -Be 'echo: no env'
        $posts = @(Get-ProxyRequest -Method POST | Where-Object { $_.path -match '/(queue/join|call/echo)$' })
        Get-Header $posts[-1] 'Authorization' | Should -BeNullOrEmpty
    }
}

Describe 'Aliases of the spec' {
    BeforeAll {
        $code = @'
import json, sys
from pathlib import Path
from powershai_py.generator import load_spec
spec = load_spec(Path(sys.argv[1]))
print(json.dumps([{"name": c.name, "aliases": list(c.aliases),
                   "parameters": [{"name": p.name, "aliases": list(p.aliases)} for p in c.parameters]}
                  for c in spec.cmdlets]))
'@
        $root = Get-PshaiRepoRoot
        $oldPath = $env:PYTHONPATH
        $env:PYTHONPATH = $root
        try {
            $json = & (Get-PshaiPython) -c $code (Join-Path $root 'PowerShellModule/spec/cmdlets.yaml')
        } finally { $env:PYTHONPATH = $oldPath }
        $script:Spec = @($json | ConvertFrom-Json)
        $script:CmdletAliases = @($Spec | ForEach-Object { $c = $_; @($c.aliases) | ForEach-Object { [pscustomobject]@{ Alias = $_; Cmdlet = $c.name } } })
    }

    It 'the spec names aliases (the check below is not empty)' {
        $CmdletAliases.Count | Should -BeGreaterThan 0
    }

    It 'every cmdlet alias resolves to its cmdlet' {
        foreach ($a in $CmdletAliases) {
            $alias = Get-Alias -Name $a.Alias -ErrorAction SilentlyContinue
            $alias | Should -Not -BeNullOrEmpty -Because "the spec gives $($a.Cmdlet) the alias $($a.Alias)"
            $alias.ResolvedCommandName | Should -Be $a.Cmdlet
            $alias.ModuleName | Should -Be 'PowershaiPy'
        }
    }

    It 'the module exports exactly the spec''s cmdlet aliases' {
        $exported = @((Get-Module PowershaiPy).ExportedAliases.Keys | Sort-Object)
        $exported | Should -Be @($CmdletAliases | ForEach-Object { $_.Alias } | Sort-Object)
    }

    It 'every parameter alias names its parameter' {
        $checked = 0
        foreach ($c in $Spec) {
            $command = Get-Command $c.name
            foreach ($p in @($c.parameters)) {
                foreach ($a in @($p.aliases)) {
                    $command.Parameters[$p.name].Aliases | Should -Contain $a
                    $checked++
                }
            }
        }
        $checked | Should -BeGreaterThan 0
    }

    It 'Get-GradioSession -Name (the alias of -Session) finds the session' {
        $found = @(Get-GradioSession -Name params)
        $found.Count | Should -Be 1
        $found[0].Name | Should -Be 'params'
    }

    It 'GradioApiFunction creates proxy functions like New-GradioSessionApiProxyFunction' {
        try {
            $made = @(GradioApiFunction -ApiName echo -Session params -Prefix 'PshaiAlias' -Force)
            @($made | ForEach-Object { $_.Name }) | Should -Be @('PshaiAliasEcho')
            Get-Last @(PshaiAliasEcho -Text 'via alias') | Should -Be 'echo: via alias'
        } finally {
            Get-GradioSessionApiProxyFunction -Session '*' | Remove-GradioSessionApiProxyFunction
        }
    }
}
