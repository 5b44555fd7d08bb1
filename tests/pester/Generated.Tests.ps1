Set-StrictMode -Version Latest

# Guards the generated PowershaiPy module: manifest, public surface, syntax vs. the help pages, and
# localized MAML help (en-US in this process, es-ES in a child pwsh).
# Runs under Pester 5 in pwsh (.tools/pwsh/pwsh). Environment overrides, used by the generator's own
# tests: PSHAI_GENERATED_MODULE (path of a PowershaiPy.psd1) and PSHAI_DOCS_ROOT (folder holding
# en-US/ and es-ES/ help pages).

BeforeDiscovery {
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $ModuleManifest = if ($env:PSHAI_GENERATED_MODULE) { $env:PSHAI_GENERATED_MODULE } else {
        Join-Path $RepoRoot 'PowerShellModule/PowershaiPy/PowershaiPy.psd1'
    }
    $DiscoveredModule = Import-Module $ModuleManifest -Force -PassThru
    $CommandCases = @(
        Get-Command -Module $DiscoveredModule.Name -CommandType Function | Sort-Object Name |
            ForEach-Object { @{ Name = $_.Name } }
    )
}

BeforeAll {
    # Pester runs the blocks in scopes below this one, not below the file's top line
    Set-StrictMode -Version Latest
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $ModuleManifest = if ($env:PSHAI_GENERATED_MODULE) { $env:PSHAI_GENERATED_MODULE } else {
        Join-Path $RepoRoot 'PowerShellModule/PowershaiPy/PowershaiPy.psd1'
    }
    $DocsRoot = if ($env:PSHAI_DOCS_ROOT) { $env:PSHAI_DOCS_ROOT } else { Join-Path $RepoRoot 'docs' }
    $SavedUICulture = [cultureinfo]::CurrentUICulture
    [cultureinfo]::CurrentUICulture = [cultureinfo]'en-US'
    $Module = Import-Module $ModuleManifest -Force -PassThru
    $ModuleName = $Module.Name
    $Skip = @('WhatIf', 'Confirm') + [System.Management.Automation.PSCmdlet]::CommonParameters +
        [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

    function Get-PageSyntax {
        param([string]$Culture, [string]$Name)
        $page = Join-Path (Join-Path $DocsRoot $Culture) "$Name.md"
        $lines = @(Get-Content -LiteralPath $page -Encoding UTF8)
        $start = [array]::IndexOf($lines, ($lines | Where-Object { $_ -match '^##\s+SYNTAX' } | Select-Object -First 1))
        if ($start -lt 0) { return $null }
        $out = New-Object System.Collections.Generic.List[string]
        $inFence = $false
        $current = ''
        for ($i = $start + 1; $i -lt $lines.Count; $i++) {
            $line = $lines[$i]
            if (-not $inFence -and $line -match '^##\s') { break }
            if ($line -match '^\s*```') {
                if ($inFence) { if ($current) { $out.Add($current.Trim()) }; $current = '' }
                $inFence = -not $inFence
                continue
            }
            if ($inFence -and $line.Trim()) { $current = ($current + ' ' + $line.Trim()).Trim() }
        }
        return ($out -join "`n")
    }

    function Get-CommandSyntax {
        param([string]$Name)
        $text = (Get-Command $Name -Syntax) -replace "`r", ''
        return (($text -split "`n" | ForEach-Object { $_.Trim() } | Where-Object { $_ }) -join "`n")
    }

    function Get-HelpSyntax {
        param([string]$Name)
        $text = Get-Help $Name | Out-String -Width 8192
        $lines = $text -split "\r?\n" | Where-Object { $_ -match ('^\s+' + [regex]::Escape($Name) + ' +\S') }
        return (($lines | ForEach-Object { $_.Trim() }) -join "`n")
    }

    # Syntax tokens, order aside: [[-P] <T>], [-P <T>], [-S], [-P] <T>, -P <T>. Type names are
    # compared case-insensitively after mapping C# keywords (Get-Command shows <int>, help <Int32>).
    function Get-SyntaxToken {
        param([string]$Syntax)
        $map = @{ 'int' = 'int32'; 'long' = 'int64'; 'bool' = 'boolean'; 'switch' = 'switchparameter' }
        $rx = '\[\[-\w+\] (<[^>]+>|\{[^}]+\})\]|\[-\w+( (<[^>]+>|\{[^}]+\}))?\]|\[-\w+\] (<[^>]+>|\{[^}]+\})|-\w+ (<[^>]+>|\{[^}]+\})|\[<CommonParameters>\]'
        $tokens = foreach ($line in ($Syntax -split "`n")) {
            foreach ($m in [regex]::Matches($line, $rx)) {
                [regex]::Replace($m.Value.ToLowerInvariant(), '<([^>]+)>', {
                        param($t)
                        $n = $t.Groups[1].Value
                        if ($map.ContainsKey($n)) { "<$($map[$n])>" } else { "<$n>" }
                    })
            }
        }
        return @($tokens | Sort-Object)
    }

    function Get-VisibleParameter {
        param([string]$Name)
        $cmd = Get-Command $Name
        foreach ($p in $cmd.Parameters.Values) {
            if ($p.Name -in $Skip) { continue }
            $hidden = @($p.Attributes | Where-Object {
                    $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow })
            if ($hidden.Count) { continue }
            $p.Name
        }
    }

    function Get-HelpText {
        param($Value)
        if ($null -eq $Value) { return '' }
        return ((@($Value) | ForEach-Object { if ($_.PSObject.Properties['Text']) { $_.Text } else { "$_" } }) -join "`n").Trim()
    }
}

AfterAll {
    [cultureinfo]::CurrentUICulture = $SavedUICulture
    Remove-Module $ModuleName -Force -ErrorAction SilentlyContinue
}

Describe 'PowershaiPy manifest and module' {
    It 'passes Test-ModuleManifest' {
        $m = Test-ModuleManifest -Path $ModuleManifest -ErrorAction Stop
        $m.Name | Should -Be 'PowershaiPy'
        $m.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $m.PowerShellVersion | Should -Be ([version]'5.1')
    }

    It 'exports exactly the manifest functions and aliases, nothing from the runtime' {
        $data = Import-PowerShellDataFile -Path $ModuleManifest
        @($Module.ExportedFunctions.Keys | Sort-Object) | Should -Be @($data.FunctionsToExport | Sort-Object)
        @($Module.ExportedAliases.Keys | Sort-Object) | Should -Be @($data.AliasesToExport | Sort-Object)
        $Module.ExportedFunctions.Keys | Should -Not -Contain 'Invoke-PshaiCmdlet'
        $data.PrivateData.PowershaiPyGenerated | Should -BeTrue
    }

    It 'has a root module that parses without errors' {
        $errors = $null
        $psm1 = Join-Path (Split-Path $ModuleManifest) 'PowershaiPy.psm1'
        [System.Management.Automation.Language.Parser]::ParseFile($psm1, [ref]$null, [ref]$errors) | Out-Null
        $errors | Should -BeNullOrEmpty
    }

    It 'keeps PowerShai''s Invoke-GradioSessionApi syntax exactly' {
        (Get-Command Invoke-GradioSessionApi -Syntax).Trim() |
            Should -BeExactly 'Invoke-GradioSessionApi [[-ApiName] <Object>] [[-Params] <Object>] [[-EventId] <Object>] [[-session] <Object>] [[-Token] <Object>] [<CommonParameters>]'
    }
}

Describe 'Command <Name>' -ForEach $CommandCases {
    # PowerShai declared Get-GradioSessionApi without [CmdletBinding()] (spec: plainFunction), so
    # piped input and extra arguments are ignored there, not refused; every other one is advanced.
    It 'uses CmdletBinding unless PowerShai''s did not' {
        (Get-Command $Name).CmdletBinding | Should -Be ($Name -ne 'Get-GradioSessionApi')
    }

    # The pages keep PowerShai's documented SYNTAX order, which Get-Help shows from the MAML (the
    # spec declares parameters in that order). Get-Command -Syntax always lists positional
    # parameters before named ones (switches included), so against it only the order may differ.
    It 'shows in Get-Help the SYNTAX line of its en-US and es-ES pages' {
        $helpSyntax = Get-HelpSyntax $Name
        $helpSyntax | Should -Not -BeNullOrEmpty
        # Get-Help's view of MAML syntax appends [<CommonParameters>] to every command, even a
        # plain function that has none; its page leaves it out (Get-Command -Syntax agrees).
        $suffix = if ((Get-Command $Name).CmdletBinding) { '' } else { ' [<CommonParameters>]' }
        (Get-PageSyntax 'en-US' $Name) + $suffix | Should -BeExactly $helpSyntax
        (Get-PageSyntax 'es-ES' $Name) + $suffix | Should -BeExactly $helpSyntax
    }

    It 'declares exactly the parameters of its page SYNTAX (Get-Command -Syntax, order aside)' {
        $page = Get-PageSyntax 'en-US' $Name
        $actual = Get-CommandSyntax $Name
        $pageTokens = @(Get-SyntaxToken $page)
        $pageTokens.Count | Should -BeGreaterThan 0
        $pageTokens | Should -Be @(Get-SyntaxToken $actual) -Because "Get-Command -Syntax: $actual"
        ($actual -split "`n").Count | Should -Be ($page -split "`n").Count
    }

    It 'has full en-US help (synopsis, description, parameters, examples)' {
        $help = Get-Help $Name -Full
        $help.Synopsis.Trim() | Should -Not -BeNullOrEmpty
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *"   # not the auto-generated syntax
        Get-HelpText $help.description | Should -Not -BeNullOrEmpty
        foreach ($p in @(Get-VisibleParameter $Name)) {
            $ph = @($help.parameters.parameter | Where-Object { $_.name -eq $p })
            $ph.Count | Should -Be 1 -Because "-$p must be in the help of $Name"
            Get-HelpText $ph[0].description | Should -Not -BeNullOrEmpty -Because "-$p needs a description"
        }
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterThan 0
        ($examples | Where-Object { "$($_.code)".Trim() }).Count | Should -BeGreaterThan 0
    }
}

Describe 'Localized help (es-ES)' {
    BeforeAll {
        # Verified on pwsh 7.6 / Linux: setting [cultureinfo]::CurrentUICulture in the child before
        # Get-Help makes it read es-ES/PowershaiPy-help.xml (LANG=es_ES.UTF-8 works too).
        $out = Join-Path $TestDrive 'es-help.json'
        $script = Join-Path $TestDrive 'es-help.ps1'
        Set-Content -LiteralPath $script -Encoding UTF8 -Value @'
param($ModuleManifest, $OutFile, $Skip)
[cultureinfo]::CurrentUICulture = [cultureinfo]'es-ES'
$m = Import-Module $ModuleManifest -Force -PassThru
$result = foreach ($name in ($m.ExportedFunctions.Keys | Sort-Object)) {
    $help = Get-Help $name -Full
    $cmd = Get-Command $name
    $undocumented = foreach ($p in $cmd.Parameters.Values) {
        if ($p.Name -in ($Skip -split ',')) { continue }
        if (@($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow }).Count) { continue }
        $ph = @($help.parameters.parameter | Where-Object { $_.name -eq $p.Name })
        $text = if ($ph.Count) { (@($ph[0].description) | ForEach-Object { $_.Text }) -join '' } else { '' }
        if (-not "$text".Trim()) { $p.Name }
    }
    [pscustomobject]@{
        Name         = $name
        UICulture    = [cultureinfo]::CurrentUICulture.Name
        Synopsis     = "$($help.Synopsis)".Trim()
        Description  = ((@($help.description) | ForEach-Object { $_.Text }) -join "`n").Trim()
        Undocumented = @($undocumented)
        Examples     = @($help.examples.example | Where-Object { "$($_.code)".Trim() }).Count
    }
}
ConvertTo-Json -InputObject @($result) -Depth 5 | Set-Content -LiteralPath $OutFile -Encoding UTF8
'@
        $exe = if ($PSVersionTable.PSEdition -eq 'Desktop') { 'powershell.exe' } elseif ($IsWindows) { 'pwsh.exe' } else { 'pwsh' }
        $pwsh = Join-Path $PSHOME $exe
        & $pwsh -NoProfile -NonInteractive -File $script -ModuleManifest $ModuleManifest -OutFile $out -Skip ($Skip -join ',')
        $Spanish = @(Get-Content -LiteralPath $out -Raw -Encoding UTF8 | ConvertFrom-Json)
        $English = @{}
        foreach ($n in $Module.ExportedFunctions.Keys) { $English[$n] = (Get-Help $n).Synopsis.Trim() }
    }

    It 'covers every exported command' {
        @($Spanish.Name) | Should -Be @($Module.ExportedFunctions.Keys | Sort-Object)
        $Spanish[0].UICulture | Should -Be 'es-ES'
    }

    It 'has a Spanish synopsis, description, parameter texts and examples for every command' {
        $Spanish.Count | Should -Be $Module.ExportedFunctions.Count
        foreach ($h in $Spanish) {
            $h.Synopsis | Should -Not -BeNullOrEmpty -Because $h.Name
            $h.Synopsis | Should -Not -BeLike "$($h.Name) *" -Because $h.Name
            $h.Synopsis | Should -Not -Be $English[$h.Name] -Because "$($h.Name) must show the es-ES text"
            $h.Description | Should -Not -BeNullOrEmpty -Because $h.Name
            @($h.Undocumented) | Should -BeNullOrEmpty -Because "$($h.Name) parameters need es-ES text"
            $h.Examples | Should -BeGreaterThan 0 -Because $h.Name
        }
    }
}
