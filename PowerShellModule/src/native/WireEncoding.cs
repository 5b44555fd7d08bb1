// PowershaiPy.Native.WireCodec, encoding: PowerShell values to wire JSON (the cmdlet requests).
// Part of the runtime's compiled hot path (C# 5, for Windows PowerShell 5.1's Add-Type); the
// generator joins src/native/*.cs in the order of src/native/order.txt into PowershaiPy.Native.cs.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text;

namespace PowershaiPy.Native
{
    public sealed partial class WireCodec
    {

        /// <summary>The {"$type","$id"} reference of a live object we handed out, or null.</summary>
        public static OrderedDictionary RefOf(object value)
        {
            PSObject pso = value as PSObject;
            if (pso == null) { return null; }
            PSMemberSet set = pso.Members["PshaiRef"] as PSMemberSet;
            if (set == null) { return null; }
            PSMemberInfo t = set.Members["Type"];
            PSMemberInfo i = set.Members["Id"];
            if (t == null || i == null) { return null; }
            OrderedDictionary reference = new OrderedDictionary();
            reference["$type"] = t.Value;
            reference["$id"] = i.Value;
            return reference;
        }

        /// <summary>The id of a live object we handed out, or null.</summary>
        public static string IdOf(object value)
        {
            OrderedDictionary reference = RefOf(value);
            return reference == null ? null : Convert.ToString(reference["$id"], CultureInfo.InvariantCulture);
        }

        /// <summary>True for {"$directive": ...} items: they act on functions and are not written.</summary>
        public static bool IsDirective(object value)
        {
            PSObject pso = value as PSObject;
            return pso != null && pso.BaseObject is PSCustomObject && pso.Properties["$directive"] != null;
        }

        /// <summary>Any PowerShell value as wire JSON; nested script blocks become
        /// {"$scriptblock": parameterName}.</summary>
        public string Encode(object value, string parameterName)
        {
            StringBuilder sb = new StringBuilder();
            Write(sb, value, parameterName, 0);
            return sb.ToString();
        }

        /// <summary>The params of a "cmdlet" request. Script blocks given directly to a parameter
        /// are kept in scriptBlocks (the worker asks for them by parameter name). streamToken, when
        /// set, names the cmdlet's stream before the answer comes, so the caller can close it.</summary>
        public string EncodeCmdletParams(string name, IDictionary bound, IDictionary skip, string cwd,
                                         IDictionary scriptBlocks, bool dryRun, string[] approved,
                                         string streamToken)
        {
            StringBuilder sb = new StringBuilder(256);
            sb.Append("{\"name\":");
            WriteString(sb, name);
            sb.Append(",\"args\":{");
            bool first = true;
            if (bound != null)
            {
                foreach (DictionaryEntry entry in bound)
                {
                    string key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture);
                    if (skip != null && skip.Contains(key)) { continue; }
                    if (!first) { sb.Append(','); }
                    first = false;
                    WriteString(sb, key);
                    sb.Append(':');
                    object raw = entry.Value is PSObject ? ((PSObject)entry.Value).BaseObject : entry.Value;
                    if (raw is ScriptBlock && scriptBlocks != null)
                    {
                        scriptBlocks[key] = raw;
                        sb.Append("{\"$scriptblock\":");
                        WriteString(sb, key);
                        sb.Append('}');
                        continue;
                    }
                    Write(sb, entry.Value, key, 0);
                }
            }
            sb.Append("},\"cwd\":");
            WriteString(sb, cwd);
            WriteEnvironment(sb);
            if (dryRun) { sb.Append(",\"dryRun\":true"); }
            if (!string.IsNullOrEmpty(streamToken))
            {
                sb.Append(",\"token\":");
                WriteString(sb, streamToken);
            }
            if (approved != null)
            {
                sb.Append(",\"approved\":");
                Write(sb, approved, "", 0);
            }
            sb.Append('}');
            return sb.ToString();
        }

        private void WriteEnvironment(StringBuilder sb)
        {
            string[] names = EnvironmentNames;
            if (names == null) { return; }
            sb.Append(",\"env\":{");
            bool first = true;
            foreach (string name in names)
            {
                // .NET's view, which $env:X = ... changes (the C environment may not have it).
                string value = Environment.GetEnvironmentVariable(name);
                if (string.IsNullOrEmpty(value)) { continue; }
                if (!first) { sb.Append(','); }
                first = false;
                WriteString(sb, name);
                sb.Append(':');
                WriteString(sb, value);
            }
            sb.Append('}');
        }

        private void Write(StringBuilder sb, object value, string parameterName, int depth)
        {
            if (value == null || value is DBNull) { sb.Append("null"); return; }
            if (depth > MaxEncodeDepth)
            {
                // A hashtable that holds itself, or an object graph too deep to send: the runtime
                // throws this with its id, like the worker's own refusals of bad values.
                ArgumentException tooDeep = new ArgumentException(
                    "POWERSHAI_PY_INVALID_ARGUMENT: the value of parameter '" + parameterName +
                    "' is nested more than " + MaxEncodeDepth + " levels deep (does it contain itself?)");
                tooDeep.Data["PshaiErrorId"] = "POWERSHAI_PY_INVALID_ARGUMENT";
                tooDeep.Data["PshaiCategory"] = "InvalidArgument";
                throw tooDeep;
            }
            PSObject wrapper = value as PSObject;
            object b = wrapper != null ? wrapper.BaseObject : value;
            if (b is string) { WriteString(sb, (string)b); return; }
            if (b is char) { WriteString(sb, b.ToString()); return; }
            if (b is bool) { sb.Append((bool)b ? "true" : "false"); return; }
            if (b is SwitchParameter) { sb.Append(((SwitchParameter)b).IsPresent ? "true" : "false"); return; }
            if (b is DateTime) { WriteDate(sb, new DateTimeOffset((DateTime)b)); return; }
            if (b is DateTimeOffset) { WriteDate(sb, (DateTimeOffset)b); return; }
            if (b is Enum) { WriteString(sb, b.ToString()); return; }
            if (b is double || b is float)
            {
                double d = Convert.ToDouble(b, CultureInfo.InvariantCulture);
                if (double.IsNaN(d)) { sb.Append("NaN"); }
                else if (double.IsPositiveInfinity(d)) { sb.Append("Infinity"); }
                else if (double.IsNegativeInfinity(d)) { sb.Append("-Infinity"); }
                else { sb.Append(d.ToString("R", CultureInfo.InvariantCulture)); }
                return;
            }
            if (b is int || b is long || b is short || b is byte || b is sbyte || b is uint || b is ulong ||
                b is ushort || b is decimal || b.GetType().FullName == "System.Numerics.BigInteger")
            {
                sb.Append(Convert.ToString(b, CultureInfo.InvariantCulture));
                return;
            }
            if (b is ValueType) { WriteString(sb, Convert.ToString(b, CultureInfo.InvariantCulture)); return; }
            if (b is ScriptBlock) { sb.Append("{\"$scriptblock\":"); WriteString(sb, parameterName); sb.Append('}'); return; }
            if (b is FileSystemInfo) { WriteString(sb, ((FileSystemInfo)b).FullName); return; }
            if (b is Uri) { WriteString(sb, ((Uri)b).OriginalString); return; }
            if (b is System.Security.SecureString)
            {
                string secret = new PSCredential("x", (System.Security.SecureString)b).GetNetworkCredential().Password;
                sb.Append("{\"$secret\":");
                WriteString(sb, secret);
                sb.Append('}');
                return;
            }
            if (b is PSCredential)
            {
                PSCredential credential = (PSCredential)b;
                sb.Append("{\"$credential\":{\"username\":");
                WriteString(sb, credential.UserName);
                sb.Append(",\"password\":");
                WriteString(sb, credential.GetNetworkCredential().Password);
                sb.Append("}}");
                return;
            }
            OrderedDictionary reference = RefOf(wrapper);
            if (reference != null)
            {
                sb.Append("{\"$ref\":");
                Write(sb, reference, parameterName, depth + 1);
                sb.Append('}');
                return;
            }
            IDictionary dictionary = b as IDictionary;
            if (dictionary != null)
            {
                sb.Append('{');
                bool first = true;
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (!first) { sb.Append(','); }
                    first = false;
                    WriteString(sb, Convert.ToString(entry.Key, CultureInfo.InvariantCulture));
                    sb.Append(':');
                    Write(sb, entry.Value, parameterName, depth + 1);
                }
                sb.Append('}');
                return;
            }
            if (b is PSCustomObject && wrapper != null)
            {
                WriteCustomObject(sb, wrapper, parameterName, depth);
                return;
            }
            IEnumerable sequence = b as IEnumerable;
            if (sequence != null)
            {
                sb.Append('[');
                bool first = true;
                foreach (object item in sequence)
                {
                    if (!first) { sb.Append(','); }
                    first = false;
                    Write(sb, item, parameterName, depth + 1);
                }
                sb.Append(']');
                return;
            }
            WriteString(sb, Convert.ToString(b, CultureInfo.InvariantCulture));
        }

        private void WriteCustomObject(StringBuilder sb, PSObject wrapper, string parameterName, int depth)
        {
            sb.Append('{');
            bool first = true;
            foreach (string typeName in wrapper.TypeNames)
            {
                if (typeName.StartsWith(TypePrefix, StringComparison.Ordinal))
                {
                    sb.Append("\"$type\":");
                    WriteString(sb, typeName.Substring(TypePrefix.Length));
                    first = false;
                    break;
                }
            }
            foreach (PSPropertyInfo property in wrapper.Properties)
            {
                if (property.MemberType != PSMemberTypes.NoteProperty) { continue; }
                if (!first) { sb.Append(','); }
                first = false;
                WriteString(sb, property.Name);
                sb.Append(':');
                Write(sb, property.Value, parameterName, depth + 1);
            }
            sb.Append('}');
        }

        private static void WriteDate(StringBuilder sb, DateTimeOffset value)
        {
            sb.Append("{\"$datetime\":");
            WriteString(sb, value.ToString("o", CultureInfo.InvariantCulture));
            sb.Append('}');
        }

        public static void WriteString(StringBuilder sb, string value)
        {
            if (value == null) { sb.Append("null"); return; }
            sb.Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        // Control characters and lone surrogates are escaped; the rest goes as UTF-8.
                        if (c < ' ' || char.IsSurrogate(c) || c == '\u2028' || c == '\u2029')
                        {
                            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else { sb.Append(c); }
                        break;
                }
            }
            sb.Append('"');
        }
    }
}
