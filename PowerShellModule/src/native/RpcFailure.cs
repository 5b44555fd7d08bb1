// PowershaiPy.Native.RpcFailure: a JSON-RPC error answer. Part of the runtime's compiled hot path
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
    /// <summary>A JSON-RPC error answer: the worker's error id, category, text, and the messages
    /// (warnings, progress) the cmdlet produced before it failed.</summary>
    public sealed class RpcFailure
    {
        public string ErrorId { get; private set; }
        public string Category { get; private set; }
        public string Message { get; private set; }
        public object Messages { get; private set; }

        internal static RpcFailure From(JsonObject error, WireCodec codec)
        {
            RpcFailure failure = new RpcFailure();
            JsonObject data = error.Get("data") as JsonObject;
            failure.ErrorId = data == null ? null : data.Get("errorId") as string;
            if (string.IsNullOrEmpty(failure.ErrorId)) { failure.ErrorId = "POWERSHAI_PY_INTERNAL"; }
            failure.Category = data == null ? null : data.Get("category") as string;
            if (string.IsNullOrEmpty(failure.Category)) { failure.Category = "NotSpecified"; }
            failure.Messages = data == null ? null : codec.Decode(data.Get("messages"), false);
            failure.Message = error.Get("message") as string;
            if (string.IsNullOrEmpty(failure.Message))
            {
                failure.Message = failure.ErrorId + ": JSON-RPC error " + Convert.ToString(error.Get("code"), CultureInfo.InvariantCulture);
            }
            return failure;
        }
    }
}
