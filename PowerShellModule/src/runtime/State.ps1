# runtime/State.ps1: module-wide state: protocol version, the worker handle, poll interval, common parameters.
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.

$script:PshaiProtocolVersion = '1'
$script:PshaiWorker = $null
$script:PshaiPythonCache = $null
$script:PshaiUtf8 = New-Object System.Text.UTF8Encoding($false)
$script:PshaiModule = $ExecutionContext.SessionState.Module
$script:PshaiPollMs = 100
$script:PshaiStderrTailLines = 50
$script:PshaiExitSubscriptionId = $null

$script:PshaiCommonParameters = @{}
foreach ($pshaiName in (@([System.Management.Automation.PSCmdlet]::CommonParameters) +
        @([System.Management.Automation.PSCmdlet]::OptionalCommonParameters))) {
    $script:PshaiCommonParameters[$pshaiName] = $true
}
Remove-Variable -Name pshaiName -ErrorAction SilentlyContinue
