// PowershaiPy.Native.WorkerLink: the JSON-RPC link over a line transport. Part of the runtime's compiled hot path
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
    /// <summary>The worker's end of the pipe: sends requests and collects their answers by id.
    /// Used from the pipeline thread only; waits are bounded (pollMs) so that Ctrl+C, which
    /// PowerShell honours between script statements, stays responsive.</summary>
    public sealed class WorkerLink
    {
        private readonly ILineTransport transport;
        private readonly WireCodec codec;
        private readonly Dictionary<string, JsonObject> parked = new Dictionary<string, JsonObject>();
        private readonly HashSet<string> abandoned = new HashSet<string>();
        private readonly List<string> notes = new List<string>();
        private Task<string> pending;
        private long nextId;

        public WorkerLink(ILineTransport transport, WireCodec codec)
        {
            this.transport = transport;
            this.codec = codec;
        }

        /// <summary>A link over a worker child process's stdin and stdout.</summary>
        public WorkerLink(Stream stdin, TextReader stdout, WireCodec codec)
            : this(new StdioLineTransport(stdin, stdout), codec)
        {
        }

        /// <summary>The channel this link talks over.</summary>
        public ILineTransport Transport { get { return transport; } }

        /// <summary>Sends one request; returns its id.</summary>
        public string SendRequest(string method, string paramsJson)
        {
            nextId++;
            string id = nextId.ToString(CultureInfo.InvariantCulture);
            LastId = id;
            StringBuilder sb = new StringBuilder(64 + (paramsJson == null ? 0 : paramsJson.Length));
            sb.Append("{\"jsonrpc\":\"2.0\",\"id\":").Append(id).Append(",\"method\":");
            WireCodec.WriteString(sb, method);
            sb.Append(",\"params\":").Append(string.IsNullOrEmpty(paramsJson) ? "{}" : paramsJson).Append('}');
            WriteLine(sb.ToString());
            return id;
        }

        public void SendNotification(string method, string paramsJson)
        {
            StringBuilder sb = new StringBuilder();
            sb.Append("{\"jsonrpc\":\"2.0\",\"method\":");
            WireCodec.WriteString(sb, method);
            sb.Append(",\"params\":").Append(string.IsNullOrEmpty(paramsJson) ? "{}" : paramsJson).Append('}');
            WriteLine(sb.ToString());
        }

        private void WriteLine(string json) { transport.WriteLine(json); }

        /// <summary>The params of stream/next and stream/close: {"token": token}.</summary>
        public static string TokenParams(string token)
        {
            StringBuilder sb = new StringBuilder("{\"token\":");
            WireCodec.WriteString(sb, token);
            return sb.Append('}').ToString();
        }

        /// <summary>Asks the worker to stop a stream; a worker that is gone needs no asking.</summary>
        public void CloseStream(string token)
        {
            try { SendNotification("stream/close", TokenParams(token)); }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
        }

        /// <summary>Id of the last request sent.</summary>
        public string LastId { get; private set; }

        /// <summary>Sends a request and waits up to pollMs for its result (see TryResult); on
        /// NoAnswer the caller goes on with TryResult(LastId, ...).</summary>
        public object Request(string method, string paramsJson, int pollMs, bool asHashtable)
        {
            string id = SendRequest(method, paramsJson);
            return TryResult(id, pollMs, asHashtable);
        }

        /// <summary>Returned by TryResult while the answer has not come.</summary>
        public static readonly object NoAnswer = new object();

        /// <summary>The decoded result of request id; an RpcFailure when the worker answered with
        /// an error; NoAnswer when nothing came within pollMs. Throws EndOfStreamException when
        /// the worker has closed its stdout.</summary>
        public object TryResult(string id, int pollMs, bool asHashtable)
        {
            DateTime deadline = DateTime.UtcNow.AddMilliseconds(pollMs);
            while (true)
            {
                JsonObject message;
                if (parked.TryGetValue(id, out message))
                {
                    parked.Remove(id);
                    JsonObject error = message.Get("error") as JsonObject;
                    if (error != null) { return RpcFailure.From(error, codec); }
                    return codec.Decode(message.Get("result"), asHashtable);
                }
                if (pending == null) { pending = transport.ReadLineAsync(); }
                int wait = (int)Math.Max(0, (deadline - DateTime.UtcNow).TotalMilliseconds);
                bool completed;
                try { completed = pending.Wait(wait); }
                catch (AggregateException)
                {
                    pending = null;
                    throw new EndOfStreamException("reading the worker's stdout failed");
                }
                if (!completed) { return NoAnswer; }
                string line = pending.Result;
                pending = null;
                if (line == null) { throw new EndOfStreamException("the worker closed its stdout"); }
                Accept(line);
            }
        }

        /// <summary>Nobody waits for this answer any more (the caller was stopped).</summary>
        public void Abandon(string id) { abandoned.Add(id); }

        public int NoteCount { get { return notes.Count; } }

        /// <summary>Lines that were not answers (notes for -Verbose), oldest first; clears them.</summary>
        public string[] TakeNotes()
        {
            string[] copy = notes.ToArray();
            notes.Clear();
            return copy;
        }

        private void Accept(string line)
        {
            if (line.Trim().Length == 0) { return; }
            JsonObject message;
            try { message = JsonReader.Parse(line) as JsonObject; }
            catch (FormatException) { message = null; }
            if (message == null)
            {
                notes.Add("ignoring a line from the worker that is not a JSON object: " + line);
                return;
            }
            object rawId = message.Get("id");
            if (rawId == null)
            {
                // A parse-error report (id null) or a notification: nothing waits for it.
                JsonObject error = message.Get("error") as JsonObject;
                if (error != null) { notes.Add("worker reported: " + error.Get("message")); }
                return;
            }
            string key = Convert.ToString(rawId, CultureInfo.InvariantCulture);
            if (abandoned.Remove(key))
            {
                // Stopped while a cmdlet was starting: its stream would otherwise stay open.
                JsonObject result = message.Get("result") as JsonObject;
                string orphan = result == null ? null : result.Get("stream") as string;
                if (!string.IsNullOrEmpty(orphan)) { CloseStream(orphan); }
                return;
            }
            parked[key] = message;
        }
    }
}
