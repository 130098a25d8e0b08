using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace M2MAuth
{
    /// <summary>
    /// Reads the JSON the native library hands over (claims, introspection answers) into
    /// <see cref="Dictionary{TKey,TValue}"/>, <see cref="List{T}"/>, string, double, bool and null,
    /// without a dependency: netstandard2.0 has no JSON reader in the box.
    /// </summary>
    internal sealed class JsonReader
    {
        private const int MaxDepth = 64;
        private readonly string _text;
        private int _at;

        private JsonReader(string text)
        {
            _text = text;
        }

        /// <summary>Parses a JSON object.</summary>
        /// <exception cref="FormatException">The text is not one JSON object.</exception>
        internal static Dictionary<string, object> ReadObject(string text)
        {
            var reader = new JsonReader(text ?? "");
            reader.Space();
            var value = reader.Value(0) as Dictionary<string, object>;
            reader.Space();
            if (value == null || reader._at != reader._text.Length)
            {
                throw new FormatException("not one JSON object");
            }
            return value;
        }

        private object Value(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Fail("nested too deeply");
            }
            switch (Peek())
            {
                case '{':
                    return Object(depth);
                case '[':
                    return Array(depth);
                case '"':
                    return String();
                case 't':
                    return Word("true", true);
                case 'f':
                    return Word("false", false);
                case 'n':
                    return Word("null", null);
                default:
                    return Number();
            }
        }

        private Dictionary<string, object> Object(int depth)
        {
            var result = new Dictionary<string, object>(StringComparer.Ordinal);
            _at++;
            Space();
            if (Peek() == '}')
            {
                _at++;
                return result;
            }
            while (true)
            {
                Space();
                var name = String();
                Space();
                Expect(':');
                Space();
                result[name] = Value(depth + 1);
                Space();
                if (Peek() == ',')
                {
                    _at++;
                    continue;
                }
                Expect('}');
                return result;
            }
        }

        private List<object> Array(int depth)
        {
            var result = new List<object>();
            _at++;
            Space();
            if (Peek() == ']')
            {
                _at++;
                return result;
            }
            while (true)
            {
                Space();
                result.Add(Value(depth + 1));
                Space();
                if (Peek() == ',')
                {
                    _at++;
                    continue;
                }
                Expect(']');
                return result;
            }
        }

        private string String()
        {
            Expect('"');
            var text = new StringBuilder();
            while (true)
            {
                var c = Next();
                if (c == '"')
                {
                    return text.ToString();
                }
                if (c != '\\')
                {
                    text.Append(c);
                    continue;
                }
                var escaped = Next();
                switch (escaped)
                {
                    case '"': text.Append('"'); break;
                    case '\\': text.Append('\\'); break;
                    case '/': text.Append('/'); break;
                    case 'b': text.Append('\b'); break;
                    case 'f': text.Append('\f'); break;
                    case 'n': text.Append('\n'); break;
                    case 'r': text.Append('\r'); break;
                    case 't': text.Append('\t'); break;
                    case 'u':
                        if (_at + 4 > _text.Length)
                        {
                            throw Fail("a short \\u escape");
                        }
                        text.Append((char)int.Parse(_text.Substring(_at, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                        _at += 4;
                        break;
                    default:
                        throw Fail("an unknown escape");
                }
            }
        }

        private object Word(string word, object value)
        {
            if (string.CompareOrdinal(_text, _at, word, 0, word.Length) != 0)
            {
                throw Fail("an unexpected word");
            }
            _at += word.Length;
            return value;
        }

        private object Number()
        {
            var start = _at;
            while (_at < _text.Length && "+-0123456789.eE".IndexOf(_text[_at]) >= 0)
            {
                _at++;
            }
            double number;
            if (start == _at || !double.TryParse(_text.Substring(start, _at - start), NumberStyles.Float, CultureInfo.InvariantCulture, out number))
            {
                throw Fail("an unexpected character");
            }
            return number;
        }

        private void Space()
        {
            while (_at < _text.Length && (_text[_at] == ' ' || _text[_at] == '\t' || _text[_at] == '\n' || _text[_at] == '\r'))
            {
                _at++;
            }
        }

        private char Peek()
        {
            return _at < _text.Length ? _text[_at] : '\0';
        }

        private char Next()
        {
            if (_at >= _text.Length)
            {
                throw Fail("the text ends early");
            }
            return _text[_at++];
        }

        private void Expect(char c)
        {
            if (Next() != c)
            {
                throw Fail("expected '" + c + "'");
            }
        }

        private FormatException Fail(string what)
        {
            return new FormatException("invalid JSON at " + _at + ": " + what);
        }
    }
}
