// PowershaiPy.Native.CmdletRun: one cmdlet call played on the pipeline thread. Part of the runtime's compiled hot path
// (C# 5, for Windows PowerShell 5.1's Add-Type); the generator joins src/native/*.cs in the
// order of src/native/order.txt into the module's PowershaiPy.Native.cs.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Threading.Tasks;

namespace PowershaiPy.Native
{
    /// <summary>One cmdlet call on the worker, played on the pipeline thread: each Step waits up
    /// to pollMs for the next answer, then writes its messages and objects through the calling
    /// function's PSCmdlet, and asks for the stream's next item until the worker says done.
    /// What only script can do (run a script block for an "invoke" message, act on a directive)
    /// stops the Step with Pending set; the caller handles it and steps on.</summary>
    public sealed class CmdletRun
    {
        private readonly WorkerLink link;
        private readonly PSCmdlet cmdlet;
        private readonly string token;
        private string waitingId;
        private object[][] parts;  // messages, output, items of the answer being played
        private int part;
        private int index;
        private bool last;

        public CmdletRun(WorkerLink link, PSCmdlet cmdlet, string paramsJson, string token)
        {
            this.link = link;
            this.cmdlet = cmdlet;
            this.token = token;
            waitingId = link.SendRequest("cmdlet", paramsJson);
        }

        /// <summary>True once the worker has nothing more for this call (or it failed).</summary>
        public bool Done { get; private set; }

        /// <summary>The worker's error answer, when the call failed.</summary>
        public RpcFailure Failure { get; private set; }

        /// <summary>A message or directive only script can play; take it with TakePending.</summary>
        public object Pending { get; private set; }

        public object TakePending()
        {
            object pending = Pending;
            Pending = null;
            return pending;
        }

        /// <summary>False when no answer came within pollMs; true when something happened.</summary>
        public bool Step(int pollMs)
        {
            if (Done || Pending != null) { return true; }
            if (parts == null)
            {
                object result = link.TryResult(waitingId, pollMs, false);
                if (object.ReferenceEquals(result, WorkerLink.NoAnswer)) { return false; }
                waitingId = null;
                RpcFailure failure = result as RpcFailure;
                if (failure != null)
                {
                    Failure = failure;
                    Done = true;
                    return true;
                }
                PSObject reply = PSObject.AsPSObject(result);
                parts = new object[][] { Items(reply, "messages"), Items(reply, "output"), Items(reply, "items") };
                PSPropertyInfo done = reply.Properties["done"];
                last = done == null || !(done.Value is bool) || (bool)done.Value;
                part = 0;
                index = 0;
            }
            while (part < parts.Length)
            {
                object[] list = parts[part];
                while (index < list.Length)
                {
                    object entry = list[index++];
                    if (part == 0)
                    {
                        if (!Play(cmdlet, entry)) { Pending = entry; return true; }
                    }
                    else if (part == 1 && WireCodec.IsDirective(entry)) { Pending = entry; return true; }
                    else { cmdlet.WriteObject(entry); }
                }
                part++;
                index = 0;
            }
            parts = null;
            if (last) { Done = true; }
            else { waitingId = link.SendRequest("stream/next", WorkerLink.TokenParams(token)); }
            return true;
        }

        /// <summary>The caller was stopped: drop the awaited answer and close the stream.</summary>
        public void Stop()
        {
            if (Done) { return; }
            Done = true;
            if (waitingId != null) { link.Abandon(waitingId); }
            link.CloseStream(token);
        }

        private static object[] Items(PSObject reply, string name)
        {
            PSPropertyInfo property = reply.Properties[name];
            object[] items = property == null ? null : property.Value as object[];
            return items ?? new object[0];
        }

        private static string Text(PSObject message, string name)
        {
            PSPropertyInfo property = message.Properties[name];
            return property == null || property.Value == null ? null : Convert.ToString(property.Value, CultureInfo.InvariantCulture);
        }

        /// <summary>Writes one worker message to its stream through the function's PSCmdlet; false
        /// for those only script can play ("invoke": a script block's output goes to the
        /// pipeline). The one player of messages: the runtime's Invoke-PshaiMessageList calls it
        /// too, for messages that come outside a run (a dry run, a failure).</summary>
        public static bool Play(PSCmdlet cmdlet, object entry)
        {
            if (entry == null) { return true; }
            PSObject message = PSObject.AsPSObject(entry);
            string text = Text(message, "text") ?? "";
            switch (Text(message, "level"))
            {
                case "warning": cmdlet.WriteWarning(text); return true;
                case "verbose": cmdlet.WriteVerbose(text); return true;
                case "debug": cmdlet.WriteDebug(text); return true;
                case "refresh": return true;  // decoding the answer already updated the live object
                case "progress": cmdlet.WriteProgress(Progress(message)); return true;
                case "invoke": return false;
                default:
                    if (text.Length > 0) { cmdlet.WriteVerbose(text); }
                    return true;
            }
        }

        private static ProgressRecord Progress(PSObject message)
        {
            string activity = Text(message, "activity");
            string status = Text(message, "status");
            int id = 1;
            string rawId = Text(message, "id");
            if (rawId != null) { int.TryParse(rawId, NumberStyles.Integer, CultureInfo.InvariantCulture, out id); }
            ProgressRecord record = new ProgressRecord(id, string.IsNullOrEmpty(activity) ? "PowershaiPy" : activity,
                                                       string.IsNullOrEmpty(status) ? "Processing" : status);
            string rawPercent = Text(message, "percent");
            double percent;
            if (rawPercent != null && double.TryParse(rawPercent, NumberStyles.Float, CultureInfo.InvariantCulture, out percent))
            {
                record.PercentComplete = (int)Math.Max(-1, Math.Min(100, Math.Round(percent, MidpointRounding.ToEven)));
            }
            PSPropertyInfo completed = message.Properties["completed"];
            if (completed != null && completed.Value is bool && (bool)completed.Value)
            {
                record.RecordType = ProgressRecordType.Completed;
            }
            return record;
        }
    }
}
