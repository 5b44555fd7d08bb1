// PowershaiPy.Native.InProcessLineTransport: the line channel to a worker hosted in this process.
// Part of the runtime's compiled hot path (C# 5); knows nothing about Python (the bridge,
// PowershaiPy.InProcess, is compiled separately against Python.Runtime.dll).
using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace PowershaiPy.Native
{
    /// <summary>The line channel to a worker hosted in this process (PowershaiPy.InProcess,
    /// compiled separately because it references Python.Runtime.dll): lines go out through a
    /// send delegate; answers arrive on Python's threads through Deliver and wait here, in
    /// order, until ReadLineAsync takes them. Nothing here knows about Python.</summary>
    public sealed class InProcessLineTransport : ILineTransport
    {
        private readonly object gate = new object();
        private readonly Queue<string> lines = new Queue<string>();
        private TaskCompletionSource<string> waiter;
        private Action<string> send;
        private Action close;
        private bool closed;

        /// <summary>Where the host delivers each answer line (handed to its constructor).</summary>
        public Action<string> Deliver { get { return OnLine; } }

        /// <summary>Binds the host's Send and Close once the host exists.</summary>
        public void Connect(Action<string> sendLine, Action closeHost)
        {
            if (sendLine == null) { throw new ArgumentNullException("sendLine"); }
            send = sendLine;
            close = closeHost;
        }

        private void OnLine(string line)
        {
            TaskCompletionSource<string> wake = null;
            lock (gate)
            {
                if (closed) { return; }
                if (waiter != null) { wake = waiter; waiter = null; }
                else { lines.Enqueue(line); }
            }
            // Outside the lock: whoever waits on the task may run on this (Python's) thread.
            if (wake != null) { wake.SetResult(line); }
        }

        public void WriteLine(string line)
        {
            if (closed || send == null) { throw new System.IO.IOException("the in-process worker is closed"); }
            send(line);
        }

        /// <summary>The next answer line; null once closed (as a pipe's end of file).</summary>
        public Task<string> ReadLineAsync()
        {
            lock (gate)
            {
                if (lines.Count > 0) { return Task.FromResult(lines.Dequeue()); }
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
            try { if (close != null) { close(); } }
            finally { if (wake != null) { wake.SetResult(null); } }
        }
    }
}
