// PowershaiPy.Native.JsonReader: the JSON parser for what the worker writes. Part of the runtime's compiled hot path
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
