# runtime/Startup.ps1: what runs last at import: cleanup on Remove-Module and on exit.
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.

Register-PshaiCleanup
