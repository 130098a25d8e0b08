using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace M2MAuth
{
    /// <summary>
    /// A cached, self-refreshing source of OAuth 2.0 client credentials tokens. Thread-safe; concurrent
    /// callers on a cold cache share one request, and from 80 % of a token's lifetime the next caller
    /// gets it at once while a background refresh runs.
    /// <code>
    /// using (var source = new TokenSource(new TokenSourceOptions {
    ///     TokenUrl = "https://auth.example.com/oauth2/token",
    ///     ClientId = "billing-service",
    ///     ClientSecret = Environment.GetEnvironmentVariable("CLIENT_SECRET"),
    /// }))
    /// {
    ///     var http = new HttpClient(new M2MAuthHandler(source) { InnerHandler = new HttpClientHandler() });
    ///     var invoices = await http.GetStringAsync("https://api.example.com/invoices");
    /// }
    /// </code>
    /// </summary>
    public sealed class TokenSource : IDisposable
    {
        /// <summary>Kept alive for as long as the process: the library may call it at any time.</summary>
        private static readonly Native.TokenCallback OnToken = Deliver;

        static TokenSource()
        {
            // The library's thread calls back into managed code (GetTokenAsync), which makes the
            // runtime adopt it and wait for it at exit; stopping the library's threads lets the
            // process end.
            AppDomain.CurrentDomain.ProcessExit += (sender, args) => Native.m2m_shutdown();
        }

        private readonly SourceHandle _handle;
        private Cached _cached;

        /// <summary>Creates a source from options. Nothing is fetched yet.</summary>
        /// <exception cref="ConfigurationException">An option is invalid (see <see cref="M2MAuthException.Field"/>).</exception>
        public TokenSource(TokenSourceOptions options)
            : this(Create(options == null ? null : options.ToJson()))
        {
        }

        private TokenSource(SourceHandle handle)
        {
            _handle = handle;
        }

        /// <summary>Creates a source from the JSON form every m2mauth language shares.</summary>
        public static TokenSource FromJson(string json)
        {
            return new TokenSource(Create(json));
        }

        /// <summary>Creates a source from &lt;prefix&gt;_* environment variables (default prefix "M2MAUTH").</summary>
        public static TokenSource FromEnv(string prefix = null)
        {
            SourceHandle handle;
            IntPtr error;
            var code = Native.m2m_source_from_env(Native.Utf8(prefix), out handle, out error);
            if (code != 0)
            {
                throw ErrorDetails.Take(code, error).ToException();
            }
            return new TokenSource(handle);
        }

        private static SourceHandle Create(string json)
        {
            if (json == null)
            {
                throw new ArgumentNullException("options");
            }
            SourceHandle handle;
            IntPtr error;
            var code = Native.m2m_source_new(Native.Utf8(json), out handle, out error);
            if (code != 0)
            {
                throw ErrorDetails.Take(code, error).ToException();
            }
            return handle;
        }

        /// <summary>A valid token, blocking the thread while it is fetched (a cached token returns at once).</summary>
        public AccessToken GetToken()
        {
            var cached = Fresh();
            if (cached != null)
            {
                return cached.Token;
            }
            IntPtr token;
            IntPtr error;
            var code = Native.m2m_source_token(Handle(), out token, out error);
            if (code != 0)
            {
                throw ErrorDetails.Take(code, error).ToException();
            }
            return Remember(Take(token)).Token;
        }

        /// <summary>
        /// A valid token without blocking a thread. Cancelling abandons this call only: the fetch goes on
        /// for everyone else.
        /// </summary>
        public Task<AccessToken> GetTokenAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            var cached = Fresh();
            if (cached != null)
            {
                return cached.Task;
            }
            cancellationToken.ThrowIfCancellationRequested();
            var pending = new Pending(this);
            var handle = GCHandle.Alloc(pending);
            IntPtr error;
            var code = Native.m2m_source_token_async(Handle(), OnToken, GCHandle.ToIntPtr(handle), out error);
            if (code != 0)
            {
                handle.Free();
                throw ErrorDetails.Take(code, error).ToException();
            }
            if (cancellationToken.CanBeCanceled)
            {
                var registration = cancellationToken.Register(() => pending.Completion.TrySetCanceled());
                pending.Completion.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
            }
            return pending.Completion.Task;
        }

        /// <summary>"Bearer &lt;token&gt;", ready for an Authorization header.</summary>
        public string GetAuthorizationHeader()
        {
            return GetToken().AuthorizationHeader;
        }

        /// <summary>"Bearer &lt;token&gt;", without blocking a thread.</summary>
        public async Task<string> GetAuthorizationHeaderAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            var token = await GetTokenAsync(cancellationToken).ConfigureAwait(false);
            return token.AuthorizationHeader;
        }

        /// <summary>
        /// Drops <paramref name="token"/> after an API rejected it (HTTP 401), so the next call fetches a new
        /// one. Only that exact token is dropped, and only once; returns whether it was still cached.
        /// </summary>
        public bool Invalidate(AccessToken token)
        {
            if (token == null)
            {
                throw new ArgumentNullException("token");
            }
            bool dropped;
            Native.m2m_source_invalidate_value(Handle(), Native.Utf8(token.Value), out dropped, IntPtr.Zero);
            return dropped;
        }

        /// <summary>
        /// Revokes <paramref name="token"/> at the IdP (RFC 7009), at the configured RevocationUrl or the
        /// issuer's discovered endpoint, and drops it from the cache. Blocks until the IdP answers.
        /// </summary>
        public void Revoke(AccessToken token)
        {
            if (token == null)
            {
                throw new ArgumentNullException("token");
            }
            IntPtr error;
            var code = Native.m2m_source_revoke(Handle(), Native.Utf8(token.Value), out error);
            if (code != 0)
            {
                throw ErrorDetails.Take(code, error).ToException();
            }
        }

        /// <summary><see cref="Revoke"/> on the thread pool.</summary>
        public Task RevokeAsync(AccessToken token, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Task.Run(() => Revoke(token), cancellationToken);
        }

        /// <summary>
        /// The DPoP header (RFC 9449) for a <paramref name="method"/> request to <paramref name="uri"/> carrying
        /// <paramref name="accessToken"/> (null for none), or null when the source does not use DPoP. Send it with
        /// "Authorization: DPoP &lt;token&gt;"; <see cref="M2MAuthHandler"/> does both.
        /// </summary>
        public string GetDPoPProof(string method, Uri uri, string accessToken = null)
        {
            if (method == null || uri == null)
            {
                throw new ArgumentNullException(method == null ? "method" : "uri");
            }
            IntPtr proof;
            IntPtr error;
            var code = Native.m2m_source_dpop_proof(Handle(), Native.Utf8(method), Native.Utf8(uri.AbsoluteUri), Native.Utf8(accessToken), out proof, out error);
            if (code != 0)
            {
                throw ErrorDetails.Take(code, error).ToException();
            }
            return proof == IntPtr.Zero ? null : Native.TakeText(proof);
        }

        /// <summary>
        /// Reads a resource server's answer to a request sent with a DPoP proof: records any DPoP-Nonce, and
        /// returns whether it is a 401 asking for a nonce, when the request should be sent once more with a new
        /// proof (the token is still good).
        /// </summary>
        public bool AcceptDPoPAnswer(Uri uri, int status, string wwwAuthenticate, string dpopNonce)
        {
            if (uri == null)
            {
                throw new ArgumentNullException("uri");
            }
            if (status < 0 || status > ushort.MaxValue)
            {
                return false;
            }
            bool retry;
            Native.m2m_source_dpop_answer(Handle(), Native.Utf8(uri.AbsoluteUri), (ushort)status, Native.Utf8(wwwAuthenticate), Native.Utf8(dpopNonce), out retry, IntPtr.Zero);
            return retry;
        }

        /// <summary>What the source has done so far.</summary>
        public TokenSourceStats GetStats()
        {
            Native.Stats stats;
            IntPtr error;
            var code = Native.m2m_source_stats(Handle(), out stats, out error);
            if (code != 0)
            {
                throw ErrorDetails.Take(code, error).ToException();
            }
            IntPtr last;
            code = Native.m2m_source_last_error(Handle(), out last, out error);
            if (code != 0)
            {
                throw ErrorDetails.Take(code, error).ToException();
            }
            return new TokenSourceStats(stats, last == IntPtr.Zero ? null : ErrorDetails.Take(Native.m2m_error_code(last), last).ToException());
        }

        /// <summary>Frees the native source; pending calls still complete.</summary>
        public void Dispose()
        {
            _handle.Dispose();
        }

        private SourceHandle Handle()
        {
            if (_handle.IsClosed)
            {
                throw new ObjectDisposedException("TokenSource");
            }
            return _handle;
        }

        /// <summary>The managed copy of the token the library would hand out now, if it is still current.</summary>
        private Cached Fresh()
        {
            ulong id;
            if (Native.m2m_source_cached_token_id(Handle(), out id, IntPtr.Zero) != 0 || id == 0)
            {
                return null;
            }
            var cached = Volatile.Read(ref _cached);
            return cached != null && cached.Token.FetchId == id ? cached : null;
        }

        private Cached Remember(AccessToken token)
        {
            var cached = new Cached(token);
            Volatile.Write(ref _cached, cached);
            return cached;
        }

        private static AccessToken Take(IntPtr token)
        {
            try
            {
                return new AccessToken(token);
            }
            finally
            {
                Native.m2m_token_free(token);
            }
        }

        /// <summary>Runs on a library thread: completes the waiting task.</summary>
        private static void Deliver(IntPtr userData, uint code, IntPtr token, IntPtr error)
        {
            var handle = GCHandle.FromIntPtr(userData);
            var pending = (Pending)handle.Target;
            handle.Free();
            try
            {
                if (code == 0)
                {
                    pending.Completion.TrySetResult(pending.Source.Remember(Take(token)).Token);
                }
                else
                {
                    pending.Completion.TrySetException(ErrorDetails.Take(code, error).ToException());
                }
            }
            catch (Exception e)
            {
                // Nothing may unwind into the native library.
                pending.Completion.TrySetException(e);
            }
        }

        /// <summary>A managed token with a completed task for it, reused while the token is current.</summary>
        private sealed class Cached
        {
            internal Cached(AccessToken token)
            {
                Token = token;
                Task = System.Threading.Tasks.Task.FromResult(token);
            }

            internal AccessToken Token { get; private set; }

            internal Task<AccessToken> Task { get; private set; }
        }

        /// <summary>One asynchronous request, carried through the native library.</summary>
        private sealed class Pending
        {
            internal Pending(TokenSource source)
            {
                Source = source;
                Completion = new TaskCompletionSource<AccessToken>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            internal TokenSource Source { get; private set; }

            internal TaskCompletionSource<AccessToken> Completion { get; private set; }
        }
    }

    /// <summary>Counters of a <see cref="TokenSource"/>.</summary>
    public sealed class TokenSourceStats
    {
        internal TokenSourceStats(Native.Stats stats, M2MAuthException lastError)
        {
            CacheHits = (long)stats.CacheHits;
            Waits = (long)stats.Waits;
            Fetches = (long)stats.Fetches;
            Refreshes = (long)stats.Refreshes;
            Failures = (long)stats.Failures;
            L2Hits = (long)stats.L2Hits;
            LeaseWaits = (long)stats.LeaseWaits;
            LeaseTakeovers = (long)stats.LeaseTakeovers;
            L2Errors = (long)stats.L2Errors;
            LastError = lastError;
        }

        /// <summary>Calls answered from the cache.</summary>
        public long CacheHits { get; private set; }

        /// <summary>Calls that had to wait for the IdP.</summary>
        public long Waits { get; private set; }

        /// <summary>Token requests that returned a token.</summary>
        public long Fetches { get; private set; }

        /// <summary>Of those, refreshes ahead of expiry.</summary>
        public long Refreshes { get; private set; }

        /// <summary>Token requests that failed.</summary>
        public long Failures { get; private set; }

        /// <summary>Of <see cref="Fetches"/>, tokens read from the fleet cache (Redis) instead of the IdP.</summary>
        public long L2Hits { get; private set; }

        /// <summary>Fetches that waited for another process's lease.</summary>
        public long LeaseWaits { get; private set; }

        /// <summary>Fetches that took a dead or slow process's lease over.</summary>
        public long LeaseTakeovers { get; private set; }

        /// <summary>Fetches during which Redis failed (each then fetched for itself).</summary>
        public long L2Errors { get; private set; }

        /// <summary>The most recent failure, or null.</summary>
        public M2MAuthException LastError { get; private set; }
    }
}
