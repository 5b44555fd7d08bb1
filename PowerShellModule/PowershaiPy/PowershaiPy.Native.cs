// PowershaiPy.Native.cs - joined by the generator from PowerShellModule/src/native/*.cs
// (order.txt). DO NOT EDIT: change those files and regenerate. C# 5, for Windows
// PowerShell 5.1's Add-Type; the runtime compiles it once per source into the user's cache.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

// ---- PowerShellModule/src/native/JsonObject.cs
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

// ---- PowerShellModule/src/native/JsonReader.cs
namespace PowershaiPy.Native
{
    /// <summary>A small JSON reader for what the worker writes: objects, arrays, strings, numbers
    /// (long or double), booleans, null, and the NaN/Infinity literals of Python's json module.
    /// It rejects broken structure, raw control characters in strings and bad escapes; it does not
    /// police number spelling (a "+1" or "01" is read as a number).</summary>
    public sealed class JsonReader
    {
        private readonly string text;
        private int pos;

        private JsonReader(string text) { this.text = text; }

        public static object Parse(string text)
        {
            JsonReader reader = new JsonReader(text);
            reader.SkipSpace();
            object value = reader.ReadValue(0);
            reader.SkipSpace();
            if (reader.pos != text.Length) { throw reader.Fail("trailing characters"); }
            return value;
        }

        private FormatException Fail(string what)
        {
            return new FormatException("invalid JSON at offset " + pos + ": " + what);
        }

        private void SkipSpace()
        {
            while (pos < text.Length)
            {
                char c = text[pos];
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n') { return; }
                pos++;
            }
        }

        private object ReadValue(int depth)
        {
            if (depth > 512) { throw Fail("nested too deeply"); }
            if (pos >= text.Length) { throw Fail("unexpected end"); }
            char c = text[pos];
            switch (c)
            {
                case '{': return ReadObject(depth);
                case '[': return ReadArray(depth);
                case '"': return ReadString();
                case 't': Expect("true"); return true;
                case 'f': Expect("false"); return false;
                case 'n': Expect("null"); return null;
                case 'N': Expect("NaN"); return double.NaN;
                case 'I': Expect("Infinity"); return double.PositiveInfinity;
                default: return ReadNumber();
            }
        }

        private void Expect(string word)
        {
            if (string.CompareOrdinal(text, pos, word, 0, word.Length) != 0) { throw Fail("unexpected token"); }
            pos += word.Length;
        }

        private JsonObject ReadObject(int depth)
        {
            JsonObject obj = new JsonObject();
            pos++;
            SkipSpace();
            if (pos < text.Length && text[pos] == '}') { pos++; return obj; }
            while (true)
            {
                SkipSpace();
                if (pos >= text.Length || text[pos] != '"') { throw Fail("expected a name"); }
                string name = ReadString();
                SkipSpace();
                if (pos >= text.Length || text[pos] != ':') { throw Fail("expected ':'"); }
                pos++;
                SkipSpace();
                object value = ReadValue(depth + 1);
                int existing = obj.Names.IndexOf(name);
                if (existing >= 0) { obj.Values[existing] = value; }
                else { obj.Names.Add(name); obj.Values.Add(value); }
                SkipSpace();
                if (pos >= text.Length) { throw Fail("unexpected end"); }
                if (text[pos] == ',') { pos++; continue; }
                if (text[pos] == '}') { pos++; return obj; }
                throw Fail("expected ',' or '}'");
            }
        }

        private List<object> ReadArray(int depth)
        {
            List<object> list = new List<object>();
            pos++;
            SkipSpace();
            if (pos < text.Length && text[pos] == ']') { pos++; return list; }
            while (true)
            {
                SkipSpace();
                list.Add(ReadValue(depth + 1));
                SkipSpace();
                if (pos >= text.Length) { throw Fail("unexpected end"); }
                if (text[pos] == ',') { pos++; continue; }
                if (text[pos] == ']') { pos++; return list; }
                throw Fail("expected ',' or ']'");
            }
        }

        private string ReadString()
        {
            pos++;
            int start = pos;
            while (pos < text.Length && text[pos] != '"' && text[pos] != '\\' && text[pos] >= ' ') { pos++; }
            if (pos < text.Length && text[pos] == '"')
            {
                string plain = text.Substring(start, pos - start);
                pos++;
                return plain;
            }
            StringBuilder sb = new StringBuilder();
            sb.Append(text, start, pos - start);
            while (true)
            {
                if (pos >= text.Length) { throw Fail("unterminated string"); }
                char c = text[pos++];
                if (c == '"') { return sb.ToString(); }
                if (c < ' ') { throw Fail("control character in a string"); }
                if (c != '\\') { sb.Append(c); continue; }
                if (pos >= text.Length) { throw Fail("unterminated escape"); }
                char e = text[pos++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (pos + 4 > text.Length) { throw Fail("short \\u escape"); }
                        int code = 0;
                        for (int k = 0; k < 4; k++)
                        {
                            int digit = HexValue(text[pos + k]);
                            if (digit < 0) { throw Fail("bad \\u escape"); }
                            code = code * 16 + digit;
                        }
                        sb.Append((char)code);
                        pos += 4;
                        break;
                    default: throw Fail("bad escape");
                }
            }
        }

        private static int HexValue(char c)
        {
            if (c >= '0' && c <= '9') { return c - '0'; }
            if (c >= 'a' && c <= 'f') { return c - 'a' + 10; }
            if (c >= 'A' && c <= 'F') { return c - 'A' + 10; }
            return -1;
        }

        private object ReadNumber()
        {
            int start = pos;
            if (text[pos] == '-')
            {
                pos++;
                if (pos < text.Length && text[pos] == 'I') { Expect("Infinity"); return double.NegativeInfinity; }
            }
            bool integral = true;
            while (pos < text.Length)
            {
                char c = text[pos];
                if (c >= '0' && c <= '9') { pos++; continue; }
                if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') { integral = false; pos++; continue; }
                break;
            }
            string token = text.Substring(start, pos - start);
            if (token.Length == 0 || token == "-") { throw Fail("unexpected character"); }
            long whole;
            if (integral && long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out whole))
            {
                return whole;
            }
            double real;
            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out real)) { return real; }
            throw Fail("bad number");
        }
    }
}

// ---- PowerShellModule/src/native/WireCodec.cs
namespace PowershaiPy.Native
{
    /// <summary>Wire values to PowerShell values and PowerShell values to wire JSON.</summary>
    public sealed partial class WireCodec
    {
        private const string TypePrefix = "PowershaiType:";
        private const int MaxEncodeDepth = 100;
        private readonly PSModuleInfo module;
        private readonly Dictionary<string, ScriptBlock> getters = new Dictionary<string, ScriptBlock>();

        public WireCodec(PSModuleInfo module)
        {
            this.module = module;
            LiveCache = new Hashtable(StringComparer.Ordinal);
        }

        /// <summary>Live objects handed out, by "type|id": updated in place by later messages.</summary>
        public Hashtable LiveCache { get; private set; }

        /// <summary>Environment variables the worker reads (its initialize answer): each cmdlet
        /// request carries PowerShell's values of those that are set, as "env".</summary>
        public string[] EnvironmentNames { get; set; }

        public void Reset()
        {
            LiveCache = new Hashtable(StringComparer.Ordinal);
        }

        public void Forget(string key)
        {
            LiveCache.Remove(key);
        }

        // -- decoding --------------------------------------------------------------------------

        /// <summary>Parses one JSON text and decodes it (used by tests and for single values).</summary>
        public object DecodeJson(string json, bool asHashtable)
        {
            return Decode(JsonReader.Parse(json), asHashtable);
        }

        public object Decode(object value, bool asHashtable)
        {
            if (value == null) { return null; }
            List<object> list = value as List<object>;
            if (list != null)
            {
                object[] items = new object[list.Count];
                for (int i = 0; i < list.Count; i++) { items[i] = Decode(list[i], asHashtable); }
                return items;
            }
            JsonObject obj = value as JsonObject;
            if (obj == null) { return value; }
            if (obj.Names.Count == 1)
            {
                switch (obj.Names[0])
                {
                    case "$datetime": return ParseDateTime(obj.Values[0]);
                    // Plain JSON the worker vouches for: no typed objects inside.
                    case "$plain": return Plain(obj.Values[0]);
                    case "$hashtable": return Decode(obj.Values[0], true);
                    // A .NET type by its PowerShell name (Convert-GradioParamPowershell returns types).
                    case "$typename": return ParseTypeName(obj.Values[0]);
                }
            }
            string type = obj.Has("$type") ? Convert.ToString(obj.Get("$type"), CultureInfo.InvariantCulture) : null;
            if (asHashtable && string.IsNullOrEmpty(type))
            {
                OrderedDictionary table = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                for (int i = 0; i < obj.Names.Count; i++) { table[obj.Names[i]] = Decode(obj.Values[i], true); }
                return table;
            }
            return DecodeObject(obj, type);
        }

        private PSObject DecodeObject(JsonObject obj, string type)
        {
            object rawId = obj.Get("$id");
            string id = rawId == null ? null : Convert.ToString(rawId, CultureInfo.InvariantCulture);
            List<object> liveList = obj.Get("$live") as List<object>;
            string key = null;
            PSObject target = null;
            if (!string.IsNullOrEmpty(type) && id != null)
            {
                key = type + "|" + id;
                target = LiveCache[key] as PSObject;
            }
            // Live properties PowerShell may assign ($s.options = @{...}): their setter goes to the
            // worker. A name "property.entry" marks an entry that is a live table of its own.
            HashSet<string> settable = Names(obj.Get("$settable") as List<object>);
            if (target == null)
            {
                target = new PSObject();
                if (!string.IsNullOrEmpty(type)) { target.TypeNames.Insert(0, TypePrefix + type); }
                if (key != null)
                {
                    string[] settableNames = new string[settable.Count];
                    settable.CopyTo(settableNames);
                    PSMemberInfo[] members = new PSMemberInfo[] {
                        new PSNoteProperty("Type", type), new PSNoteProperty("Id", id),
                        new PSNoteProperty("Settable", settableNames) };
                    target.Members.Add(new PSMemberSet("PshaiRef", members));
                    LiveCache[key] = target;
                }
            }
            HashSet<string> live = Names(liveList);
            for (int i = 0; i < obj.Names.Count; i++)
            {
                string name = obj.Names[i];
                if (name == "$type" || name == "$id" || name == "$live" || name == "$settable" || live.Contains(name)) { continue; }
                if (name == "$toString")
                {
                    AddToString(target, Convert.ToString(obj.Values[i], CultureInfo.InvariantCulture));
                    continue;
                }
                SetNote(target, name, Decode(obj.Values[i], false));
            }
            foreach (string name in live)
            {
                PSPropertyInfo existing = target.Properties[name];
                if (existing != null && existing.MemberType == PSMemberTypes.ScriptProperty) { continue; }
                if (existing != null) { target.Properties.Remove(name); }
                target.Properties.Add(new PSScriptProperty(name, Getter(name), settable.Contains(name) ? Setter(name) : null));
            }
            return target;
        }

        private static void SetNote(PSObject target, string name, object value)
        {
            PSPropertyInfo existing = target.Properties[name];
            if (existing != null && existing.MemberType == PSMemberTypes.NoteProperty)
            {
                existing.Value = value;
                return;
            }
            if (existing != null) { target.Properties.Remove(name); }
            target.Properties.Add(new PSNoteProperty(name, value));
        }

        private void AddToString(PSObject target, string property)
        {
            PSMethodInfo existing = target.Methods["ToString"];
            if (existing != null && existing.MemberType == PSMemberTypes.ScriptMethod) { return; }
            string body = "[string]$this.'" + property.Replace("'", "''") + "'";
            target.Methods.Add(new PSScriptMethod("ToString", Bind(body)));
        }

        private ScriptBlock Getter(string property)
        {
            ScriptBlock sb;
            if (!getters.TryGetValue(property, out sb))
            {
                sb = Bind("Get-PshaiLiveValue -Object $this -Property '" + property.Replace("'", "''") + "'");
                getters[property] = sb;
            }
            return sb;
        }

        private ScriptBlock Setter(string property)
        {
            ScriptBlock sb;
            string key = "=" + property;
            if (!getters.TryGetValue(key, out sb))
            {
                sb = Bind("$null = Set-PshaiLiveValue -Object $this -Property '" + property.Replace("'", "''") + "' -Value $args[0]");
                getters[key] = sb;
            }
            return sb;
        }

        private static HashSet<string> Names(List<object> list)
        {
            HashSet<string> names = new HashSet<string>(StringComparer.Ordinal);
            if (list != null)
            {
                foreach (object name in list) { if (name != null) { names.Add(name.ToString()); } }
            }
            return names;
        }

        private ScriptBlock Bind(string script)
        {
            ScriptBlock sb = ScriptBlock.Create(script);
            return module == null ? sb : module.NewBoundScriptBlock(sb);
        }

        /// <summary>Plain JSON as ConvertFrom-Json would give it: PSCustomObjects and object[].</summary>
        private static object Plain(object value)
        {
            List<object> list = value as List<object>;
            if (list != null)
            {
                object[] items = new object[list.Count];
                for (int i = 0; i < list.Count; i++) { items[i] = Plain(list[i]); }
                return items;
            }
            JsonObject obj = value as JsonObject;
            if (obj == null) { return value; }
            if (obj.Names.Contains(""))
            {
                // A PSObject cannot have a property named "" (ConvertFrom-Json refuses it unless
                // -AsHashtable): such an object becomes an ordered hashtable, nothing dropped.
                OrderedDictionary table = new OrderedDictionary();
                for (int i = 0; i < obj.Names.Count; i++) { table[obj.Names[i]] = Plain(obj.Values[i]); }
                return table;
            }
            PSObject target = new PSObject();
            for (int i = 0; i < obj.Names.Count; i++)
            {
                target.Properties.Add(new PSNoteProperty(obj.Names[i], Plain(obj.Values[i])));
            }
            return target;
        }

        private static object ParseTypeName(object value)
        {
            string text = Convert.ToString(value, CultureInfo.InvariantCulture);
            return LanguagePrimitives.ConvertTo(text, typeof(Type), CultureInfo.InvariantCulture);
        }

        private static object ParseDateTime(object value)
        {
            string text = Convert.ToString(value, CultureInfo.InvariantCulture);
            return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces).LocalDateTime;
        }
    }
}

// ---- PowerShellModule/src/native/WireEncoding.cs
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

// ---- PowerShellModule/src/native/RpcFailure.cs
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

// ---- PowerShellModule/src/native/ILineTransport.cs
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

// ---- PowerShellModule/src/native/StdioLineTransport.cs
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

// ---- PowerShellModule/src/native/InProcessLineTransport.cs
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

// ---- PowerShellModule/src/native/WorkerLink.cs
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

// ---- PowerShellModule/src/native/CmdletRun.cs
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

// ---- PowerShellModule/src/native/RunspaceEnd.cs
namespace PowershaiPy.Native
{
    /// <summary>Closes a worker's channel when the runspace that started it closes. A runspace of
    /// [powershell]::Create() or of a pool ends without PowerShell's Exiting event, so without
    /// this its worker (a process under stdio, a host with its threads in-process) would live
    /// on until the whole process exits. Closing the channel is the worker's end of input: the
    /// process exits, the host stops its streams and its reader.</summary>
    public static class RunspaceEnd
    {
        public static void CloseWith(Runspace runspace, ILineTransport channel)
        {
            if (runspace == null || channel == null) { return; }
            EventHandler<RunspaceStateEventArgs> handler = null;
            handler = delegate(object sender, RunspaceStateEventArgs e)
            {
                RunspaceState state = e.RunspaceStateInfo.State;
                if (state != RunspaceState.Closing && state != RunspaceState.Closed && state != RunspaceState.Broken) { return; }
                runspace.StateChanged -= handler;
                try { channel.Close(); }
                catch (Exception) { }   // the worker is gone already; nothing to tell anyone now
            };
            runspace.StateChanged += handler;
        }
    }
}

// ---- PowerShellModule/src/native/LiveTable.cs
namespace PowershaiPy.Native
{
    /// <summary>PowerShai's session options were a plain hashtable that its cmdlets read at each
    /// call, so <c>$s.options.MaxCalls = 3</c> took effect. Here the worker owns the options: each
    /// entry set on this table goes to it first (checked there; a wrong value throws and leaves
    /// both sides unchanged), then the table keeps the value the worker settled on.</summary>
    public sealed class LiveTable : Hashtable
    {
        private readonly object owner;
        private readonly string property;
        private readonly ScriptBlock setEntry;
        private readonly string[] settable;

        /// <param name="values">the property's current entries</param>
        /// <param name="owner">the live object the property belongs to</param>
        /// <param name="property">the property's name</param>
        /// <param name="setEntry">called as (owner, property, key, value); returns the new table</param>
        /// <param name="settable">the owner's assignable names; "property.entry" among them makes
        /// that entry a live table too (PowerShai's ApiCalls.ById: removing a call from it counted)</param>
        public LiveTable(IDictionary values, object owner, string property, ScriptBlock setEntry, string[] settable)
            : base(StringComparer.OrdinalIgnoreCase)
        {
            this.owner = owner;
            this.property = property;
            this.setEntry = setEntry;
            this.settable = settable ?? new string[0];
            Take(values);
        }

        public LiveTable(IDictionary values, object owner, string property, ScriptBlock setEntry)
            : this(values, owner, property, setEntry, null) { }

        public override object this[object key]
        {
            get { return base[key]; }
            set { Store(key, value); }
        }

        /// <summary>Forgets an entry in the worker too (a null value there means "remove").</summary>
        public override void Remove(object key)
        {
            if (!ContainsKey(key)) { return; }
            Store(key, null);
        }

        /// <summary>Empties the table in the worker too (a whole, empty table).</summary>
        public override void Clear()
        {
            Collection<PSObject> answer = Send(null, new Hashtable(), property);
            base.Clear();
            Settle(answer);
        }

        public override void Add(object key, object value)
        {
            if (ContainsKey(key)) { throw new ArgumentException("An item with the same key has already been added: " + key); }
            Store(key, value);
        }

        private void Store(object key, object value)
        {
            if (Settle(Send(key, value, key))) { return; }
            if (value == null) { base.Remove(key); } else { base[key] = value; }
        }

        /// <summary>One entry (or, with a null key, the whole table) to the worker; a refusal
        /// carries its error id, with target as the ErrorRecord's target.</summary>
        private Collection<PSObject> Send(object key, object value, object target)
        {
            try { return setEntry.Invoke(owner, property, key, value); }
            catch (RuntimeException failure) { throw WithErrorId(failure, target); }
        }

        /// <summary>Takes the table the worker answered with; false when it sent none.</summary>
        private bool Settle(Collection<PSObject> answer)
        {
            IDictionary settled = null;
            if (answer != null && answer.Count > 0 && answer[0] != null)
            {
                settled = answer[0].BaseObject as IDictionary;
            }
            if (settled == null) { return false; }
            base.Clear();
            Take(settled);
            return true;
        }

        private void Take(IDictionary values)
        {
            if (values == null) { return; }
            foreach (DictionaryEntry entry in values)
            {
                string inner = property + "." + Convert.ToString(entry.Key);
                IDictionary table = entry.Value as IDictionary;
                bool live = table != null && Array.Exists(settable,
                    delegate (string name) { return string.Equals(name, inner, StringComparison.OrdinalIgnoreCase); });
                base[entry.Key] = live ? new LiveTable(table, owner, inner, setEntry, settable) : entry.Value;
            }
        }

        /// <summary>The worker's refusal with its error id as the ErrorRecord's id (the script
        /// block's own wrapper would say only RuntimeException).</summary>
        private static Exception WithErrorId(RuntimeException failure, object key)
        {
            for (Exception e = failure; e != null; e = e.InnerException)
            {
                object id = e.Data.Contains("PshaiErrorId") ? e.Data["PshaiErrorId"] : null;
                if (id == null) { continue; }
                ErrorRecord record = new ErrorRecord(e, Convert.ToString(id), ErrorCategory.InvalidArgument, key);
                LiveTableRefusal refusal = new LiveTableRefusal(e.Message, e, record);
                refusal.Data["PshaiErrorId"] = id;
                return refusal;
            }
            return failure;
        }
    }

    /// <summary>A value the worker refused, carrying its error id in its ErrorRecord.</summary>
    public sealed class LiveTableRefusal : RuntimeException
    {
        private readonly ErrorRecord record;

        public LiveTableRefusal(string message, Exception inner, ErrorRecord record) : base(message, inner)
        {
            this.record = record;
        }

        public override ErrorRecord ErrorRecord { get { return record; } }
    }
}
