Set-StrictMode -Version Latest

# The runtime's compiled hot path (PowerShellModule/src/native/*.cs, joined by the generator into
# the module's PowershaiPy.Native.cs) and how Runtime.ps1
# builds it: compiled once into the user's cache folder (checked in child pwsh processes, since an
# assembly cannot be unloaded), the in-memory fallback, WireCodec both ways and WorkerLink over a pipe.
# Stopping a stream with Select-Object -First through the runtime is covered by Runtime.Tests.ps1.

BeforeAll {
    # Pester runs the blocks in scopes below this one, not below the file's top line
    Set-StrictMode -Version Latest
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $Manifest = (Resolve-Path (Get-PshaiModuleManifest)).Path
    $TempRoot = Join-Path ([IO.Path]::GetTempPath()) ('pshai-native-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $TempRoot

    $PwshCommand = Get-PshaiPwshCommand

    # Imports the module in a fresh process and reports how the native type got there. Add-Type is
    # shadowed by a counting function: the module's call resolves to it before the cmdlet.
    $ChildScript = Join-Path $TempRoot 'import-child.ps1'
    Set-Content -LiteralPath $ChildScript -Encoding UTF8 -Value @'
param([string]$Manifest)
$ErrorActionPreference = 'Stop'
$global:PshaiAddTypeCalls = 0
function global:Add-Type { $global:PshaiAddTypeCalls++; Microsoft.PowerShell.Utility\Add-Type @args }
Import-Module $Manifest
$codec = [PowershaiPy.Native.WireCodec]::new($null)
[pscustomobject]@{
    Command      = (Get-Command New-GradioSession -Module PowershaiPy).Name
    AddTypeCalls = $global:PshaiAddTypeCalls
    Location     = [PowershaiPy.Native.WireCodec].Assembly.Location
    Encoded      = $codec.Encode([ordered]@{ a = 'x"y'; when = [datetime]::new(2024, 1, 2, 3, 4, 5, [DateTimeKind]::Utc) }, '')
} | ConvertTo-Json -Compress
'@

    function Invoke-ChildImport {
        param([string]$CacheFolder)
        $saved = $env:POWERSHAI_PY_CACHE
        $env:POWERSHAI_PY_CACHE = $CacheFolder
        try {
            $exe = $PwshCommand[0]
            $prefix = @($PwshCommand | Select-Object -Skip 1)
            $lines = @(& $exe @prefix -NoProfile -NonInteractive -File $ChildScript -Manifest $Manifest 2>&1)
            $code = $LASTEXITCODE
        } finally {
            $env:POWERSHAI_PY_CACHE = $saved
        }
        $text = ($lines | ForEach-Object { "$_" }) -join "`n"
        if ($code -ne 0) { throw "the child import failed (exit $code): $text" }
        $json = @($lines | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('{') }) | Select-Object -Last 1
        if (-not $json) { throw "the child import printed no result: $text" }
        $json | ConvertFrom-Json
    }
}

AfterAll {
    Remove-PshaiTestModule
    if ($TempRoot -and (Test-Path -LiteralPath $TempRoot)) {
        Remove-Item -LiteralPath $TempRoot -Recurse -Force -ErrorAction SilentlyContinue
    }
}

Describe 'Native: compiled once into the cache folder' {
    BeforeAll {
        $Cache = Join-Path $TempRoot 'cache'
        $Native = Join-Path $Cache 'native'
        function Get-CachedDll { @(Get-ChildItem -LiteralPath $Native -Filter 'PowershaiPy.Native.*.dll' | Where-Object { $_.Name -notlike '*.tmp.dll' }) }
        function Get-TempDll { @(Get-ChildItem -LiteralPath $Native -Filter '*.tmp.dll') }
    }

    It 'compiles on the first import into POWERSHAI_PY_CACHE/native and loads it from there' {
        $r = Invoke-ChildImport -CacheFolder $Cache
        $r.Command | Should -Be 'New-GradioSession'
        $r.Encoded | Should -Be '{"a":"x\"y","when":{"$datetime":"2024-01-02T03:04:05.0000000+00:00"}}'
        $r.AddTypeCalls | Should -Be 1
        $dll = @(Get-CachedDll)
        $dll.Count | Should -Be 1
        $dll[0].Name | Should -Match '^PowershaiPy\.Native\.[0-9a-f]{20}\.dll$'
        @(Get-TempDll).Count | Should -Be 0
        [IO.Path]::GetFileName($r.Location) | Should -Be $dll[0].Name
    }

    It 'only loads the cached assembly on a later import' {
        $before = @(Get-CachedDll)
        $before.Count | Should -Be 1
        $r = Invoke-ChildImport -CacheFolder $Cache
        $r.Command | Should -Be 'New-GradioSession'
        $r.AddTypeCalls | Should -Be 0
        [IO.Path]::GetFileName($r.Location) | Should -Be $before[0].Name
        $after = @(Get-CachedDll)
        $after.Count | Should -Be 1
        $after[0].Name | Should -Be $before[0].Name
        $after[0].LastWriteTimeUtc | Should -Be $before[0].LastWriteTimeUtc
        @(Get-TempDll).Count | Should -Be 0
    }

    It 'replaces a damaged cached assembly: this import compiles in memory, the next one rebuilds it' {
        $dll = @(Get-CachedDll)
        $dll.Count | Should -Be 1
        [IO.File]::WriteAllText($dll[0].FullName, 'not an assembly')
        $r = Invoke-ChildImport -CacheFolder $Cache
        $r.Command | Should -Be 'New-GradioSession'
        $r.Location | Should -BeNullOrEmpty
        @(Get-CachedDll).Count | Should -Be 0
        $r = Invoke-ChildImport -CacheFolder $Cache
        $r.AddTypeCalls | Should -Be 1
        [IO.Path]::GetFileName($r.Location) | Should -Be $dll[0].Name
    }

    It 'survives two first imports at the same time: one assembly, no temporary files' {
        $shared = Join-Path $TempRoot 'cache-race'
        $saved = $env:POWERSHAI_PY_CACHE
        $env:POWERSHAI_PY_CACHE = $shared
        try {
            $children = foreach ($n in 1, 2) {
                $out = Join-Path $TempRoot "race-$n.out"
                $arguments = @($PwshCommand | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File',
                    $ChildScript, '-Manifest', $Manifest)
                Start-Process -FilePath $PwshCommand[0] -ArgumentList $arguments -NoNewWindow -PassThru `
                    -RedirectStandardOutput $out -RedirectStandardError "$out.err"
            }
            foreach ($child in $children) { $child.WaitForExit(120000) | Should -BeTrue }
        } finally {
            $env:POWERSHAI_PY_CACHE = $saved
        }
        foreach ($n in 1, 2) {
            $json = @(Get-Content -LiteralPath (Join-Path $TempRoot "race-$n.out") | Where-Object { $_.StartsWith('{') })
            $json.Count | Should -Be 1
            ($json[0] | ConvertFrom-Json).Command | Should -Be 'New-GradioSession'
        }
        $native = Join-Path $shared 'native'
        @(Get-ChildItem -LiteralPath $native -Filter '*.dll' | Where-Object { $_.Name -notlike '*.tmp.dll' }).Count | Should -Be 1
        @(Get-ChildItem -LiteralPath $native -Filter '*.tmp.dll').Count | Should -Be 0
    }

    It 'compiles in memory when the cache folder cannot be created' {
        $blocker = Join-Path $TempRoot 'a-file'
        Set-Content -LiteralPath $blocker -Value 'not a folder'
        $r = Invoke-ChildImport -CacheFolder (Join-Path $blocker 'cache')
        $r.Command | Should -Be 'New-GradioSession'
        $r.Encoded | Should -Be '{"a":"x\"y","when":{"$datetime":"2024-01-02T03:04:05.0000000+00:00"}}'
        # Loaded from no file: the in-memory compile.
        $r.Location | Should -BeNullOrEmpty
        Test-Path -LiteralPath $blocker -PathType Leaf | Should -BeTrue
    }
}

Describe 'Native: WireCodec' {
    BeforeAll {
        # Importing the module loads the native type into this process.
        $null = Import-PshaiTestModule
        $Codec = [PowershaiPy.Native.WireCodec]::new($null)
    }

    It 'updates a live object in place when the same $type and $id come again' {
        $first = $Codec.DecodeJson('{"$type":"FakeLive","$id":"a1","Name":"one","Counter":1,"$toString":"Name","$live":["Calls"]}', $false)
        $first.PSObject.TypeNames[0] | Should -Be 'PowershaiType:FakeLive'
        $first.Counter | Should -Be 1
        "$first" | Should -Be 'one'
        $first.PSObject.Properties['Calls'].MemberType | Should -Be 'ScriptProperty'
        $first.PSObject.Properties.Name | Should -Not -Contain '$type'

        $second = $Codec.DecodeJson('{"$type":"FakeLive","$id":"a1","Name":"one","Counter":2,"Extra":"new"}', $false)
        [object]::ReferenceEquals($first, $second) | Should -BeTrue
        $first.Counter | Should -Be 2
        $first.Extra | Should -Be 'new'
        [object]::ReferenceEquals($Codec.LiveCache['FakeLive|a1'], $first) | Should -BeTrue

        $otherId = $Codec.DecodeJson('{"$type":"FakeLive","$id":"a2"}', $false)
        $otherType = $Codec.DecodeJson('{"$type":"Other","$id":"a1"}', $false)
        [object]::ReferenceEquals($otherId, $first) | Should -BeFalse
        [object]::ReferenceEquals($otherType, $first) | Should -BeFalse
        $noId = '{"$type":"Echo","v":1}'
        [object]::ReferenceEquals($Codec.DecodeJson($noId, $false), $Codec.DecodeJson($noId, $false)) | Should -BeFalse
    }

    It 'gives $plain values as ConvertFrom-Json does, with no typed objects inside' {
        $json = '{"a":{"b":[1,2.5,"x",null,true]},"$type":"NotTyped","$id":"n1","e":[],"d":{"$hashtable":{"k":1}}}'
        $decoded = $Codec.DecodeJson('{"$plain":' + $json + '}', $false)
        $decoded.PSObject.BaseObject | Should -BeOfType [System.Management.Automation.PSCustomObject]
        $decoded.PSObject.TypeNames[0] | Should -Not -BeLike 'PowershaiType:*'
        $decoded.'$type' | Should -Be 'NotTyped'
        $decoded.d.'$hashtable'.k | Should -Be 1
        , $decoded.a.b | Should -BeOfType [object[]]
        $expected = $json | ConvertFrom-Json
        ($decoded | ConvertTo-Json -Depth 10 -Compress) | Should -Be ($expected | ConvertTo-Json -Depth 10 -Compress)
        $Codec.LiveCache.ContainsKey('NotTyped|n1') | Should -BeFalse
    }

    It 'keeps a $plain object with an empty key name as an ordered hashtable (no PSObject can hold it)' {
        $decoded = $Codec.DecodeJson('{"$plain":{"outer":{"":"blank","k":2}}}', $false)
        $decoded.outer | Should -BeOfType [System.Collections.Specialized.OrderedDictionary]
        $decoded.outer[''] | Should -Be 'blank'
        $decoded.outer['k'] | Should -Be 2
    }

    It 'gives $hashtable values as ordered, case-insensitive dictionaries all the way down' {
        $h = $Codec.DecodeJson('{"$hashtable":{"zeta":1,"Alpha":{"inner":[{"x":2}]},"mid":"m"}}', $false)
        $h | Should -BeOfType [System.Collections.Specialized.OrderedDictionary]
        @($h.Keys) | Should -Be @('zeta', 'Alpha', 'mid')
        $h['alpha'] | Should -BeOfType [System.Collections.Specialized.OrderedDictionary]
        $h['ALPHA']['inner'][0]['x'] | Should -Be 2
    }

    It 'gives $datetime values as local [datetime]' {
        $d = $Codec.DecodeJson('{"$datetime":"2024-05-06T07:08:09+02:00"}', $false)
        $d | Should -BeOfType [datetime]
        $d.Kind | Should -Be 'Local'
        $d.ToUniversalTime() | Should -Be ([datetime]::new(2024, 5, 6, 5, 8, 9, [DateTimeKind]::Utc))
    }

    It 'rejects malformed JSON' {
        foreach ($bad in @('', ' ', '{', '{"a":1,}', '{"a" 1}', '[1,2', '[1,]', '"open', '{"a":1} x',
                "{'a':1}", 'tru', '{"a":"\q"}', '{"a":1.2.3}', '{"a":"\u12"}')) {
            { $Codec.DecodeJson($bad, $false) } | Should -Throw -ExpectedMessage '*invalid JSON*' -Because "'$bad' is not JSON"
        }
    }

    It 'sends a decoded live object back as a $ref' {
        $s = $Codec.DecodeJson('{"$type":"GradioSession","$id":"s-1","name":"x","IsDefault":false}', $false)
        $Codec.Encode($s, 'Session') | Should -Be '{"$ref":{"$type":"GradioSession","$id":"s-1"}}'
        $Codec.Encode(@($s, 1), 'Session') | Should -Be '[{"$ref":{"$type":"GradioSession","$id":"s-1"}},1]'
    }

    It 'sends datetimes as $datetime and gets the same instant back' {
        $utc = [datetime]::new(2024, 5, 6, 7, 8, 9, [DateTimeKind]::Utc)
        $Codec.Encode($utc, '') | Should -Be '{"$datetime":"2024-05-06T07:08:09.0000000+00:00"}'
        $local = [datetime]::new(2024, 5, 6, 7, 8, 9, [DateTimeKind]::Local)
        $back = $Codec.DecodeJson($Codec.Encode($local, ''), $false)
        $back | Should -Be $local
    }

    It 'sends a SecureString as $secret and a PSCredential as $credential' {
        $secure = ConvertTo-SecureString 'pa"ss' -AsPlainText -Force
        $Codec.Encode($secure, 'Token') | Should -Be '{"$secret":"pa\"ss"}'
        $credential = [pscredential]::new('me', $secure)
        $Codec.Encode($credential, 'Credential') | Should -Be '{"$credential":{"username":"me","password":"pa\"ss"}}'
    }

    It 'sends nested script blocks as $scriptblock naming the parameter, and keeps direct ones' {
        $Codec.Encode([ordered]@{ when = 'now'; call = { 'hi' } }, 'Options') |
            Should -Be '{"when":"now","call":{"$scriptblock":"Options"}}'

        $blocks = @{}
        $bound = [ordered]@{ Script = { 1 }; Options = [ordered]@{ cb = { 2 } }; Verbose = [switch]$true; Flag = [switch]$true }
        $json = $Codec.EncodeCmdletParams('Invoke-X', $bound, @{ Verbose = $true }, '/here', $blocks, $false, $null, 'tok_12345')
        $json | Should -Be ('{"name":"Invoke-X","args":{"Script":{"$scriptblock":"Script"},' +
            '"Options":{"cb":{"$scriptblock":"Options"}},"Flag":true},"cwd":"/here","token":"tok_12345"}')
        @($blocks.Keys) | Should -Be @('Script')
        $blocks['Script'] | Should -BeOfType [scriptblock]
    }

    It 'round-trips strings with quotes, newlines, control characters and non-ASCII text' {
        $text = -join @('quote " backslash \ slash / ', "tab`t cr`r lf`n", [char]0, [char]1, [char]0x1b, [char]0x1f,
            [char]0x7f, ' ', [char]0xE9, [char]0x2713, [char]0x2028, [char]0xD83D, [char]0xDE00, ' lone ', [char]0xD800)
        $json = $Codec.Encode($text, '')
        $json | Should -Not -Match '[\x00-\x1f]'
        $Codec.DecodeJson($json, $false) | Should -BeExactly $text

        $back = $Codec.DecodeJson($Codec.Encode([ordered]@{ "k`"ey`n" = $text }, ''), $false)
        $back."k`"ey`n" | Should -BeExactly $text
    }

    It 'refuses a value that contains itself instead of hanging' {
        $table = @{ name = 'x' }
        $table.self = $table
        { $Codec.Encode($table, 'Data') } | Should -Throw -ExpectedMessage "*'Data' is nested more than 100 levels*"
        $list = [System.Collections.ArrayList]::new()
        $null = $list.Add($list)
        { $Codec.Encode($list, 'Items') } | Should -Throw -ExpectedMessage '*nested more than*'
        $object = [pscustomobject]@{ a = 1 }
        $object | Add-Member -NotePropertyName me -NotePropertyValue $object
        { $Codec.Encode($object, 'Object') } | Should -Throw -ExpectedMessage '*nested more than*'
    }
}

Describe 'Native: WorkerLink' {
    BeforeAll {
        $null = Import-PshaiTestModule
        $Codec = [PowershaiPy.Native.WireCodec]::new($null)
    }

    It 'matches answers to requests by id, waits without blocking, and closes the stream of an abandoned cmdlet' {
        # The worker's stdout is a pipe this test writes to; its stdin is a memory stream.
        $server = [System.IO.Pipes.AnonymousPipeServerStream]::new([System.IO.Pipes.PipeDirection]::Out)
        $client = [System.IO.Pipes.AnonymousPipeClientStream]::new([System.IO.Pipes.PipeDirection]::In, $server.ClientSafePipeHandle)
        $utf8 = [Text.UTF8Encoding]::new($false)
        $worker = [IO.StreamWriter]::new($server, $utf8)
        $worker.AutoFlush = $true
        $reader = [IO.StreamReader]::new($client, $utf8)
        $sent = [IO.MemoryStream]::new()
        $link = [PowershaiPy.Native.WorkerLink]::new($sent, $reader, $Codec)
        $noAnswer = [PowershaiPy.Native.WorkerLink]::NoAnswer
        try {
            $a = $link.SendRequest('cmdlet', '{"name":"A"}')
            $b = $link.SendRequest('object/get', '{}')
            [object]::ReferenceEquals($link.TryResult($a, 50, $false), $noAnswer) | Should -BeTrue

            # Out of order, with a stray line in between.
            $worker.WriteLine('{"jsonrpc":"2.0","id":' + $b + ',"result":{"k":{"v":1}}}')
            $worker.WriteLine('stray text')
            $worker.WriteLine('{"jsonrpc":"2.0","id":' + $a + ',"result":{"messages":[],"output":[7],"items":[],"stream":null,"done":true}}')
            $ra = $link.TryResult($a, 5000, $false)
            @($ra.output) | Should -Be @(7)
            $ra.done | Should -BeTrue
            $rb = $link.TryResult($b, 0, $true)
            $rb | Should -BeOfType [System.Collections.Specialized.OrderedDictionary]
            $rb['k']['v'] | Should -Be 1
            $notes = @($link.TakeNotes())
            $notes.Count | Should -Be 1
            $notes[0] | Should -BeLike '*stray text*'

            $c = $link.SendRequest('cmdlet', '{}')
            $worker.WriteLine('{"jsonrpc":"2.0","id":' + $c + ',"error":{"code":-32000,"message":"FAKE_ID: failed",' +
                '"data":{"errorId":"FAKE_ID","category":"ObjectNotFound","messages":[{"level":"warning","text":"w"}]}}}')
            $failure = $link.TryResult($c, 5000, $false)
            $failure | Should -BeOfType [PowershaiPy.Native.RpcFailure]
            $failure.ErrorId | Should -Be 'FAKE_ID'
            $failure.Category | Should -Be 'ObjectNotFound'
            $failure.Message | Should -Be 'FAKE_ID: failed'
            @($failure.Messages)[0].text | Should -Be 'w'

            # Nobody waits for d any more; its answer names a stream, which the link closes.
            $d = $link.SendRequest('cmdlet', '{}')
            $link.Abandon($d)
            $e = $link.SendRequest('shutdown', '{}')
            $worker.WriteLine('{"jsonrpc":"2.0","id":' + $d + ',"result":{"messages":[],"output":[],"items":[1],"stream":"tok-orphan-1","done":false}}')
            $worker.WriteLine('{"jsonrpc":"2.0","id":' + $e + ',"result":null}')
            $link.TryResult($e, 5000, $false) | Should -BeNullOrEmpty
            $lines = @($utf8.GetString($sent.ToArray()) -split "`n" | Where-Object { $_ })
            $lines[0] | Should -Be ('{"jsonrpc":"2.0","id":' + $a + ',"method":"cmdlet","params":{"name":"A"}}')
            $lines[-1] | Should -Be '{"jsonrpc":"2.0","method":"stream/close","params":{"token":"tok-orphan-1"}}'

            $worker.Dispose()
            $server.Dispose()
            $f = $link.SendRequest('cmdlet', '{}')
            { $link.TryResult($f, 5000, $false) } | Should -Throw -ExpectedMessage '*closed its stdout*'
        } finally {
            $worker.Dispose()
            $server.Dispose()
            $reader.Dispose()
        }
    }
}
