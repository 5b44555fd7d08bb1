# runtime/Errors.ps1: ErrorRecords with PowerShai's error ids.
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.

# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------

function New-PshaiException {
    # An exception carrying the worker's error id and category (and messages to play first).
    param(
        [Parameter(Mandatory)][string]$ErrorId,
        [Parameter(Mandatory)][string]$Message,
        [string]$Category = 'NotSpecified',
        $Messages = $null
    )
    $ex = New-Object System.Management.Automation.RuntimeException($Message)
    $ex.Data['PshaiErrorId'] = $ErrorId
    $ex.Data['PshaiCategory'] = $Category
    if ($null -ne $Messages) { $ex.Data['PshaiMessages'] = $Messages }
    $ex
}

function ConvertTo-PshaiErrorCategory {
    param([string]$Name)
    $type = [System.Management.Automation.ErrorCategory]
    if ($Name -and [Enum]::IsDefined($type, $Name)) {
        return [System.Management.Automation.ErrorCategory]([Enum]::Parse($type, $Name))
    }
    [System.Management.Automation.ErrorCategory]::NotSpecified
}

function New-PshaiErrorRecord {
    param([Parameter(Mandatory)][Exception]$Exception, $TargetObject = $null)
    $id = [string]$Exception.Data['PshaiErrorId']
    if (-not $id) { $id = 'POWERSHAI_PY_INTERNAL' }
    $category = ConvertTo-PshaiErrorCategory ([string]$Exception.Data['PshaiCategory'])
    New-Object System.Management.Automation.ErrorRecord($Exception, $id, $category, $TargetObject)
}

# ErrorRecord.SetInvocationInfo is internal (Windows PowerShell 5.1 and 7 alike); without it the
# error still stops the script, its view only lacks the cmdlet's name.
$script:PshaiSetInvocationInfo = [System.Management.Automation.ErrorRecord].GetMethod(
    'SetInvocationInfo', [System.Reflection.BindingFlags]'NonPublic,Instance')

function Invoke-PshaiThrow {
    # PowerShai's cmdlets `throw`: the error stops the whole script, not only the statement
    # ($PSCmdlet.ThrowTerminatingError would let the next statement run). The record keeps our
    # error id, category and target, and names the cmdlet like a cmdlet's own error: the view shows
    # "Invoke-GradioSessionApi: ..." rather than "Exception: ...", because its exception is a plain
    # Exception (the error view says "Exception" for a RuntimeException thrown by `throw`).
    # $Invocation: the plain function's own (Invoke-PshaiPlainFunction's $Cmdlet is the helper).
    param([Parameter(Mandatory)][Exception]$Exception, [Parameter(Mandatory)]$Cmdlet, $TargetObject = $null, $Invocation = $null)
    if ($null -eq $Invocation) { $Invocation = $Cmdlet.MyInvocation }
    $plain = New-Object System.Exception($Exception.Message, $Exception)
    foreach ($key in $Exception.Data.Keys) { $plain.Data[$key] = $Exception.Data[$key] }
    $record = New-PshaiErrorRecord -Exception $plain -TargetObject $TargetObject
    if ($null -ne $script:PshaiSetInvocationInfo) {
        $null = $script:PshaiSetInvocationInfo.Invoke($record, @($Invocation))
    }
    throw $record
}
