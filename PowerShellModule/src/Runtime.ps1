# PowershaiPy runtime: the part of the module that talks to the Python worker.
#
# The runtime lives in small files under runtime/, one concern each, listed in runtime/order.txt.
# The generator inlines them verbatim, in that order, into PowershaiPy.psm1; this file loads the
# same parts for tests, which dot-source it into a dynamic module. Nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.
#
# Protocol (docs/DESIGN.md): JSON-RPC 2.0, one compact UTF-8 JSON object per line, over a line
# transport to the worker. The worker is started lazily on first use, kept in script scope, and
# restarted transparently (with a warning: its sessions are lost) when it has died.

# The C# hot path as the generator joined it from native/ (regenerate after editing native/*.cs).
$script:PshaiNativeSourcePath = Join-Path $PSScriptRoot '../PowershaiPy/PowershaiPy.Native.cs'
foreach ($pshaiPart in [System.IO.File]::ReadAllLines((Join-Path $PSScriptRoot 'runtime/order.txt'))) {
    if ($pshaiPart.Trim()) { . (Join-Path (Join-Path $PSScriptRoot 'runtime') $pshaiPart.Trim()) }
}
Remove-Variable -Name pshaiPart -ErrorAction SilentlyContinue
