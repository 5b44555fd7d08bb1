// PowershaiPy.Native.ILineTransport: how WorkerLink reaches a worker, one JSON-RPC line at a time.
// Part of the runtime's compiled hot path (C# 5, for Windows PowerShell 5.1's Add-Type); the
// generator joins src/native/*.cs in the order of src/native/order.txt into PowershaiPy.Native.cs.
using System.Threading.Tasks;

namespace PowershaiPy.Native
{
    /// <summary>A line channel to a worker: the stdio child process (StdioLineTransport) or a worker
    /// hosted in this process. WorkerLink owns the JSON-RPC rules; a transport only moves lines.</summary>
    public interface ILineTransport
    {
        /// <summary>Sends one line (without its newline); throws IOException when the worker is gone.</summary>
        void WriteLine(string line);

        /// <summary>The next line from the worker; the task's result is null at the end of the
        /// channel. At most one read is outstanding at a time.</summary>
        Task<string> ReadLineAsync();

        /// <summary>Ends the channel; later reads return null.</summary>
        void Close();
    }
}
