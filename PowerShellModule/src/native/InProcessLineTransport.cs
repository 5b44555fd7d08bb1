// PowershaiPy.Native.InProcessLineTransport: the line channel to a worker hosted in this process.
// Part of the runtime's compiled hot path (C# 5); knows nothing about Python (the bridge,
// PowershaiPy.InProcess, is compiled separately against Python.Runtime.dll).
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace PowershaiPy.Native
{
    /// <summary>The line channel to a worker hosted in this process (PowershaiPy.InProcess,
    /// compiled separately because it references Python.Runtime.dll). Both ways are queues of
    /// lines, as a pipe's two ends would be: WriteLine queues a request that the host's own
    /// thread takes (Take blocks there, outside the GIL), and answers arrive on Python's threads
    /// through Deliver and wait, in order, until ReadLineAsync takes them. The pipeline thread
    /// never takes the GIL to send. Nothing here knows about Python.</summary>
    public sealed class InProcessLineTransport : ILineTransport
    {
        private readonly object gate = new object();
        private readonly Queue<string> answers = new Queue<string>();
        private readonly object inboxGate = new object();
        private readonly Queue<string> requests = new Queue<string>();
        private TaskCompletionSource<string> waiter;
        private Action close;
        private volatile bool closed;

        /// <summary>Where the host delivers each answer line (handed to its constructor).</summary>
        public Action<string> Deliver { get { return OnLine; } }

        /// <summary>Where the host takes each request line (handed to its constructor): blocks
        /// until one is queued; null once the channel is closed and nothing is left.</summary>
        public Func<string> Take { get { return TakeLine; } }

        /// <summary>Binds the host's Close once the host exists.</summary>
        public void Connect(Action closeHost)
        {
            close = closeHost;
        }

        private void OnLine(string line)
        {
            TaskCompletionSource<string> wake = null;
            lock (gate)
            {
                if (closed) { return; }
                if (waiter != null) { wake = waiter; waiter = null; }
                else { answers.Enqueue(line); }
            }
            // Outside the lock: whoever waits on the task may run on this (Python's) thread.
            if (wake != null) { wake.SetResult(line); }
        }

        private string TakeLine()
        {
            lock (inboxGate)
            {
                while (requests.Count == 0 && !closed) { Monitor.Wait(inboxGate); }
                // Lines queued before Close still go, as a pipe delivers what was written to it.
                return requests.Count > 0 ? requests.Dequeue() : null;
            }
        }

        public void WriteLine(string line)
        {
            lock (inboxGate)
            {
                if (closed) { throw new System.IO.IOException("the in-process worker is closed"); }
                requests.Enqueue(line);
                Monitor.Pulse(inboxGate);
            }
        }

        /// <summary>The next answer line; null once closed (as a pipe's end of file).</summary>
        public Task<string> ReadLineAsync()
        {
            lock (gate)
            {
                if (answers.Count > 0) { return Task.FromResult(answers.Dequeue()); }
                if (closed) { return Task.FromResult<string>(null); }
                if (waiter == null) { waiter = new TaskCompletionSource<string>(); }
                return waiter.Task;
            }
        }

        /// <summary>True once closed (the runtime checks a worker's liveness by this name).</summary>
        public bool HasExited { get { return closed; } }

        public void Close()
        {
            TaskCompletionSource<string> wake;
            lock (gate)
            {
                if (closed) { return; }
                closed = true;
                wake = waiter;
                waiter = null;
            }
            // The host's reader sees the end of its input, as a worker whose stdin was closed.
            lock (inboxGate) { Monitor.PulseAll(inboxGate); }
            try { if (close != null) { close(); } }
            finally { if (wake != null) { wake.SetResult(null); } }
        }
    }
}
