# runtime/Cache.ps1: the per-user cache folder, and the hashed names of what is kept in it.
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.
#
# Its own part (before Native.ps1) because the in-process transport's early start reads its
# cached probe from here before the compiled hot path is loaded.

function Get-PshaiCacheFolder {
    if ($env:POWERSHAI_PY_CACHE) { return $env:POWERSHAI_PY_CACHE }
    if ($env:LOCALAPPDATA) { return (Join-Path $env:LOCALAPPDATA 'powershai-py') }
    if ($env:XDG_CACHE_HOME) { return (Join-Path $env:XDG_CACHE_HOME 'powershai-py') }
    Join-Path (Join-Path ([Environment]::GetFolderPath('UserProfile')) '.cache') 'powershai-py'
}

function Get-PshaiShortHash {
    # The first 20 hex digits of the text's SHA-256: the name of a cached file made from it.
    param([string]$Text)
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try { $digest = $sha.ComputeHash($script:PshaiUtf8.GetBytes($Text)) } finally { $sha.Dispose() }
    ([BitConverter]::ToString($digest) -replace '-', '').Substring(0, 20).ToLowerInvariant()
}
