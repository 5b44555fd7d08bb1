# runtime/Completers.ps1: argument completers (answer from the cache only).
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.

# ------------------------------------------------------------------------------------------------
# Argument completers (answer from the cache only: never start or ask the worker)
# ------------------------------------------------------------------------------------------------

function Get-PshaiCachedSession {
    $cache = $script:PshaiCodec.LiveCache
    foreach ($key in @($cache.Keys)) {
        if ($key -like 'GradioSession|*') { $cache[$key] }
    }
}

function New-PshaiCompletionResult {
    param([string]$Text, [string]$ToolTip)
    $completion = $Text
    if ($Text -match "[\s'`"`$``;,(){}|&<>@#]") { $completion = "'" + ($Text -replace "'", "''") + "'" }
    if (-not $ToolTip) { $ToolTip = $Text }
    New-Object System.Management.Automation.CompletionResult($completion, $Text,
        [System.Management.Automation.CompletionResultType]::ParameterValue, $ToolTip)
}

function Get-PshaiCompletionWord {
    param([string]$Word)
    if ($null -eq $Word) { return '' }
    $Word.Trim("'", '"')
}

function Complete-PshaiSessionName {
    param($CommandName, $ParameterName, $WordToComplete, $CommandAst, $FakeBoundParameters)
    $word = Get-PshaiCompletionWord $WordToComplete
    $pattern = $word + '*'
    $names = @(Get-PshaiCachedSession | ForEach-Object { [string](Get-PshaiField $_ 'name') } |
            Where-Object { $_ } | Sort-Object -Unique)
    foreach ($n in $names) {
        if ($n -like $pattern) { New-PshaiCompletionResult -Text $n }
    }
}

function Resolve-PshaiCompletionSession {
    param($FakeBoundParameters)
    $wanted = $null
    if ($null -ne $FakeBoundParameters) {
        foreach ($k in @('session', 'Session', 'Name')) {
            if ($FakeBoundParameters.Contains($k)) { $wanted = $FakeBoundParameters[$k]; break }
        }
    }
    $sessions = @(Get-PshaiCachedSession)
    if ($null -ne $wanted) {
        $ref = [PowershaiPy.Native.WireCodec]::RefOf($wanted)
        if ($null -ne $ref) {
            $cached = $script:PshaiCodec.LiveCache["$($ref['$type'])|$($ref['$id'])"]
            if ($null -ne $cached) { return $cached }
            return $wanted
        }
        $wantedName = [string]$wanted
        if ($wantedName -and $wantedName -ne '.') {
            foreach ($s in $sessions) { if ([string](Get-PshaiField $s 'name') -eq $wantedName) { return $s } }
            return $null
        }
    }
    if ($null -ne $script:PshaiCodec.DefaultSessionKey) {
        $default = $script:PshaiCodec.LiveCache[$script:PshaiCodec.DefaultSessionKey]
        if ($null -ne $default) { return $default }
    }
    foreach ($s in $sessions) { if ((Get-PshaiField $s 'IsDefault') -eq $true) { return $s } }
    if ($sessions.Count -eq 1) { return $sessions[0] }
    $null
}

function Complete-PshaiApiName {
    param($CommandName, $ParameterName, $WordToComplete, $CommandAst, $FakeBoundParameters)
    $session = Resolve-PshaiCompletionSession $FakeBoundParameters
    $endpoints = Get-PshaiField (Get-PshaiField $session 'info') 'named_endpoints'
    if ($null -eq $endpoints) { return }
    $word = (Get-PshaiCompletionWord $WordToComplete).TrimStart('/')
    $pattern = $word + '*'
    $names = @()
    if ($endpoints -is [System.Collections.IDictionary]) { $names = @($endpoints.Keys) }
    else { $names = @($endpoints.PSObject.Properties | ForEach-Object { $_.Name }) }
    foreach ($n in ($names | ForEach-Object { ([string]$_).TrimStart('/') } | Sort-Object -Unique)) {
        if ($n -like $pattern) { New-PshaiCompletionResult -Text $n -ToolTip "/$n" }
    }
}
