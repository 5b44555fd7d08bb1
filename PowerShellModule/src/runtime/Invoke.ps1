# runtime/Invoke.ps1: one cmdlet call: the poll loop around CmdletRun, callbacks, directives, ShouldProcess.
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.

# ------------------------------------------------------------------------------------------------
# Cmdlet invocation
# ------------------------------------------------------------------------------------------------

function Invoke-PshaiMessageList {
    # Plays worker messages in order: CmdletRun.Play writes each to its stream; what only script
    # can do ("invoke": run a script block the user passed; its output goes to the pipeline) is here.
    param($Messages, $Cmdlet, $ScriptBlocks)
    if ($null -eq $Messages) { return }
    foreach ($m in @($Messages)) {
        if ($null -eq $m -or [PowershaiPy.Native.CmdletRun]::Play($Cmdlet, $m)) { continue }
        $sb = $null
        if ($null -ne $ScriptBlocks) { $sb = $ScriptBlocks[[string](Get-PshaiField $m 'param')] }
        if ($null -ne $sb) { & $sb (Get-PshaiField $m 'arg') }
    }
}

function Invoke-PshaiDirective {
    param($Directive)
    $name = [string](Get-PshaiField $Directive 'name')
    $kind = [string](Get-PshaiField $Directive '$directive')
    switch ($kind) {
        'defineFunction' {
            # {"force": bool, "marker": "<text every generated function body contains>"}: an existing
            # command without the marker is only replaced with force.
            $marker = [string](Get-PshaiField $Directive 'marker')
            $force = (Get-PshaiField $Directive 'force') -eq $true
            if ($marker -and -not $force) {
                $existing = Get-Command -Name $name -ErrorAction SilentlyContinue | Select-Object -First 1
                if ($null -ne $existing) {
                    $isOurs = $existing.CommandType -eq 'Function' -and $null -ne $existing.ScriptBlock -and
                        $existing.ScriptBlock.ToString().Contains($marker)
                    if (-not $isOurs) {
                        # The worker names the id (the runtime keeps no cmdlet's error ids).
                        $errorId = [string](Get-PshaiField $Directive 'existsErrorId')
                        throw (New-PshaiException -ErrorId $errorId -Category 'ResourceExists' -Message (
                                "${errorId}: a $($existing.CommandType) named '$name' already exists and is not a " +
                                'proxy function; use -Force to replace it.'))
                    }
                }
            }
            $sb = [scriptblock]::Create([string](Get-PshaiField $Directive 'script'))
            if ($null -ne $script:PshaiModule) { $sb = $script:PshaiModule.NewBoundScriptBlock($sb) }
            $null = Set-Item -LiteralPath "function:global:$name" -Value $sb -Force
            Write-PshaiFunctionInfo $Directive
        }
        'emitFunction' { Write-PshaiFunctionInfo $Directive }
        'removeFunction' {
            # From module scope, function:\<name> resolves to the global function (proxy names never
            # clash with the runtime's Pshai-prefixed helpers).
            if (Test-Path -LiteralPath "function:\$name") {
                Remove-Item -LiteralPath "function:\$name" -Force -ErrorAction SilentlyContinue
            }
        }
        'forget' {
            $script:PshaiCodec.Forget("$(Get-PshaiField $Directive '$type')|$(Get-PshaiField $Directive '$id')")
        }
        default { Write-Verbose "PowershaiPy: unknown directive '$kind'" }
    }
}

function Write-PshaiFunctionInfo {
    # {"name", "type", "emit"}: writes the function's own FunctionInfo (as PowerShai's proxy
    # cmdlets do, so `& $fn` works), typed and with the worker's facts as its GradioProxy
    # property. A function the user has since deleted writes nothing.
    param($Directive)
    $info = Get-PshaiField $Directive 'emit'
    if ($null -eq $info) { return }
    # function:global:<name> is for Set-Item only; Get-Item finds the global one by its plain path.
    $fn = Get-Item -LiteralPath "function:\$([string](Get-PshaiField $Directive 'name'))" -ErrorAction SilentlyContinue
    if ($null -eq $fn) { return }
    $typeName = 'PowershaiType:' + [string](Get-PshaiField $Directive 'type')
    if ($fn.PSObject.TypeNames -notcontains $typeName) { $fn.PSObject.TypeNames.Insert(0, $typeName) }
    Add-Member -InputObject $fn -MemberType NoteProperty -Name GradioProxy -Value $info -Force
    $fn
}

function Write-PshaiWorkerLog {
    param($Cmdlet)
    if ($VerbosePreference -eq 'SilentlyContinue') { return }
    foreach ($line in @(Read-PshaiStderrNew -Worker $script:PshaiWorker)) {
        $Cmdlet.WriteVerbose("worker: $line")
    }
}

function Invoke-PshaiCmdlet {
    # The body of every generated function: see docs/DESIGN.md. This runs for every cmdlet call,
    # so it avoids helper calls on the common path (a script function call costs ~0.1 ms).
    # A plain function (no parameter attributes): advanced-function binding costs more.
    # $Ask: the generated function says whether this call asks ShouldProcess (the spec decides).
    param([string]$Name, $Bound, $Cmdlet, [bool]$Ask = $false, $Invocation = $null)
    $codec = $script:PshaiCodec
    $scriptBlocks = @{}
    # The worker resolves relative paths against PowerShell's current folder, not its own.
    $cwd = $PWD
    if ($null -ne $cwd -and $cwd.Provider.Name -eq 'FileSystem') { $cwd = $cwd.ProviderPath }
    else {
        $cwd = $null
        try { $cwd = $ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath } catch { }
    }

    $run = $null
    $worker = $null
    $failure = $null
    try {
        $approved = $null
        if ($Ask) {
            # Two-phase ShouldProcess: the worker lists the candidates, PowerShell asks, then acts.
            $json = $codec.EncodeCmdletParams($Name, $Bound, $script:PshaiCommonParameters, $cwd, $scriptBlocks, $true, $null, $null)
            $dry = Invoke-PshaiRequest -Method 'cmdlet' -ParamsJson $json
            Invoke-PshaiMessageList -Messages $dry.messages -Cmdlet $Cmdlet -ScriptBlocks $scriptBlocks
            if ($dry.stream) { Send-PshaiNotification -Method 'stream/close' -Params @{ token = [string]$dry.stream } }
            $chosen = New-Object System.Collections.Generic.List[string]
            foreach ($candidate in $dry.output) {
                $candidateId = [PowershaiPy.Native.WireCodec]::IdOf($candidate)
                if ($null -eq $candidateId) { continue }
                $approve = $false
                try { $approve = $Cmdlet.ShouldProcess($candidateId) }
                catch [System.Management.Automation.PSInvalidOperationException] {
                    # A host that cannot ask (pwsh -NonInteractive, a service): say what to do.
                    throw (New-PshaiException -ErrorId 'POWERSHAI_PY_CONFIRM_UNAVAILABLE' -Category 'InvalidOperation' -Message (
                        "POWERSHAI_PY_CONFIRM_UNAVAILABLE: $($Cmdlet.MyInvocation.MyCommand.Name) asks before it " +
                        'removes, and this PowerShell cannot ask (non-interactive). Add -Confirm:$false to go ahead ' +
                        'without asking, or -WhatIf to see what it would remove.'))
                }
                if ($approve) { $chosen.Add($candidateId) }
            }
            if ($chosen.Count -eq 0) { return }
            $approved = $chosen.ToArray()
        }
        # Our own stream token, so that a call stopped before its answer can still close it; the
        # worker's answer then waits for the stream's first item (docs/DESIGN.md).
        $token = [guid]::NewGuid().ToString('N')
        $json = $codec.EncodeCmdletParams($Name, $Bound, $script:PshaiCommonParameters, $cwd, $scriptBlocks, $false, $approved, $token)
        $worker = $script:PshaiWorker
        if ($null -eq $worker -or $worker.Dead -or $worker.Process.HasExited) { $worker = Get-PshaiWorker }
        # CmdletRun writes messages and objects through $Cmdlet; the loop returns to script at
        # least every PollMs (Ctrl+C), and for what only script can do (Pending).
        try {
            $run = [PowershaiPy.Native.CmdletRun]::new($worker.Link, $Cmdlet, $json, $token)
            while (-not $run.Done) {
                $moved = $run.Step($script:PshaiPollMs)
                if ($null -ne $run.Pending) {
                    $pending = $run.TakePending()
                    if ([PowershaiPy.Native.WireCodec]::IsDirective($pending)) { Invoke-PshaiDirective $pending }
                    else { Invoke-PshaiMessageList -Messages @($pending) -Cmdlet $Cmdlet -ScriptBlocks $scriptBlocks }
                } elseif (-not $moved) {
                    Assert-PshaiWorkerAlive -Worker $worker -Method $Name
                }
                if ($VerbosePreference -ne 'SilentlyContinue') { Write-PshaiWorkerLog -Cmdlet $Cmdlet }
            }
        } catch {
            if (Test-PshaiEndOfStream $_.Exception) { throw (New-PshaiWorkerExitedException -Worker $worker -Method $Name) }
            throw
        }
        if ($worker.Link.NoteCount -gt 0) { Write-PshaiLinkNotes -Link $worker.Link }
        if ($null -ne $run.Failure) { throw (ConvertFrom-PshaiRpcFailure $run.Failure) }
    } catch {
        $ex = $_.Exception
        # A value the codec cannot send (EncodeCmdletParams) comes wrapped by the method call.
        if ($ex -is [System.Management.Automation.MethodInvocationException] -and $null -ne $ex.InnerException) { $ex = $ex.InnerException }
        if ($null -eq $ex -or -not $ex.Data.Contains('PshaiErrorId')) { throw }
        $failure = $ex
    } finally {
        # Stopped (Ctrl+C, Select-Object -First) or failed: drop the answer, close the stream.
        if ($null -ne $run -and -not $run.Done -and -not $worker.Dead) { $run.Stop() }
    }
    if ($null -ne $failure) {
        Invoke-PshaiMessageList -Messages $failure.Data['PshaiMessages'] -Cmdlet $Cmdlet -ScriptBlocks $scriptBlocks
        Write-PshaiWorkerLog -Cmdlet $Cmdlet
        Invoke-PshaiThrow -Exception $failure -Cmdlet $Cmdlet -Invocation $Invocation
    }
}

function Invoke-PshaiPlainFunction {
    # The body of a function generated without [CmdletBinding()] (PowerShai declared a few so:
    # piped input and extra arguments are ignored there). The call needs a $PSCmdlet to write
    # through, so this advanced helper lends its own; errors name the plain function.
    [CmdletBinding()]
    param([string]$Name, $Bound, $Invocation)
    Invoke-PshaiCmdlet -Name $Name -Bound $Bound -Cmdlet $PSCmdlet -Invocation $Invocation
}
