using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace M2MAuth
{
    /// <summary>
    /// The claims of a verified token: a read-only dictionary of every claim (strings, doubles, bools,
    /// lists, nested dictionaries) with typed properties for the registered ones.
    /// </summary>
    public sealed class Claims : IReadOnlyDictionary<string, object>
    {
        private readonly Dictionary<string, object> _claims;

        internal Claims(Dictionary<string, object> claims)
        {
            _claims = claims;
            Audience = Words(Get("aud"), false);
            var scope = Get("scope");
            Scopes = Words(scope ?? Get("scp"), true);
        }

        /// <summary>"sub", or null.</summary>
        public string Subject { get { return Get("sub") as string; } }

        /// <summary>"iss", or null.</summary>
        public string Issuer { get { return Get("iss") as string; } }

        /// <summary>"client_id" (RFC 9068), else "azp", or null.</summary>
        public string ClientId { get { return (Get("client_id") as string) ?? (Get("azp") as string); } }

        /// <summary>"jti", or null.</summary>
        public string TokenId { get { return Get("jti") as string; } }

        /// <summary>"aud" as a list (a single string is one element).</summary>
        public IReadOnlyList<string> Audience { get; private set; }

        /// <summary>The scopes granted: "scope" split on spaces, or the "scp" list.</summary>
        public IReadOnlyList<string> Scopes { get; private set; }

        /// <summary>"exp", or null.</summary>
        public DateTimeOffset? ExpiresAt { get { return Instant("exp"); } }

        /// <summary>"iat", or null.</summary>
        public DateTimeOffset? IssuedAt { get { return Instant("iat"); } }

        /// <summary>Whether the token carries <paramref name="scope"/>.</summary>
        public bool HasScope(string scope)
        {
            return Scopes.Contains(scope);
        }

        /// <inheritdoc/>
        public object this[string key] { get { return _claims[key]; } }

        /// <inheritdoc/>
        public IEnumerable<string> Keys { get { return _claims.Keys; } }

        /// <inheritdoc/>
        public IEnumerable<object> Values { get { return _claims.Values; } }

        /// <inheritdoc/>
        public int Count { get { return _claims.Count; } }

        /// <inheritdoc/>
        public bool ContainsKey(string key)
        {
            return _claims.ContainsKey(key);
        }

        /// <inheritdoc/>
        public bool TryGetValue(string key, out object value)
        {
            return _claims.TryGetValue(key, out value);
        }

        /// <inheritdoc/>
        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            return _claims.GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator()
        {
            return GetEnumerator();
        }

        /// <summary>The subject and client, never a token.</summary>
        public override string ToString()
        {
            return "Claims(sub=" + Subject + ", client_id=" + ClientId + ", scopes=" + string.Join(" ", Scopes) + ")";
        }

        private object Get(string name)
        {
            object value;
            return _claims.TryGetValue(name, out value) ? value : null;
        }

        private DateTimeOffset? Instant(string name)
        {
            var seconds = Get(name) as double?;
            if (seconds == null || double.IsNaN(seconds.Value) || Math.Abs(seconds.Value) > 2.5e11)
            {
                return null;
            }
            return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds.Value * 1000));
        }

        private static IReadOnlyList<string> Words(object value, bool split)
        {
            var text = value as string;
            if (text != null)
            {
                return split ? text.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries) : new[] { text };
            }
            var list = value as List<object>;
            return list == null ? new string[0] : list.OfType<string>().ToArray();
        }
    }
}
