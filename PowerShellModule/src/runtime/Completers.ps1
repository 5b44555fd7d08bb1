# runtime/Completers.ps1: argument completers (session names from the cache; the session an api name
# is for from the worker, never starting one).
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.

# ------------------------------------------------------------------------------------------------
# Argument completers (they never start the worker)
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
    # The session an api-name completion is for, resolved by the worker as the cmdlet itself would
    # resolve it (names, session objects, and its rule for '.'). No worker: no session to ask about.
    param($FakeBoundParameters)
    $wanted = '.'
    if ($null -ne $FakeBoundParameters) {
        foreach ($k in @('session', 'Session', 'Name')) {
            if ($FakeBoundParameters.Contains($k)) { $wanted = $FakeBoundParameters[$k]; break }
        }
    }
    try {
        return @(Get-PshaiWorkerOutput -Name 'Get-GradioSession' -Bound @{ Session = $wanted })[0]
    } catch {
        return $null
    }
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
