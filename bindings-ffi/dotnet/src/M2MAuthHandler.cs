using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace M2MAuth
{
    /// <summary>
    /// Adds "Authorization: Bearer &lt;token&gt;" from a <see cref="TokenSource"/> (for DPoP tokens,
    /// "Authorization: DPoP &lt;token&gt;" and a DPoP proof); when the server answers 401, sends the request
    /// once more: with a new proof if it asked for a DPoP nonce, else with a fresh token.
    /// </summary>
    public sealed class M2MAuthHandler : DelegatingHandler
    {
        private readonly TokenSource _source;

        /// <summary>A handler over <paramref name="source"/>; set InnerHandler (or use HttpClientFactory).</summary>
        public M2MAuthHandler(TokenSource source)
        {
            if (source == null)
            {
                throw new ArgumentNullException("source");
            }
            _source = source;
        }

        /// <inheritdoc />
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content != null)
            {
                // Buffered, so the content can be sent again after a 401.
                await request.Content.LoadIntoBufferAsync().ConfigureAwait(false);
            }
            var token = await _source.GetTokenAsync(cancellationToken).ConfigureAwait(false);
            Authorize(request, token);
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var challenged = token.TokenType == "DPoP" && _source.AcceptDPoPAnswer(
                request.RequestUri, (int)response.StatusCode, Header(response, "WWW-Authenticate"), Header(response, "DPoP-Nonce"));
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                return response;
            }
            var retry = await CloneAsync(request).ConfigureAwait(false);
            if (!challenged)
            {
                _source.Invalidate(token);
                token = await _source.GetTokenAsync(cancellationToken).ConfigureAwait(false);
            }
            Authorize(retry, token);
            response.Dispose();
            return await base.SendAsync(retry, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Sets the Authorization header, and the DPoP proof for a DPoP token.</summary>
        private void Authorize(HttpRequestMessage request, AccessToken token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(token.TokenType, token.Value);
            request.Headers.Remove("DPoP");
            if (token.TokenType == "DPoP")
            {
                request.Headers.TryAddWithoutValidation("DPoP", _source.GetDPoPProof(request.Method.Method, request.RequestUri, token.Value));
            }
        }

        private static string Header(HttpResponseMessage response, string name)
        {
            System.Collections.Generic.IEnumerable<string> values;
            return response.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;
        }

        /// <summary>A copy of a sent request (a request message can be sent only once).</summary>
        private static async Task<HttpRequestMessage> CloneAsync(HttpRequestMessage request)
        {
            var clone = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version };
            foreach (var header in request.Headers)
            {
                clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            foreach (var property in request.Properties)
            {
                clone.Properties[property.Key] = property.Value;
            }
            if (request.Content != null)
            {
                var body = await request.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                clone.Content = new ByteArrayContent(body);
                foreach (var header in request.Content.Headers)
                {
                    clone.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }
            return clone;
        }
    }
}
