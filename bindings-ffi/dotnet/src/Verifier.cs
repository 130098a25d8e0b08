using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace M2MAuth
{
    /// <summary>
    /// Checks the access tokens a service receives: JWTs against the issuer's JWKS (cached, refreshed
    /// ahead of expiry, kept through outages, refetched at most once per cooldown for an unknown kid),
    /// opaque tokens by introspection (RFC 7662). Thread-safe.
    /// <code>
    /// using (var verifier = new Verifier(new VerifierOptions {
    ///     Issuer = "https://auth.example.com/",
    ///     Audience = new[] { "https://api.example.com" },
    /// }))
    /// {
    ///     Claims claims = await verifier.VerifyAsync(bearerToken, new[] { "invoices:read" });
    /// }
    /// </code>
    /// </summary>
    public sealed class Verifier : IDisposable
    {
        /// <summary>Kept alive for as long as the process: the library may call it at any time.</summary>
        private static readonly Native.VerifyCallback OnVerified = Deliver;

        private readonly VerifierHandle _handle;

        /// <summary>Creates a verifier from options. Nothing is fetched yet.</summary>
        /// <exception cref="ConfigurationException">An option is invalid (see <see cref="M2MAuthException.Field"/>).</exception>
        public Verifier(VerifierOptions options)
            : this(Create(options == null ? null : options.ToJson()))
        {
        }

        private Verifier(VerifierHandle handle)
        {
            _handle = handle;
        }

        /// <summary>Creates a verifier from the JSON form every m2mauth language shares.</summary>
        public static Verifier FromJson(string json)
        {
            return new Verifier(Create(json));
        }

        /// <summary>Creates a verifier from &lt;prefix&gt;_* environment variables (default prefix "M2MAUTH").</summary>
        public static Verifier FromEnv(string prefix = null)
        {
            VerifierHandle handle;
            IntPtr error;
            var code = Native.m2m_verifier_from_env(Native.Utf8(prefix), out handle, out error);
            if (code != 0)
            {
                throw ErrorDetails.Take(code, error).ToException();
            }
            return new Verifier(handle);
        }

        private static VerifierHandle Create(string json)
        {
            if (json == null)
            {
                throw new ArgumentNullException("options");
            }
            VerifierHandle handle;
            IntPtr error;
            var code = Native.m2m_verifier_new(Native.Utf8(json), out handle, out error);
            if (code != 0)
            {
                throw ErrorDetails.Take(code, error).ToException();
            }
            return handle;
        }

        /// <summary>
        /// Checks <paramref name="token"/> (without "Bearer ") and that it carries every one of
        /// <paramref name="scopes"/>, blocking the thread while keys are fetched (once warm, never).
        /// </summary>
        /// <exception cref="InvalidTokenException">The token is refused; the subclass says why
        /// (<see cref="TokenExpiredException"/>, <see cref="InsufficientScopeException"/>, …).</exception>
        /// <exception cref="JwksUnavailableException">The issuer's keys could not be had.</exception>
        public Claims Verify(string token, params string[] scopes)
        {
            if (token == null)
            {
                throw new ArgumentNullException("token");
            }
            IntPtr claims;
            IntPtr error;
            var code = Native.m2m_verifier_verify(Handle(), Native.Utf8(token), Scopes(scopes), out claims, out error);
            if (code != 0)
            {
                throw ErrorDetails.Take(code, error).ToException();
            }
            return new Claims(JsonReader.ReadObject(Native.TakeText(claims)));
        }

        /// <summary>
        /// <see cref="Verify"/> without blocking a thread. Cancelling abandons this call only.
        /// </summary>
        public Task<Claims> VerifyAsync(string token, IEnumerable<string> scopes = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (token == null)
            {
                throw new ArgumentNullException("token");
            }
            cancellationToken.ThrowIfCancellationRequested();
            var pending = new TaskCompletionSource<Claims>(TaskCreationOptions.RunContinuationsAsynchronously);
            var handle = GCHandle.Alloc(pending);
            IntPtr error;
            var code = Native.m2m_verifier_verify_async(Handle(), Native.Utf8(token), Scopes(scopes), OnVerified, GCHandle.ToIntPtr(handle), out error);
            if (code != 0)
            {
                handle.Free();
                throw ErrorDetails.Take(code, error).ToException();
            }
            if (cancellationToken.CanBeCanceled)
            {
                var registration = cancellationToken.Register(() => pending.TrySetCanceled());
                pending.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
            }
            return pending.Task;
        }

        /// <summary>
        /// Checks an incoming request: its Authorization header (<paramref name="authorization"/>, "Bearer …" or
        /// "DPoP …") and, for a token bound to a DPoP key (cnf.jkt), <paramref name="dpop"/> (the DPoP header) as
        /// the proof for <paramref name="method"/> and <paramref name="uri"/> (RFC 9449; replays are refused).
        /// Blocks the thread while keys are fetched.
        /// </summary>
        public Claims VerifyRequest(string authorization, string method, Uri uri, string dpop = null, params string[] scopes)
        {
            if (authorization == null || method == null || uri == null)
            {
                throw new ArgumentNullException(authorization == null ? "authorization" : method == null ? "method" : "uri");
            }
            IntPtr claims;
            IntPtr error;
            var code = Native.m2m_verifier_verify_request(Handle(), Native.Utf8(authorization), Native.Utf8(dpop), Native.Utf8(method),
                Native.Utf8(uri.AbsoluteUri), Scopes(scopes), out claims, out error);
            if (code != 0)
            {
                throw ErrorDetails.Take(code, error).ToException();
            }
            return new Claims(JsonReader.ReadObject(Native.TakeText(claims)));
        }

        /// <summary><see cref="VerifyRequest"/> on the thread pool.</summary>
        public Task<Claims> VerifyRequestAsync(string authorization, string method, Uri uri, string dpop = null, IEnumerable<string> scopes = null)
        {
            var list = scopes == null ? new string[0] : scopes.ToArray();
            return Task.Run(() => VerifyRequest(authorization, method, uri, dpop, list));
        }

        /// <summary>
        /// Asks the IdP whether <paramref name="token"/> is active (RFC 7662) and returns its answer; an
        /// inactive token is <c>{"active": false}</c>, not an exception. Blocks the thread.
        /// </summary>
        public IReadOnlyDictionary<string, object> Introspect(string token)
        {
            if (token == null)
            {
                throw new ArgumentNullException("token");
            }
            IntPtr answer;
            IntPtr error;
            var code = Native.m2m_verifier_introspect(Handle(), Native.Utf8(token), out answer, out error);
            if (code != 0)
            {
                throw ErrorDetails.Take(code, error).ToException();
            }
            return JsonReader.ReadObject(Native.TakeText(answer));
        }

        /// <summary><see cref="Introspect"/> on the thread pool.</summary>
        public Task<IReadOnlyDictionary<string, object>> IntrospectAsync(string token, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Task.Run(() => Introspect(token), cancellationToken);
        }

        /// <summary>Frees the native verifier; pending calls still complete.</summary>
        public void Dispose()
        {
            _handle.Dispose();
        }

        private VerifierHandle Handle()
        {
            if (_handle.IsClosed)
            {
                throw new ObjectDisposedException("Verifier");
            }
            return _handle;
        }

        private static byte[] Scopes(IEnumerable<string> scopes)
        {
            if (scopes == null)
            {
                return null;
            }
            var list = scopes.ToList();
            if (list.Any(s => string.IsNullOrWhiteSpace(s) || s.Any(char.IsWhiteSpace)))
            {
                throw new ArgumentException("each scope is one word", "scopes");
            }
            return list.Count == 0 ? null : Native.Utf8(string.Join(" ", list));
        }

        /// <summary>Runs on a library thread: completes the waiting task.</summary>
        private static void Deliver(IntPtr userData, uint code, IntPtr claims, IntPtr error)
        {
            var handle = GCHandle.FromIntPtr(userData);
            var pending = (TaskCompletionSource<Claims>)handle.Target;
            handle.Free();
            try
            {
                if (code == 0)
                {
                    pending.TrySetResult(new Claims(JsonReader.ReadObject(Native.TakeText(claims))));
                }
                else
                {
                    pending.TrySetException(ErrorDetails.Take(code, error).ToException());
                }
            }
            catch (Exception e)
            {
                // Nothing may unwind into the native library.
                pending.TrySetException(e);
            }
        }
    }

    /// <summary>Owns an m2m_verifier; frees it exactly once, even across threads.</summary>
    internal sealed class VerifierHandle : SafeHandle
    {
        public VerifierHandle() : base(IntPtr.Zero, true)
        {
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            Native.m2m_verifier_free(handle);
            return true;
        }
    }
}
