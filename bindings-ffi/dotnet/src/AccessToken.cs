using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Runtime.Serialization;

namespace M2MAuth
{
    /// <summary>An access token from the cache. <see cref="ToString"/> never shows the token;
    /// serializers that honour <see cref="ISerializable"/> (BinaryFormatter, Json.NET,
    /// DataContractSerializer) write it redacted, as Node's toJSON does; and the token's text is
    /// in fields, not properties, so System.Text.Json (which serializes public properties only,
    /// and ignores ISerializable) never writes it either.</summary>
    [Serializable]
    public sealed class AccessToken : ISerializable
    {
        internal AccessToken(IntPtr token)
        {
            Value = Native.Text(Native.m2m_token_value(token));
            TokenType = Native.Text(Native.m2m_token_type(token));
            AuthorizationHeader = TokenType + " " + Value;
            ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(Native.m2m_token_expires_at_ms(token));
            FetchId = Native.m2m_token_fetch_id(token);
            var count = (int)Native.m2m_token_scope_count(token).ToUInt32();
            var scopes = new List<string>(count);
            for (var i = 0; i < count; i++)
            {
                scopes.Add(Native.Text(Native.m2m_token_scope(token, new UIntPtr((uint)i))));
            }
            Scopes = new ReadOnlyCollection<string>(scopes);
        }

        /// <summary>The access token itself (a field, so that property serializers skip it).</summary>
        public readonly string Value;

        /// <summary>The token type ("Bearer").</summary>
        public string TokenType { get; private set; }

        /// <summary>When the IdP says the token expires.</summary>
        public DateTimeOffset ExpiresAt { get; private set; }

        /// <summary>The scopes granted.</summary>
        public IReadOnlyList<string> Scopes { get; private set; }

        /// <summary>"Bearer &lt;token&gt;", for an Authorization header (a field, like <see cref="Value"/>).</summary>
        public readonly string AuthorizationHeader;

        /// <summary>Names the fetch that produced the token.</summary>
        internal ulong FetchId { get; private set; }

        /// <summary>Serializes the token redacted: never its value.</summary>
        public void GetObjectData(SerializationInfo info, StreamingContext context)
        {
            if (info == null)
            {
                throw new ArgumentNullException("info");
            }
            info.AddValue("TokenType", TokenType);
            info.AddValue("ExpiresAt", ExpiresAt.ToString("O"));
            info.AddValue("Scopes", string.Join(" ", Scopes));
            info.AddValue("AccessToken", "[redacted]");
        }

        /// <summary>A description without the token.</summary>
        public override string ToString()
        {
            return string.Format("AccessToken({0}, token redacted, expires {1:O}, scopes [{2}])",
                TokenType, ExpiresAt, string.Join(" ", Scopes));
        }
    }
}
