// PowershaiPy.Native.RunspaceEnd: a worker ends with the runspace that started it. Part of the
// runtime's compiled hot path (C# 5, for Windows PowerShell 5.1's Add-Type); the generator joins
// src/native/*.cs in the order of src/native/order.txt into the module's PowershaiPy.Native.cs.
using System;
using System.Management.Automation.Runspaces;

namespace PowershaiPy.Native
{
    /// <summary>Closes a worker's channel when the runspace that started it closes. A runspace of
    /// [powershell]::Create() or of a pool ends without PowerShell's Exiting event, so without
    /// this its worker (a process under stdio, a host with its threads in-process) would live
    /// on until the whole process exits. Closing the channel is the worker's end of input: the
    /// process exits, the host stops its streams and its reader.</summary>
    public static class RunspaceEnd
    {
        public static void CloseWith(Runspace runspace, ILineTransport channel)
        {
            if (runspace == null || channel == null) { return; }
            EventHandler<RunspaceStateEventArgs> handler = null;
            handler = delegate(object sender, RunspaceStateEventArgs e)
            {
                RunspaceState state = e.RunspaceStateInfo.State;
                if (state != RunspaceState.Closing && state != RunspaceState.Closed && state != RunspaceState.Broken) { return; }
                runspace.StateChanged -= handler;
                try { channel.Close(); }
                catch (Exception) { }   // the worker is gone already; nothing to tell anyone now
            };
            runspace.StateChanged += handler;
        }
    }
}
