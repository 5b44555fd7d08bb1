# Runs every tests/pester/*.Tests.ps1 with Pester 5; exits non-zero on failure.
# Usage: pwsh -NoProfile -File tests/pester/run.ps1 [-Path <file or folder>]
param([string[]]$Path = @($PSScriptRoot))

$ErrorActionPreference = 'Stop'
# pwsh -File passes "a,b" as one string.
$Path = @($Path | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$pathFile = Join-Path $repoRoot '.tools/pester.path'
$pester = $null
if (Test-Path -LiteralPath $pathFile) {
    $manifest = (Get-Content -LiteralPath $pathFile -Raw).Trim()
    if ($manifest -and (Test-Path -LiteralPath $manifest)) { $pester = $manifest }
}
if ($pester) {
    Import-Module $pester -Force
} else {
    Import-Module Pester -MinimumVersion 5.0 -Force
}

$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.Exit = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $false
Invoke-Pester -Configuration $configuration
