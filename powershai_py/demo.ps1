# The PowerShell half of `python -m powershai_py demo`: the same call as the Python half, against
# the same running app, written as a PowerShai script would write it.
param(
    [Parameter(Mandatory)][string]$Url,
    [Parameter(Mandatory)][string]$ModulePath,
    [string]$Topic = 'about tea',
    [int]$Words = 12
)
$ErrorActionPreference = 'Stop'

function Get-DemoText($Data) { (@($Data) | ForEach-Object { "$_" }) -join ' ' }

Write-Host "PowerShell: Import-Module $ModulePath"
Import-Module $ModulePath -Force
$session = New-GradioSession $Url -Name demo
Write-Host "PowerShell: connected to $($session.AppUrl)"
Write-Host "PowerShell: `$session | Invoke-GradioSessionApi tell @{ topic = '$Topic'; words = $Words } | Update-GradioSessionApiResult"
$call = $session | Invoke-GradioSessionApi tell @{ topic = $Topic; words = $Words }
$started = Get-Date
$text = ''
$call | Update-GradioSessionApiResult | ForEach-Object {
    # The call object is live: its Progress follows the app's gr.Progress as results arrive.
    $unit = @($call.ApiEvent.Progress)[0]
    $progress = ''
    if ($null -ne $unit) { $progress = '{0}/{1} {2}' -f $unit.index, $unit.length, $unit.unit }
    if ($_.event -eq 'generating' -or $_.event -eq 'complete') { $text = Get-DemoText $_.data }
    '  +{0,5:N2}s  #{1,-3} {2,-10} {3,-10} {4}' -f ((Get-Date) - $started).TotalSeconds,
        $_.num, $_.event, $progress, (Get-DemoText $_.data)
}
if ($null -ne $call.ApiEvent.error) { throw "the call failed: $($call.ApiEvent.error)" }
Write-Host "PowerShell: the story: $text"
Remove-GradioSession demo
# Removing the module stops its worker now and deletes the worker's log.
Remove-Module PowershaiPy
