<#
.SYNOPSIS
    PowerShell side of the powershai-py benchmark (driven by bench/run.py).

.DESCRIPTION
    Imports the module once (so the worker is warm after the first call) and runs one mode:
      calls   N round trips of Invoke-GradioSessionApi bench_noop | Update-GradioSessionApiResult,
              each timed with [Diagnostics.Stopwatch] (after Warmup untimed calls)
      stream  Runs stamped(Count, Delay) Repeat times, stamping the local clock as each result
              reaches a ForEach-Object
      fanout  Rounds of: Invoke all Calls calls, then Update all; times each round
      blocks  As calls, but driven from stdin so that a bench can interleave this process with
              others on one server: after Warmup calls it prints "BENCH-READY", then for each
              line N it reads, times N calls and prints "BENCH-BLOCK: [seconds, ...]"; an empty
              line or the end of input ends it
    and prints one line "BENCH-JSON: {...}" that bench/run.py parses.
#>
param(
    [Parameter(Mandatory)] [string] $Psd1,
    [Parameter(Mandatory)] [string] $Url,
    [ValidateSet('calls', 'stream', 'fanout', 'blocks')] [string] $Mode = 'calls',
    [int] $N = 200,
    [int] $Warmup = 20,
    [int] $Count = 20,
    [double] $Delay = 0.1,
    [int] $Repeat = 1,
    [int] $Calls = 100,
    [int] $Rounds = 3
)
$ErrorActionPreference = 'Stop'
$WarningPreference = 'SilentlyContinue'
$ProgressPreference = 'SilentlyContinue'

Import-Module $Psd1 -Force
$session = New-GradioSession $Url
# Keep the call table bounded: the oldest call goes when the limit is reached.
Set-GradioSession $session -MaxCalls 1000 -MaxCallsPolicy remove

function Invoke-Noop {
    Invoke-GradioSessionApi bench_noop @('x') -session $session | Update-GradioSessionApiResult
}

function Measure-Noop {
    # Count calls one after another, each timed alone: @{ Times = seconds per call; Last = the
    # last call's results }.
    param([int]$Count)
    $times = [System.Collections.Generic.List[double]]::new()
    $out = $null
    for ($i = 0; $i -lt $Count; $i++) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $out = Invoke-Noop
        $sw.Stop()
        $times.Add($sw.Elapsed.TotalSeconds)
    }
    @{ Times = $times; Last = $out }
}

$result = @{ mode = $Mode }
switch ($Mode) {
    'calls' {
        for ($i = 0; $i -lt $Warmup; $i++) { $null = Invoke-Noop }
        $measured = Measure-Noop $N
        $result.times = $measured.Times
        $result.last = @($measured.Last | ForEach-Object { $_.event })
    }
    'blocks' {
        for ($i = 0; $i -lt $Warmup; $i++) { $null = Invoke-Noop }
        [Console]::Out.WriteLine('BENCH-READY')
        [Console]::Out.Flush()
        while ($true) {
            $line = [Console]::In.ReadLine()
            if ([string]::IsNullOrWhiteSpace($line)) { break }
            $measured = Measure-Noop ([int]$line)
            # A block counts only if its last call brought its own value back.
            $last = @($measured.Last)[-1]
            if (-not ($last.event -eq 'complete' -and @($last.data)[0] -eq 'x')) {
                throw "bench_noop did not return its value: $($measured.Last | Out-String)"
            }
            [Console]::Out.WriteLine('BENCH-BLOCK: ' + (ConvertTo-Json -Compress -InputObject @($measured.Times)))
            [Console]::Out.Flush()
        }
        $result.blocks = 'done'
    }
    'stream' {
        $null = Invoke-Noop
        $delays = [System.Collections.Generic.List[double]]::new()
        for ($r = 0; $r -lt $Repeat; $r++) {
            Invoke-GradioSessionApi stamped @($Count, $Delay) -session $session |
                Update-GradioSessionApiResult |
                ForEach-Object {
                    $now = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000.0
                    if ($_.event -eq 'generating') {
                        $stamp = @($_.data)[0]
                        $delays.Add($now - [double]$stamp.t)
                    }
                }
        }
        $result.delays = $delays
    }
    'fanout' {
        $null = Invoke-Noop
        $roundTimes = [System.Collections.Generic.List[double]]::new()
        $bad = 0
        for ($r = 0; $r -lt $Rounds + 1; $r++) {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $events = for ($i = 0; $i -lt $Calls; $i++) {
                Invoke-GradioSessionApi bench_noop @("x$i") -session $session
            }
            $good = 0
            for ($i = 0; $i -lt $Calls; $i++) {
                # A call is good only when its own value comes back.
                try {
                    $out = @($events[$i] | Update-GradioSessionApiResult)
                    $last = $out[-1]
                    if ($last.event -eq 'complete' -and @($last.data)[0] -eq "x$i") { $good++ }
                } catch { }
            }
            $sw.Stop()
            if ($r -gt 0) {
                # round 0 is the warm-up
                $roundTimes.Add($sw.Elapsed.TotalSeconds)
                $bad += $Calls - $good
            }
        }
        $result.round_times = $roundTimes
        $result.calls = $Calls
        $result.bad = $bad
    }
}
'BENCH-JSON: ' + ($result | ConvertTo-Json -Depth 5 -Compress)
