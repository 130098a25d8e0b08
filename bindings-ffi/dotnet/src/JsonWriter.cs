using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace M2MAuth
{
    /// <summary>Writes the JSON form of the options (the generated options classes call it);
    /// unset options are left out, so the native library applies its defaults.</summary>
    internal sealed class JsonWriter
    {
        private readonly StringBuilder _json = new StringBuilder("{");

        internal void Text(string key, string value)
        {
            if (value == null)
            {
                return;
            }
            Key(key);
            Quote(_json, value);
        }

        internal void List(string key, IList<string> values)
        {
            if (values == null)
            {
                return;
            }
            Key(key);
            _json.Append('[');
            for (var i = 0; i < values.Count; i++)
            {
                if (i > 0)
                {
                    _json.Append(',');
                }
                Quote(_json, values[i] ?? "");
            }
            _json.Append(']');
        }

        internal void Seconds(string key, TimeSpan? value)
        {
            if (value.HasValue)
            {
                Key(key);
                _json.Append(value.Value.TotalSeconds.ToString("R", CultureInfo.InvariantCulture));
            }
        }

        internal void Count(string key, int? value)
        {
            if (value.HasValue)
            {
                Key(key);
                _json.Append(value.Value.ToString(CultureInfo.InvariantCulture));
            }
        }

        internal void Flag(string key, bool value)
        {
            if (value)
            {
                Key(key);
                _json.Append("true");
            }
        }

        internal void Params(string key, IDictionary<string, string> values)
        {
            if (values == null)
            {
                return;
            }
            Key(key);
            _json.Append('{');
            var first = true;
            foreach (var pair in values)
            {
                if (!first)
                {
                    _json.Append(',');
                }
                first = false;
                Quote(_json, pair.Key);
                _json.Append(':');
                Quote(_json, pair.Value ?? "");
            }
            _json.Append('}');
        }

        internal void Claims(string key, IDictionary<string, object> values)
        {
            if (values == null)
            {
                return;
            }
            Key(key);
            _json.Append('{');
            var first = true;
            foreach (var pair in values)
            {
                if (!first)
                {
                    _json.Append(',');
                }
                first = false;
                Quote(_json, pair.Key);
                _json.Append(':');
                Value(_json, key + "[" + pair.Key + "]", pair.Value);
            }
            _json.Append('}');
        }

        internal string Finish()
        {
            return _json.Append('}').ToString();
        }

        private void Key(string key)
        {
            if (_json.Length > 1)
            {
                _json.Append(',');
            }
            Quote(_json, key);
            _json.Append(':');
        }

        /// <summary>A claim value: null, a string, a bool, a number, or a list of those.</summary>
        private static void Value(StringBuilder json, string where, object value)
        {
            if (value == null)
            {
                json.Append("null");
            }
            else if (value is string)
            {
                Quote(json, (string)value);
            }
            else if (value is bool)
            {
                json.Append((bool)value ? "true" : "false");
            }
            else if (value is int || value is long || value is short || value is uint || value is ulong)
            {
                json.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
            }
            else if (value is double || value is float || value is decimal)
            {
                json.Append(Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
            }
            else if (value is IEnumerable)
            {
                json.Append('[');
                var first = true;
                foreach (var item in (IEnumerable)value)
                {
                    if (!first)
                    {
                        json.Append(',');
                    }
                    first = false;
                    Value(json, where, item);
                }
                json.Append(']');
            }
            else
            {
                throw new ArgumentException(where + " must be null, a string, a bool, a number or a list of those, not " + value.GetType().Name);
            }
        }

        /// <summary>Appends a JSON string literal (RFC 8259 escaping).</summary>
        private static void Quote(StringBuilder json, string text)
        {
            json.Append('"');
            foreach (var c in text)
            {
                switch (c)
                {
                    case '"': json.Append("\\\""); break;
                    case '\\': json.Append("\\\\"); break;
                    case '\n': json.Append("\\n"); break;
                    case '\r': json.Append("\\r"); break;
                    case '\t': json.Append("\\t"); break;
                    default:
                        if (c < ' ')
                        {
                            json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            json.Append(c);
                        }
                        break;
                }
            }
            json.Append('"');
        }
    }

    /// <summary>Builds the ToString() of the generated options classes: the options that are set,
    /// with secrets as [redacted].</summary>
    internal sealed class Shown
    {
        private readonly StringBuilder _text;
        private bool _any;

        internal Shown(string type)
        {
            _text = new StringBuilder(type).Append(" { ");
        }

        internal void Value(string name, object value)
        {
            if (value == null || (value is bool && !(bool)value))
            {
                return;
            }
            var dictionary = value as IDictionary;
            var list = value as IEnumerable;
            string shown;
            if (dictionary != null)
            {
                var keys = new List<string>();
                foreach (var key in dictionary.Keys)
                {
                    keys.Add(key + " = [redacted]");
                }
                shown = "{ " + string.Join(", ", keys) + " }";
            }
            else if (list != null && !(value is string))
            {
                var items = new List<string>();
                foreach (var item in list)
                {
                    items.Add(Convert.ToString(item, CultureInfo.InvariantCulture));
                }
                shown = "[" + string.Join(", ", items) + "]";
            }
            else
            {
                shown = Convert.ToString(value, CultureInfo.InvariantCulture);
            }
            Add(name, shown);
        }

        internal void Secret(string name, string value)
        {
            if (value != null)
            {
                Add(name, "[redacted]");
            }
        }

        internal string Finish()
        {
            return _text.Append(_any ? " }" : "}").ToString();
        }

        private void Add(string name, string shown)
        {
            if (_any)
            {
                _text.Append(", ");
            }
            _any = true;
            _text.Append(name).Append(" = ").Append(shown);
        }
    }
}
