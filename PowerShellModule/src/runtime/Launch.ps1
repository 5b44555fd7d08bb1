# runtime/Launch.ps1: the in-process engine's start, begun as the import's first work.
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.
#
# Starting CPython in this process takes half a second (PythonEngine.Initialize, then the worker's
# import), which the first call would otherwise wait for. Under inprocess or auto the import
# begins it on a thread of its own (PythonHost.BeginStart), and here, before the rest of the module
# is even defined, when the launch record fits: the file the last successful in-process start left
# in the cache folder (Write-PshaiInProcessLaunch), naming the interpreter, its probe and the
# compiled bridge, with the inputs that chose them and the time stamps of the files they are.
# Only .NET calls run on the way to BeginStart: this early in an import the first use of a cmdlet
# (30 to 60 ms) or of a PowerShell construct (5 to 10 ms) is what the engine would wait for.
# Without a fitting record (the first in-process use, another Python or venv, a changed file, a
# module upgrade) Start-PshaiInProcessEarly begins the start later in the import, from the probe
# cache; the first call takes the interpreter started here (Start-PshaiInProcessWorker).

$script:PshaiLaunchHeader = 'powershai-py in-process launch 1'

function Get-PshaiInProcessLogPath {
    # Where the hosted interpreter's stdout, stderr and logs go: one file per PowerShell process.
    [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), ('powershai-py-inprocess-{0}.log' -f $PID))
}

function Get-PshaiLaunchPath {
    [System.IO.Path]::Combine((Get-PshaiCacheFolder), 'native', 'inprocess.launch.txt')
}

function Get-PshaiLaunchInputs {
    # What decides the interpreter of a launch record: $env:POWERSHAI_PY_PYTHON, the install-module
    # record and $env:VIRTUAL_ENV (Find-PshaiPython's first candidates, in that order), and which
    # module and which PowerShell compiled the bridge.
    $record = ''
    $recordPath = [System.IO.Path]::Combine($PSScriptRoot, 'PowershaiPy.python.txt')
    if ([System.IO.File]::Exists($recordPath)) { $record = [System.IO.File]::ReadAllText($recordPath).Trim() }
    [string]::Join('|', [string[]]@($env:POWERSHAI_PY_PYTHON, $record, $env:VIRTUAL_ENV, $PSScriptRoot,
            $PSVersionTable.PSVersion))
}

function Start-PshaiInProcessLaunch {
    # Begins the engine's start from a fitting launch record; returns @{ Inputs; Python; Info }
    # (as Find-PshaiProbedPython gives them) for the first call, or $null.
    $asked = $script:PshaiTransportAsked
    if (-not $asked) { $asked = $env:POWERSHAI_PY_TRANSPORT }
    if (-not $asked) { return $null }
    $asked = $asked.Trim().ToLowerInvariant()
    if ($asked -ne 'inprocess' -and $asked -ne 'auto') { return $null }
    $path = Get-PshaiLaunchPath
    if (-not [System.IO.File]::Exists($path)) { return $null }
    $lines = [System.IO.File]::ReadAllLines($path)
    # The last line tells a whole record from one another process is still writing.
    if ($lines.Count -lt 3 -or $lines[0] -ne $script:PshaiLaunchHeader -or $lines[$lines.Count - 1] -ne 'end') { return $null }
    $inputs = Get-PshaiLaunchInputs
    $fields = @{}
    $siteDirs = [System.Collections.Generic.List[string]]::new()
    foreach ($line in $lines) {
        $at = $line.IndexOf('=')
        if ($at -lt 1) { continue }
        $name = $line.Substring(0, $at)
        $value = $line.Substring($at + 1)
        if ($name -eq 'siteDir') { $siteDirs.Add($value) }
        elseif ($name -eq 'file') {
            # <ticks>|<path>: the file as it was when the record was written.
            $bar = $value.IndexOf('|')
            if ($bar -lt 1) { return $null }
            $ticks = [System.IO.File]::GetLastWriteTimeUtc($value.Substring($bar + 1)).Ticks
            if ($value.Substring(0, $bar) -ne $ticks.ToString()) { return $null }
        } else { $fields[$name] = $value }
    }
    if ($fields['inputs'] -ne $inputs -or -not $fields['python'] -or -not $fields['bridgeDll']) { return $null }
    $null = [System.Reflection.Assembly]::LoadFrom($fields['runtimeDll'])
    $null = [System.Reflection.Assembly]::LoadFrom($fields['bridgeDll'])
    [PowershaiPy.InProcess.PythonHost]::BeginStart($fields['pythonDll'], $fields['executable'],
        $siteDirs.ToArray(), (Get-PshaiInProcessLogPath), [string]$env:POWERSHAI_PY_LOG)
    @{
        Inputs = $inputs
        Python = @{ Path = $fields['python']; Prefix = @(); From = $fields['from'] }
        Info   = [pscustomobject]@{
            executable = $fields['executable']; version = $fields['version']; pythonDll = $fields['pythonDll']
            runtimeDll = $fields['runtimeDll']; siteDirs = $siteDirs.ToArray(); errorId = $null; reason = $null
        }
    }
}

# Import-Module PowershaiPy -ArgumentList inprocess (or @{ Transport = 'inprocess' }) binds the
# module's own $Transport parameter (the spec's importArguments); it wins over the variable
# (Resolve-PshaiTransport in InProcess.ps1 checks the name).
$script:PshaiTransportAsked = $null
$pshaiArgument = $ExecutionContext.SessionState.PSVariable.GetValue('Transport')   # not Get-Variable: a cmdlet
if ($pshaiArgument -is [System.Collections.IDictionary]) { $script:PshaiTransportAsked = [string]$pshaiArgument['Transport'] }
elseif ($null -ne $pshaiArgument) { $script:PshaiTransportAsked = [string]$pshaiArgument }
$script:PshaiLaunch = $null
try { $script:PshaiLaunch = Start-PshaiInProcessLaunch } catch { }
$pshaiArgument = $null
