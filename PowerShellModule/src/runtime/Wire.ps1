# runtime/Wire.ps1: wire values (decoding and encoding live in PowershaiPy.Native.WireCodec).
#
# One part of the PowershaiPy runtime (see Runtime.ps1 beside this folder). The generator inlines the
# parts verbatim into PowershaiPy.psm1 in the order of runtime/order.txt; nothing here is exported.
# Valid on Windows PowerShell 5.1 and PowerShell 7+.

# ------------------------------------------------------------------------------------------------
# Wire values (decoding and encoding live in PowershaiPy.Native.WireCodec)
# ------------------------------------------------------------------------------------------------

function Get-PshaiField {
    # An optional field of a parsed message (safe under Set-StrictMode -Version Latest).
    param($Object, [string]$Name)
    if ($null -eq $Object) { return $null }
    if ($Object -is [System.Collections.IDictionary]) {
        if ($Object.Contains($Name)) { return , $Object[$Name] }
        return $null
    }
    $p = $Object.PSObject.Properties[$Name]
    if ($null -eq $p) { return $null }
    , $p.Value
}

function Get-PshaiLiveValue {
    # Getter of a live property ($live): asks the worker for its current value.
    param($Object, [string]$Property)
    $ref = [PowershaiPy.Native.WireCodec]::RefOf($Object)
    if ($null -eq $ref) { return $null }
    # PowerShai kept these as hashtables (uploads[path], ApiCalls.ById[id], options.MaxCalls).
    $value = Invoke-PshaiRequest -Method 'object/get' -Params ([ordered]@{ ref = $ref; property = $Property }) -AsHashtable
    $declared = $Object.PSObject.Properties[$Property]
    if ($value -is [System.Collections.IDictionary] -and $null -ne $declared -and $declared.IsSettable) {
        # Assignable ($settable): setting an entry sets it in the worker too.
        return , [PowershaiPy.Native.LiveTable]::new($value, $Object, $Property, $script:PshaiSetLiveEntry, $Object.PshaiRef.Settable)
    }
    $value
}

function Set-PshaiLiveValue {
    # Setter of an assignable live property ($settable): the worker checks the value and applies it,
    # and answers with the property's new value. -Key sets one entry of a hashtable property.
    param($Object, [string]$Property, $Value, $Key = $null)
    $ref = [PowershaiPy.Native.WireCodec]::RefOf($Object)
    if ($null -eq $ref) { return $null }
    $params = [ordered]@{ ref = $ref; property = $Property; value = $Value }
    if ($null -ne $Key) { $params['key'] = [string]$Key }
    Invoke-PshaiRequest -Method 'object/set' -Params $params -AsHashtable
}

# What a LiveTable calls for each entry set on it: (owner, property, key, value).
$script:PshaiSetLiveEntry = { param($Object, $Property, $Key, $Value) Set-PshaiLiveValue -Object $Object -Property $Property -Key $Key -Value $Value }
