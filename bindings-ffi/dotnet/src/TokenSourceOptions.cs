using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace M2MAuth
{
    /// <summary>The options every m2mauth language takes (see the README); unset means the default.</summary>
    public sealed class TokenSourceOptions
    {
        /// <summary>The token endpoint.</summary>
        public string TokenUrl { get; set; }

        /// <summary>Or an issuer to discover the token endpoint from.</summary>
        public string Issuer { get; set; }

        /// <summary>The client id.</summary>
        public string ClientId { get; set; }

        /// <summary>The client secret.</summary>
        public string ClientSecret { get; set; }

        /// <summary>Or a file holding the client secret.</summary>
        public string ClientSecretFile { get; set; }

        /// <summary>Scopes to request.</summary>
        public IList<string> Scopes { get; set; }

        /// <summary>The audience parameter (Auth0, SSOJet, …).</summary>
        public string Audience { get; set; }

        /// <summary>RFC 8707 resource indicators.</summary>
        public IList<string> Resource { get; set; }

        /// <summary>Extra request parameters.</summary>
        public IDictionary<string, string> ExtraParams { get; set; }

        /// <summary>"client_secret_basic" (default) or "client_secret_post".</summary>
        public string AuthMethod { get; set; }

        /// <summary>"form" (default) or "json".</summary>
        public string BodyFormat { get; set; }

        /// <summary>Deadline of one token acquisition, retries included (default 10 s).</summary>
        public TimeSpan? Timeout { get; set; }

        /// <summary>Retries of transient failures while callers wait (default 2).</summary>
        public int? Retries { get; set; }

        /// <summary>Lifetime assumed when the IdP sends no expires_in (default 5 min).</summary>
        public TimeSpan? DefaultLifetime { get; set; }

        /// <summary>Allow http:// to hosts other than loopback.</summary>
        public bool AllowInsecureHttp { get; set; }

        /// <summary>The JSON form the native library takes.</summary>
        internal string ToJson()
        {
            var json = new StringBuilder("{");
            Add(json, "token_url", TokenUrl);
            Add(json, "issuer", Issuer);
            Add(json, "client_id", ClientId);
            Add(json, "client_secret", ClientSecret);
            Add(json, "client_secret_file", ClientSecretFile);
            Add(json, "audience", Audience);
            Add(json, "auth_method", AuthMethod);
            Add(json, "body_format", BodyFormat);
            AddList(json, "scopes", Scopes);
            AddList(json, "resource", Resource);
            if (ExtraParams != null)
            {
                Key(json, "extra_params");
                json.Append('{');
                var first = true;
                foreach (var pair in ExtraParams)
                {
                    if (!first)
                    {
                        json.Append(',');
                    }
                    first = false;
                    Quote(json, pair.Key);
                    json.Append(':');
                    Quote(json, pair.Value ?? "");
                }
                json.Append('}');
            }
            if (Timeout.HasValue)
            {
                Key(json, "timeout");
                json.Append(Timeout.Value.TotalSeconds.ToString("R", CultureInfo.InvariantCulture));
            }
            if (Retries.HasValue)
            {
                Key(json, "retries");
                json.Append(Retries.Value.ToString(CultureInfo.InvariantCulture));
            }
            if (DefaultLifetime.HasValue)
            {
                Key(json, "default_lifetime");
                json.Append(DefaultLifetime.Value.TotalSeconds.ToString("R", CultureInfo.InvariantCulture));
            }
            if (AllowInsecureHttp)
            {
                Key(json, "allow_insecure_http");
                json.Append("true");
            }
            return json.Append('}').ToString();
        }

        private static void Key(StringBuilder json, string key)
        {
            if (json.Length > 1)
            {
                json.Append(',');
            }
            Quote(json, key);
            json.Append(':');
        }

        private static void Add(StringBuilder json, string key, string value)
        {
            if (value != null)
            {
                Key(json, key);
                Quote(json, value);
            }
        }

        private static void AddList(StringBuilder json, string key, IList<string> values)
        {
            if (values == null)
            {
                return;
            }
            Key(json, key);
            json.Append('[');
            for (var i = 0; i < values.Count; i++)
            {
                if (i > 0)
                {
                    json.Append(',');
                }
                Quote(json, values[i] ?? "");
            }
            json.Append(']');
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
}
