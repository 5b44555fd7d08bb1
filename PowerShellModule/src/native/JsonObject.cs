// PowershaiPy.Native.JsonObject: a parsed JSON object. Part of the runtime's compiled hot path
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
    /// <summary>A JSON object as parsed: names and values in document order.</summary>
    public sealed class JsonObject
    {
        public readonly List<string> Names = new List<string>();
        public readonly List<object> Values = new List<object>();

        public object Get(string name)
        {
            int i = Names.IndexOf(name);
            return i < 0 ? null : Values[i];
        }

        public bool Has(string name) { return Names.IndexOf(name) >= 0; }
    }
}
