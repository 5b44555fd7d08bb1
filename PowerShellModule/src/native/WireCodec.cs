// PowershaiPy.Native.WireCodec: wire values to PowerShell values (decoding; WireEncoding.cs has the
// other way). Part of the runtime's compiled hot path
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
