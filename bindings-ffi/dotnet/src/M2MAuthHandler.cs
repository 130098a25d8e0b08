using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace M2MAuth
{
    /// <summary>
    /// Adds "Authorization: Bearer &lt;token&gt;" from a <see cref="TokenSource"/>; when the server answers
    /// 401, drops that token and sends the request once more with a fresh one.
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
            request.Headers.Authorization = new AuthenticationHeaderValue(token.TokenType, token.Value);
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                return response;
            }
            _source.Invalidate(token);
            var retry = await CloneAsync(request).ConfigureAwait(false);
            var fresh = await _source.GetTokenAsync(cancellationToken).ConfigureAwait(false);
            retry.Headers.Authorization = new AuthenticationHeaderValue(fresh.TokenType, fresh.Value);
            response.Dispose();
            return await base.SendAsync(retry, cancellationToken).ConfigureAwait(false);
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
