# runtime/Cache.ps1: the per-user cache folder, and the hashed names of what is kept in it.
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.
#
# The first part: the in-process launch (Launch.ps1) reads its record from the cache folder
# before anything else of the module is defined.

function Get-PshaiCacheFolder {
    if ($env:POWERSHAI_PY_CACHE) { return $env:POWERSHAI_PY_CACHE }
    # Path.Combine, not Join-Path: the launch (Launch.ps1) runs before any cmdlet's first use.
    if ($env:LOCALAPPDATA) { return [System.IO.Path]::Combine($env:LOCALAPPDATA, 'powershai-py') }
    if ($env:XDG_CACHE_HOME) { return [System.IO.Path]::Combine($env:XDG_CACHE_HOME, 'powershai-py') }
    [System.IO.Path]::Combine([Environment]::GetFolderPath('UserProfile'), '.cache', 'powershai-py')
}

function Get-PshaiShortHash {
    # The first 20 hex digits of the text's SHA-256: the name of a cached file made from it.
    param([string]$Text)
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try { $digest = $sha.ComputeHash($script:PshaiUtf8.GetBytes($Text)) } finally { $sha.Dispose() }
    ([BitConverter]::ToString($digest) -replace '-', '').Substring(0, 20).ToLowerInvariant()
}

function Import-PshaiCachedAssembly {
    # Compiling C# takes a second or more, so each assembly is built once per $Key (its source
    # text and what it was compiled for), kept in the cache folder as <Name>.<hash>.dll, and only
    # loaded by later imports. The hot path (Native.ps1) and the in-process bridge both load so.
    param([string]$Name, [string]$Text, [string]$Key, [string[]]$References = @())
    # Add-Type's compiler notes are not the user's business (this scope only).
    $VerbosePreference = 'SilentlyContinue'
    $addType = @{ TypeDefinition = $Text; ErrorAction = 'Stop' }
    if ($References.Count -gt 0) { $addType.ReferencedAssemblies = $References }
    $hash = Get-PshaiShortHash $Key
    $folder = Join-Path (Get-PshaiCacheFolder) 'native'
    $dll = Join-Path $folder "$Name.$hash.dll"
    if (-not [System.IO.File]::Exists($dll)) {
        $temp = Join-Path $folder ('{0}.{1}.{2}.tmp.dll' -f $Name, $hash, [guid]::NewGuid().ToString('N'))
        try {
            # (New-Item -Force stays silent when a parent is a file; this throws.)
            $null = [System.IO.Directory]::CreateDirectory($folder)
            Add-Type @addType -OutputAssembly $temp -OutputType Library
            # Another import may have finished first: its copy is the same, keep it.
            try { [System.IO.File]::Move($temp, $dll) } catch { }
        } catch {
            # No writable cache folder: compile in memory (slower imports, same behaviour).
            Add-Type @addType
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
        Add-Type @addType
    }
}

function Write-PshaiCacheLines {
    # Writes a small cached text file whole: to a file of its own, then renamed over the old one,
    # so that an import reading it meanwhile sees the old lines or the new ones, never a part.
    # Nothing is written when a line would hold a line break (a path no line can carry); a cache
    # folder that cannot be written only costs later imports their shortcut.
    param([string]$Path, [string[]]$Lines)
    foreach ($line in $Lines) { if ($line.IndexOfAny([char[]]"`r`n") -ge 0) { return } }
    $temp = '{0}.{1}.tmp' -f $Path, [guid]::NewGuid().ToString('N')
    try {
        $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($Path))
        [System.IO.File]::WriteAllLines($temp, $Lines, $script:PshaiUtf8)
        if ([System.IO.File]::Exists($Path)) { [System.IO.File]::Replace($temp, $Path, [NullString]::Value) }
        else { [System.IO.File]::Move($temp, $Path) }
    } catch {
        if ([System.IO.File]::Exists($temp)) { Remove-Item -LiteralPath $temp -Force -ErrorAction SilentlyContinue }
    }
}
