# The PowerShell side of the demo: start the bundled Gradio app, then drive it through the
# PowershaiPy module exactly as a PowerShai script would, streaming the story as it is told.
$ErrorActionPreference = 'Stop'
$root = Split-Path -Parent $PSScriptRoot
$python = Join-Path $root '.cache/venvs/gradio6/bin/python'
if (-not (Test-Path $python)) { $python = Join-Path $root '.cache/venvs/gradio6/Scripts/python.exe' }
if (-not $env:POWERSHAI_PY_PYTHON) {
    $env:POWERSHAI_PY_PYTHON = Join-Path $root '.venv/bin/python'
}

$listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
$listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
$env:GRADIO_ANALYTICS_ENABLED = 'False'; $env:HF_HUB_OFFLINE = '1'
$app = Start-Process -FilePath $python -PassThru -NoNewWindow `
    -ArgumentList @((Join-Path $root 'demo/gradio_demo_app.py'), '--port', "$port") `
    -RedirectStandardOutput (Join-Path ([IO.Path]::GetTempPath()) "pshai-demo-$port.out") `
    -RedirectStandardError (Join-Path ([IO.Path]::GetTempPath()) "pshai-demo-$port.err")
try {
    $url = "http://127.0.0.1:$port"
    $deadline = (Get-Date).AddSeconds(90)
    while ($true) {
        try { $null = Invoke-WebRequest "$url/config" -UseBasicParsing -TimeoutSec 2; break } catch { }
        if ((Get-Date) -gt $deadline -or $app.HasExited) { throw "the demo app did not start" }
        Start-Sleep -Milliseconds 300
    }

    Import-Module (Join-Path $root 'PowerShellModule/PowershaiPy/PowershaiPy.psd1') -Force
    $session = New-GradioSession $url -Name demo
    Write-Host "PowerShell: connected to $($session.AppUrl)"
    $started = Get-Date
    $session | Invoke-GradioSessionApi tell @{ topic = 'about PowerShell'; words = 10 } |
        Update-GradioSessionApiResult |
        ForEach-Object {
            $elapsed = ((Get-Date) - $started).TotalSeconds
            '  +{0,5:N2}s  #{1} {2,-10} {3}' -f $elapsed, $_.num, $_.event, ($_.data -join ' ')
        }
    Remove-GradioSession demo
}
finally {
    if (-not $app.HasExited) { Stop-Process -Id $app.Id -Force }
}
