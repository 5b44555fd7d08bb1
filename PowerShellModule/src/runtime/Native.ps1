# runtime/Native.ps1: loading the compiled hot path (src/native/*.cs) from the per-user cache.
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.

# ------------------------------------------------------------------------------------------------
# The compiled hot path: PowershaiPy.Native.cs (JSON-RPC lines and wire conversion)
# ------------------------------------------------------------------------------------------------

function Import-PshaiNative {
    # Compiling takes a second or more, so the assembly is built once per source text and
    # PowerShell version, kept in the user's cache folder, and only loaded by later imports.
    if ($null -ne ('PowershaiPy.Native.WireCodec' -as [type])) { return }
    # In the module the joined source sits beside the .psm1; Runtime.ps1 (tests) names the generated one.
    $source = $script:PshaiNativeSourcePath
    if (-not $source) { $source = Join-Path $PSScriptRoot 'PowershaiPy.Native.cs' }
    $text = [System.IO.File]::ReadAllText($source)
    $hash = Get-PshaiShortHash "$text|$($PSVersionTable.PSEdition)|$($PSVersionTable.PSVersion)"
    $folder = Join-Path (Get-PshaiCacheFolder) 'native'
    $dll = Join-Path $folder "PowershaiPy.Native.$hash.dll"
    if (-not [System.IO.File]::Exists($dll)) {
        $temp = Join-Path $folder ('PowershaiPy.Native.{0}.{1}.tmp.dll' -f $hash, [guid]::NewGuid().ToString('N'))
        try {
            # (New-Item -Force stays silent when a parent is a file; this throws.)
            $null = [System.IO.Directory]::CreateDirectory($folder)
            Add-Type -TypeDefinition $text -OutputAssembly $temp -OutputType Library -ErrorAction Stop
            # Another import may have finished first: its copy is the same, keep it.
            try { [System.IO.File]::Move($temp, $dll) } catch { }
        } catch {
            # No writable cache folder: compile in memory (slower imports, same behaviour).
            Add-Type -TypeDefinition $text
            return
        } finally {
            if ([System.IO.File]::Exists($temp)) { Remove-Item -LiteralPath $temp -Force -ErrorAction SilentlyContinue }
        }
    }
    try {
        $null = [System.Reflection.Assembly]::LoadFrom($dll)
    } catch {
        # A damaged copy: drop it (the next import rebuilds it) and compile in memory this time.
        Remove-Item -LiteralPath $dll -Force -ErrorAction SilentlyContinue
        Add-Type -TypeDefinition $text
    }
}

Import-PshaiNative
# Live objects handed out (by "type|id"), updated in place by later messages.
$script:PshaiCodec = New-Object PowershaiPy.Native.WireCodec -ArgumentList $script:PshaiModule
