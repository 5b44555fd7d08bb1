# runtime/Native.ps1: loading the compiled hot path (src/native/*.cs) from the per-user cache.
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.

# ------------------------------------------------------------------------------------------------
# The compiled hot path: PowershaiPy.Native.cs (JSON-RPC lines and wire conversion)
# ------------------------------------------------------------------------------------------------

function Import-PshaiNative {
    # Built once per source text and PowerShell version (Import-PshaiCachedAssembly).
    if ($null -ne ('PowershaiPy.Native.WireCodec' -as [type])) { return }
    # In the module the joined source sits beside the .psm1; Runtime.ps1 (tests) names the generated one.
    $source = $script:PshaiNativeSourcePath
    if (-not $source) { $source = Join-Path $PSScriptRoot 'PowershaiPy.Native.cs' }
    $text = [System.IO.File]::ReadAllText($source)
    Import-PshaiCachedAssembly -Name 'PowershaiPy.Native' -Text $text `
        -Key "$text|$($PSVersionTable.PSEdition)|$($PSVersionTable.PSVersion)"
}

Import-PshaiNative
# Live objects handed out (by "type|id"), updated in place by later messages.
$script:PshaiCodec = New-Object PowershaiPy.Native.WireCodec -ArgumentList $script:PshaiModule
