// PowershaiPy.Native.StdioLineTransport: the worker child process's stdin and stdout as a line
// channel. Part of the runtime's compiled hot path (C# 5, for Windows PowerShell 5.1's Add-Type);
// the generator joins src/native/*.cs in the order of src/native/order.txt into PowershaiPy.Native.cs.
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace PowershaiPy.Native
{
    /// <summary>Lines go to the worker's stdin as UTF-8 (no BOM), flushed each time; answers are read
    /// from its stdout.</summary>
    public sealed class StdioLineTransport : ILineTransport
    {
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);
        private readonly Stream stdin;
        private readonly TextReader stdout;

        public StdioLineTransport(Stream stdin, TextReader stdout)
        {
            this.stdin = stdin;
            this.stdout = stdout;
        }

        public void WriteLine(string line)
        {
            byte[] bytes = Utf8.GetBytes(line + "\n");
            stdin.Write(bytes, 0, bytes.Length);
            stdin.Flush();
        }

        public Task<string> ReadLineAsync() { return stdout.ReadLineAsync(); }

        /// <summary>Closing stdin is what tells the worker to exit (end of its input).</summary>
        public void Close() { stdin.Dispose(); }
    }
}
