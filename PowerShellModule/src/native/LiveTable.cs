// PowershaiPy.Native.LiveTable: a hashtable property of a live object whose entries, when set,
// are set in the worker too. Part of the runtime's compiled hot path (C# 5, for Windows
// PowerShell 5.1's Add-Type); the generator joins src/native/*.cs in the order of
// src/native/order.txt into the module's PowershaiPy.Native.cs.
using System;
using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;

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
