# runtime/Rpc.ps1: JSON-RPC requests and notifications over the worker link.
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.

# ------------------------------------------------------------------------------------------------
# JSON-RPC over the worker's stdio
# ------------------------------------------------------------------------------------------------

function New-PshaiWorkerExitedException {
    param($Worker, [string]$Method)
    $Worker.Dead = $true
    $code = '?'
    try {
        if ($Worker.Process.WaitForExit(2000)) { $code = $Worker.Process.ExitCode }
    } catch { }
    $Worker.ExitCode = $code
    $tail = @(Get-PshaiStderrTail -Worker $Worker)
    $tailText = ''
    if ($tail.Count -gt 0) {
        $tailText = " Last lines of its stderr:`n" + ($tail -join "`n")
    }
    New-PshaiException -ErrorId 'POWERSHAI_PY_WORKER_EXITED' -Category 'ResourceUnavailable' -Message (
        "POWERSHAI_PY_WORKER_EXITED: the Python worker (pid $($Worker.Pid)) exited with code $code " +
        "during '$Method'. The next command starts a new worker; sessions are lost.$tailText")
}

function Test-PshaiEndOfStream {
    # True when an exception from WorkerLink means the worker's stdout has closed.
    param($Exception)
    while ($null -ne $Exception) {
        if ($Exception -is [System.IO.EndOfStreamException] -or $Exception -is [System.IO.IOException]) { return $true }
        $Exception = $Exception.InnerException
    }
    $false
}

function Invoke-PshaiRequest {
    # Sends one request and returns its decoded result. A JSON-RPC error is thrown as an exception
    # carrying errorId/category/messages. This runs for every cmdlet call and stream item, and each
    # PowerShell statement costs microseconds, so the common case (an answer within PollMs) is a
    # single call into WorkerLink.
    param(
        [string]$Method,
        $Params = $null,
        [string]$ParamsJson = '',
        $Worker = $null,
        [int]$TimeoutMs = 0,
        [switch]$AsHashtable
    )
    if ($null -eq $Worker) {
        $Worker = $script:PshaiWorker
        if ($null -eq $Worker -or $Worker.Dead -or $Worker.Process.HasExited) { $Worker = Get-PshaiWorker }
    }
    if (-not $ParamsJson) {
        $ParamsJson = '{}'
        if ($null -ne $Params) { $ParamsJson = $script:PshaiCodec.Encode($Params, '') }
    }
    $link = $Worker.Link
    $received = $false
    $sent = $false
    try {
        try {
            $result = $link.Request($Method, $ParamsJson, $script:PshaiPollMs, $AsHashtable.IsPresent)
            $sent = $true
            if ([object]::ReferenceEquals($result, [PowershaiPy.Native.WorkerLink]::NoAnswer)) {
                $result = Wait-PshaiResult -Worker $Worker -Method $Method -TimeoutMs $TimeoutMs -AsHashtable $AsHashtable.IsPresent
            }
        } catch {
            if (Test-PshaiEndOfStream $_.Exception) { throw (New-PshaiWorkerExitedException -Worker $Worker -Method $Method) }
            throw
        }
        $received = $true
    } finally {
        # Stopped (Ctrl+C, Select-Object -First) or failed: drop the answer when it comes.
        if ($sent -and -not $received -and -not $Worker.Dead) { $link.Abandon($link.LastId) }
    }
    if ($link.NoteCount -gt 0) { Write-PshaiLinkNotes -Link $link }
    if ($result -is [PowershaiPy.Native.RpcFailure]) { throw (ConvertFrom-PshaiRpcFailure $result) }
    # The comma keeps an array result whole.
    , $result
}

function ConvertFrom-PshaiRpcFailure {
    # The worker's error answer as the exception a cmdlet turns into its ErrorRecord.
    param([PowershaiPy.Native.RpcFailure]$Failure)
    New-PshaiException -ErrorId $Failure.ErrorId -Category $Failure.Category -Message $Failure.Message -Messages $Failure.Messages
}

function Write-PshaiLinkNotes {
    # Lines from the worker that answered nothing (not JSON, or an error without id), for -Verbose.
    param($Link)
    foreach ($note in $Link.TakeNotes()) { Write-Verbose "PowershaiPy: $note" }
}

function Assert-PshaiWorkerAlive {
    # Called when a poll found no answer: a worker that exited gets 2 s to have its last lines
    # read, then the call fails.
    param($Worker, [string]$Method)
    if (-not $Worker.Process.HasExited) { return }
    if ($null -eq $Worker.ExitedAt) { $Worker.ExitedAt = [DateTime]::UtcNow }
    elseif (([DateTime]::UtcNow - $Worker.ExitedAt).TotalMilliseconds -gt 2000) {
        throw (New-PshaiWorkerExitedException -Worker $Worker -Method $Method)
    }
}

function Wait-PshaiResult {
    # The slow path of Invoke-PshaiRequest: polls until the answer comes, the worker dies or the
    # timeout passes, returning to PowerShell between polls so that Ctrl+C can stop the wait.
    param($Worker, [string]$Method, [int]$TimeoutMs, [bool]$AsHashtable)
    $link = $Worker.Link
    $id = $link.LastId
    $noAnswer = [PowershaiPy.Native.WorkerLink]::NoAnswer
    $started = [DateTime]::UtcNow
    while ($true) {
        $result = $link.TryResult($id, $script:PshaiPollMs, $AsHashtable)
        if (-not [object]::ReferenceEquals($result, $noAnswer)) { return , $result }
        Assert-PshaiWorkerAlive -Worker $Worker -Method $Method
        if ($TimeoutMs -gt 0 -and ([DateTime]::UtcNow - $started).TotalMilliseconds -gt $TimeoutMs) {
            throw (New-PshaiException -ErrorId 'POWERSHAI_PY_WORKER_TIMEOUT' -Category 'OperationTimeout' `
                    -Message "POWERSHAI_PY_WORKER_TIMEOUT: the Python worker did not answer '$Method' in $([int]($TimeoutMs / 1000)) s.")
        }
    }
}

function Send-PshaiNotification {
    param([Parameter(Mandatory)][string]$Method, $Params = $null, $Worker = $null)
    if ($null -eq $Worker) { $Worker = $script:PshaiWorker }
    if ($null -eq $Worker -or $Worker.Dead) { return }
    if ($null -eq $Params) { $Params = @{} }
    try {
        $Worker.Link.SendNotification($Method, $script:PshaiCodec.Encode($Params, ''))
    } catch { }
}

function Get-PshaiWorkerOutput {
    # The output of worker cmdlet -Name, for script that runs while the user types (DynamicParam
    # blocks, completers): no stream, no messages played, and no worker started ($null when none
    # runs: then there is no session to describe). Errors go to the caller.
    param([string]$Name, [hashtable]$Bound)
    $worker = $script:PshaiWorker
    if ($null -eq $worker -or $worker.Dead) { return $null }
    $json = $script:PshaiCodec.EncodeCmdletParams($Name, $Bound, $script:PshaiCommonParameters, $null, $null, $false, $null, $null)
    , @((Invoke-PshaiRequest -Method 'cmdlet' -ParamsJson $json -Worker $worker).output)
}
