using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using M2MAuth;

/// <summary>The shared verification vectors (tests/vectors/verify) through Verifier.FromJson.</summary>
public static partial class Tests
{
    /// <summary>
    /// Each clock-free vector's token gives its claims or its exact error code. Vectors that
    /// need a fixed clock (leeway edges) are replayed by the Rust suite only, excluded here.
    /// </summary>
    private static void VerifyVectors(string dir)
    {
        var files = Directory.GetFiles(dir, "*.json").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        var replayed = 0;
        foreach (var file in files)
        {
            var vector = JsonReader.ReadObject(File.ReadAllText(file));
            if (!Equals(vector["clock_free"], true))
            {
                continue;
            }
            replayed++;
            var name = Path.GetFileNameWithoutExtension(file);
            var token = (string)vector["token"];
            var expect = (Dictionary<string, object>)vector["expect"];
            using (var verifier = Verifier.FromJson(ToJson(vector["options"])))
            {
                var refusal = Refusal(verifier, token);
                object code;
                if (expect.TryGetValue("error", out code))
                {
                    Check(refusal != null && refusal.CodeName == (string)code && !refusal.Message.Contains(token),
                        name + ": want " + code + ", got " + (refusal == null ? "a pass" : refusal.CodeName + ": " + refusal.Message));
                    continue;
                }
                Check(refusal == null, name + ": refused: " + refusal);
                var claims = verifier.Verify(token);
                foreach (var claim in (Dictionary<string, object>)expect["claims"])
                {
                    Check(claims.ContainsKey(claim.Key) && ToJson(claims[claim.Key]) == ToJson(claim.Value), name + ": claim " + claim.Key);
                }
            }
        }
        Check(files.Length >= 35 && replayed >= 30, files.Length + " vectors, " + replayed + " replayed");
    }

    /// <summary>JSON text of what JsonReader reads (objects, lists, strings, numbers, booleans, null).</summary>
    private static string ToJson(object value)
    {
        if (value == null) return "null";
        if (value is bool) return (bool)value ? "true" : "false";
        if (value is double) return ((double)value).ToString("R", CultureInfo.InvariantCulture);
        if (value is long) return ((long)value).ToString(CultureInfo.InvariantCulture);
        var text = value as string;
        if (text != null) return Quote(text);
        var map = value as IDictionary<string, object>;
        if (map != null) return "{" + string.Join(",", map.Select(p => Quote(p.Key) + ":" + ToJson(p.Value))) + "}";
        var list = value as IEnumerable;
        if (list != null) return "[" + string.Join(",", list.Cast<object>().Select(ToJson)) + "]";
        return Convert.ToString(value, CultureInfo.InvariantCulture);
    }

    private static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c == '"' || c == '\\') quoted.Append('\\').Append(c);
            else if (c < ' ') quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else quoted.Append(c);
        }
        return quoted.Append('"').ToString();
    }
}
