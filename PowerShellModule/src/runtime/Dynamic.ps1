# runtime/Dynamic.ps1: dynamic parameters of generated functions (the spec's dynamicParameters).
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.

function Get-PshaiDynamicParameters {
    # The DynamicParam block of a generated function: the worker cmdlet -Source lists the parameters
    # (Invoke-GradioDynamicApi: one per input of -ApiName's endpoint, from /info), and they become
    # real parameters, so tab completion and Get-Command -ArgumentList see them. This runs while the
    # user types, so it never throws and never starts a worker (no worker: no session to describe).
    # -Static: the function's own parameters, which an endpoint input of the same name cannot take.
    param([string]$Source, $Bound, [string[]]$Static = @())
    $dictionary = New-Object System.Management.Automation.RuntimeDefinedParameterDictionary
    if ($null -eq $Bound) { return , $dictionary }
    try {
        $given = @{}
        foreach ($name in $Static) { if ($Bound.ContainsKey($name)) { $given[$name] = $Bound[$name] } }
        $listed = Get-PshaiWorkerOutput -Name $Source -Bound $given
        $taken = @{}
        foreach ($name in $Static) { $taken[$name] = $true }
        foreach ($name in $script:PshaiCommonParameters.Keys) { $taken[$name] = $true }
        foreach ($p in @($listed)) {
            if ($null -eq $p) { continue }
            $name = [string]$p.Name
            if (-not $name -or $taken.ContainsKey($name)) { continue }
            $taken[$name] = $true
            $type = ([string]$p.Type) -as [type]
            if ($null -eq $type) { $type = [object] }
            $attributes = New-Object 'System.Collections.ObjectModel.Collection[System.Attribute]'
            $parameter = New-Object System.Management.Automation.ParameterAttribute
            if ($p.HelpMessage) { $parameter.HelpMessage = [string]$p.HelpMessage }
            $attributes.Add($parameter)
            $choices = @($p.ValidateSet | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
            if ($choices.Count -gt 0) {
                $set = New-Object System.Management.Automation.ValidateSetAttribute -ArgumentList (, [string[]]$choices)
                $set.IgnoreCase = $false
                $attributes.Add($set)
            }
            $dictionary.Add($name, (New-Object System.Management.Automation.RuntimeDefinedParameter -ArgumentList $name, $type, $attributes))
        }
    } catch {
        Write-Verbose "PowershaiPy: no dynamic parameters from ${Source}: $($_.Exception.Message)"
    }
    , $dictionary
}
