// PowershaiPy in-process bridge: the Python core hosted inside this PowerShell process.
//
// Compiled (and cached) only when the in-process transport is chosen, because it is the one
// piece that references Python.Runtime.dll (from the pythonnet wheel of the worker's Python).
// The stdio transport never loads it. C# 5, no warnings: Windows PowerShell 5.1 compiles it too.
using System;
using System.Reflection;
using System.Threading;
using Python.Runtime;

namespace PowershaiPy.InProcess
{
    /// <summary>One worker's worth of Python state (an InProcessHost of
    /// powershai_py.worker._inprocess) in the one interpreter this process hosts. The host's own
    /// thread takes request lines through one callback given to Open and answers, on Python's
    /// threads, through the other. The GIL is held only while a host is made and in Close:
    /// sending a request never waits for it.</summary>
    public sealed class PythonHost
    {
        private const string HostModule = "powershai_py.worker._inprocess";
        private static readonly object Gate = new object();
        private static readonly object SpareGate = new object();
        private static string loadedLibrary;
        // A host made on the engine's start thread (BeginStart) for the first module instance that
        // opens one: making a host costs 35 to 45 ms (the GIL, pythonnet's wrappers of the two
        // callbacks, the server and its reader thread), which the first call no longer waits for.
        private static PythonHost spare;
        private readonly PyObject host;
        private LateLines late;   // the spare's callbacks until Open gives it a channel
        private bool closed;

        /// <summary>The shared library of the interpreter this process hosts (null: none yet).</summary>
        public static string LoadedLibrary { get { return loadedLibrary; } }

        /// <summary>Starts the interpreter once per process. CPython cannot be unloaded, so later
        /// imports of the module (Remove-Module, Import-Module) reuse it; asking for a different
        /// library afterwards is an error the caller reports.</summary>
        public static void Start(string pythonLibrary, string executable, string[] siteDirs,
                                 string logPath, string logLevel)
        {
            lock (Gate)
            {
                if (loadedLibrary != null)
                {
                    if (!string.Equals(loadedLibrary, pythonLibrary, StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException("this process already hosts the Python at '" +
                            loadedLibrary + "' and CPython cannot be unloaded; '" + pythonLibrary +
                            "' needs a new PowerShell process (or the stdio transport)");
                    }
                    return;
                }
                if (!PythonEngine.IsInitialized)
                {
                    Runtime.PythonDLL = pythonLibrary;
                    // No sys.argv, no Python signal handlers: Ctrl+C stays PowerShell's.
                    PythonEngine.Initialize(new string[0], false, false);
                    // Release the GIL taken by Initialize: Python's threads (HTTP readers, SSE
                    // pumps) run while PowerShell is not inside a call.
                    PythonEngine.BeginAllowThreads();
                    ReplaceExitShutdown();
                }
                using (Py.GIL())
                {
                    using (PyObject sys = Py.Import("sys"))
                    using (PyString exe = new PyString(executable ?? ""))
                    {
                        if (!string.IsNullOrEmpty(executable)) { sys.SetAttr("executable", exe); }
                    }
                    using (PyObject site = Py.Import("site"))
                    {
                        foreach (string dir in siteDirs ?? new string[0])
                        {
                            using (PyString text = new PyString(dir))
                            {
                                site.InvokeMethod("addsitedir", text).Dispose();
                            }
                        }
                    }
                    using (PyObject module = Py.Import(HostModule))
                    using (PyString path = new PyString(logPath ?? ""))
                    using (PyString level = new PyString(logLevel ?? ""))
                    {
                        module.InvokeMethod("configure_process", path, level).Dispose();
                    }
                }
                loadedLibrary = pythonLibrary;
            }
        }

        /// <summary>Start, begun on a thread of its own so that the engine starts while the
        /// module's import goes on (the import calls this when it already knows the interpreter
        /// from the cached probe). Its failures are dropped: the first call's Start, which waits
        /// for this one, does whatever is still missing and reports what fails then.</summary>
        public static void BeginStart(string pythonLibrary, string executable, string[] siteDirs,
                                      string logPath, string logLevel)
        {
            lock (Gate)
            {
                if (loadedLibrary != null || PythonEngine.IsInitialized) { return; }
            }
            Thread starter = new Thread(delegate ()
            {
                try
                {
                    Start(pythonLibrary, executable, siteDirs, logPath, logLevel);
                    MakeSpare();
                }
                catch (Exception) { }
            });
            starter.IsBackground = true;
            starter.Name = "powershai-py engine start";
            starter.Start();
        }

        /// <summary>pythonnet finalizes the interpreter when the process exits, and in a
        /// PowerShell process that costs seconds: its shutdown repeats a Python plus .NET garbage
        /// collection up to 20 times over PowerShell's whole heap (2.5 s measured, against 0.3 s
        /// for the same interpreter exiting alone). Nothing of ours needs finalizing then (the
        /// module's Exiting handler has already closed every host and its streams), so at exit
        /// we run Python's atexit functions (logging's flush among them) and let the process end
        /// without Py_Finalize, as most embedders do. The exit code is untouched.</summary>
        private static void ReplaceExitShutdown()
        {
            MethodInfo handler = typeof(PythonEngine).GetMethod("OnProcessExit",
                BindingFlags.NonPublic | BindingFlags.Static);
            if (handler == null) { return; }   // another pythonnet: keep its own behaviour
            EventHandler theirs;
            try { theirs = (EventHandler)Delegate.CreateDelegate(typeof(EventHandler), handler); }
            catch (ArgumentException) { return; }
            AppDomain.CurrentDomain.ProcessExit -= theirs;
            AppDomain.CurrentDomain.ProcessExit += RunExitFunctions;
        }

        private static void RunExitFunctions(object sender, EventArgs e)
        {
            if (!PythonEngine.IsInitialized) { return; }
            try
            {
                using (Py.GIL())
                using (PyObject module = Py.Import(HostModule))
                {
                    module.InvokeMethod("at_process_exit").Dispose();
                }
            }
            catch (PythonException) { }
        }

        /// <summary>A host for one module instance, answering through onLine and taking request
        /// lines through takeLine: the spare one BeginStart made when there is one, else a new one.
        /// Start must have run.</summary>
        public static PythonHost Open(Action<string> onLine, Func<string> takeLine)
        {
            if (onLine == null) { throw new ArgumentNullException("onLine"); }
            if (takeLine == null) { throw new ArgumentNullException("takeLine"); }
            PythonHost ready;
            lock (SpareGate)   // waits for a spare still being made rather than making a second
            {
                ready = spare;
                spare = null;
            }
            if (ready == null) { return new PythonHost(onLine, takeLine); }
            ready.late.Attach(onLine, takeLine);
            return ready;
        }

        private static void MakeSpare()
        {
            lock (SpareGate)
            {
                if (spare != null) { return; }
                LateLines lines = new LateLines();
                spare = new PythonHost(lines.Write, lines.Take);
                spare.late = lines;
            }
        }

        /// <summary>The spare host's two callbacks before it has a channel: its reader thread
        /// (and any answer, though none comes before a request) waits here, outside the GIL as in
        /// any call into .NET, until Open hands it the channel's own.</summary>
        private sealed class LateLines
        {
            private readonly ManualResetEvent attached = new ManualResetEvent(false);
            private Action<string> onLine;
            private Func<string> takeLine;

            public void Attach(Action<string> on, Func<string> take)
            {
                onLine = on;
                takeLine = take;
                attached.Set();   // a full fence: the waiting threads see both fields
            }

            public void Write(string line) { attached.WaitOne(); onLine(line); }

            public string Take() { attached.WaitOne(); return takeLine(); }
        }

        public PythonHost(Action<string> onLine, Func<string> takeLine)
        {
            if (onLine == null) { throw new ArgumentNullException("onLine"); }
            if (takeLine == null) { throw new ArgumentNullException("takeLine"); }
            using (Py.GIL())
            using (PyObject module = Py.Import(HostModule))
            using (PyObject write = onLine.ToPython())
            using (PyObject read = takeLine.ToPython())
            {
                host = module.InvokeMethod("InProcessHost", write, read);
            }
        }

        /// <summary>Stops the host's streams; it answers nothing more. The interpreter stays.</summary>
        public void Close()
        {
            if (closed) { return; }
            closed = true;
            using (Py.GIL())
            {
                host.InvokeMethod("close").Dispose();
                host.Dispose();
            }
        }

        /// <summary>Close as a delegate, for the transport (which cannot name this type).</summary>
        public Action CloseAction { get { return Close; } }
    }
}
