using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using M2MAuth;

/// <summary>The Verifier against the test issuer's keys, JWKS and introspection endpoint.</summary>
public static partial class Tests
{
    private const string Api = "https://api.test";

    /// <summary>A JWT from the issuer with good claims, <paramref name="extraClaims"/> added (JSON members).</summary>
    private static string Mint(string extraClaims = null, string how = null)
    {
        var exp = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var claims = "{\"iss\":\"" + _issuer + "\",\"aud\":\"" + Api + "\",\"sub\":\"svc\",\"client_id\":\"test-client\"," +
            "\"scope\":\"read write\",\"exp\":" + exp + (extraClaims == null ? "" : "," + extraClaims) + "}";
        return Post("mint", "{\"claims\":" + claims + (how == null ? "" : "," + how) + "}");
    }

    private static Verifier NewVerifier(string extra = null)
    {
        return Verifier.FromJson("{\"issuer\":\"" + _issuer + "\",\"audience\":[\"" + Api + "\"]" + (extra ?? "") + "}");
    }

    /// <summary>The exception verifying <paramref name="token"/> throws, or null.</summary>
    private static M2MAuthException Refusal(Verifier verifier, string token, params string[] scopes)
    {
        try
        {
            verifier.Verify(token, scopes);
            return null;
        }
        catch (M2MAuthException e)
        {
            return e;
        }
    }

    private static void VerifierChecks()
    {
        Post("reset", null);
        using (var verifier = new Verifier(new VerifierOptions { Issuer = _issuer, Audience = new[] { Api } }))
        {
            var claims = verifier.Verify(Mint(), "read");
            Check(claims.Subject == "svc" && claims.Issuer == _issuer && claims.ClientId == "test-client", "claims: " + claims);
            Check(claims.Audience.SequenceEqual(new[] { Api }) && claims.HasScope("write") && !claims.HasScope("admin"), "audience and scopes");
            Check(claims.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(4), "exp: " + claims.ExpiresAt);
            Check((string)claims["sub"] == "svc" && claims.ContainsKey("exp"), "the raw claims");

            var scope = Refusal(verifier, Mint(), "read", "admin", "delete");
            Check(scope is InsufficientScopeException && scope.Detail == "admin delete" && scope.Family == "invalid_token",
                "missing scopes: " + scope);
            var cases = new Dictionary<string, Type>
            {
                { Mint(null, "\"forged\":true"), typeof(TokenUnknownKeyException) },
                { Mint(null, "\"forged\":true,\"kid\":null"), typeof(TokenSignatureException) },
                { Mint("\"exp\":1600000000"), typeof(TokenExpiredException) },
                { Mint("\"iss\":\"https://evil.example\""), typeof(TokenIssuerException) },
                { Mint("\"aud\":\"https://other.api\""), typeof(TokenAudienceException) },
                { Mint(null, "\"alg_header\":\"none\",\"unsigned\":true"), typeof(TokenAlgorithmException) },
                { "abc.def", typeof(TokenMalformedException) },
            };
            foreach (var c in cases)
            {
                var e = Refusal(verifier, c.Key);
                Check(e != null && e.GetType() == c.Value && e is InvalidTokenException, c.Value.Name + ": got " + e);
                Check(e == null || !e.Message.Contains(c.Key), "the message does not echo the token");
            }
        }
    }

    private static void VerifyAsync()
    {
        Post("reset", null);
        using (var verifier = NewVerifier())
        {
            var token = Mint();
            var tasks = Enumerable.Range(0, 50).Select(_ => verifier.VerifyAsync(token, new[] { "read" })).ToArray();
            Task.WaitAll(tasks);
            Check(tasks.All(t => t.Result.Subject == "svc"), "50 concurrent verifications");
            Check(Stat("jwks_requests") == 1, "one JWKS fetch for all: " + Stat("jwks_requests"));
            try
            {
                verifier.VerifyAsync(token, new[] { "admin" }).Wait();
                Check(false, "a missing scope must throw");
            }
            catch (AggregateException e)
            {
                Check(e.InnerException is InsufficientScopeException, "InsufficientScopeException: " + e.InnerException);
            }
            Post("jwks", "{\"delay_ms\":3000}");
            try
            {
                using (var fresh = NewVerifier())
                using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
                {
                    fresh.VerifyAsync(token, null, cancel.Token).Wait();
                    Check(false, "must be cancelled");
                }
            }
            catch (AggregateException e)
            {
                Check(e.InnerException is TaskCanceledException, "cancelled: " + e.InnerException);
            }
            finally
            {
                Post("jwks", "{}");
            }
        }
    }

    private static void VerifierConfiguration()
    {
        try
        {
            new Verifier(new VerifierOptions { Issuer = "https://idp.example" }).Dispose();
            Check(false, "no audience must throw");
        }
        catch (ConfigurationException e)
        {
            Check(e.Field == "audience", "names audience: " + e.Field);
        }
        try
        {
            Verifier.FromJson("{\"issuer\":\"https://idp.example\",\"audience\":\"api\",\"algorithms\":[\"none\"]}").Dispose();
            Check(false, "alg none must throw");
        }
        catch (ConfigurationException e)
        {
            Check(e.Field == "algorithms", "names algorithms: " + e.Field);
        }
        var verifier = NewVerifier();
        verifier.Dispose();
        try
        {
            verifier.Verify("x");
            Check(false, "a disposed verifier must throw");
        }
        catch (ObjectDisposedException)
        {
            Check(true, "ObjectDisposedException");
        }
    }

    private static void IntrospectAndRevoke()
    {
        Post("reset", null);
        Post("tokens", "{\"format\":\"opaque\"}");
        try
        {
            var options = Options();
            options.Audience = Api;
            options.RevocationUrl = _issuer + "/oauth2/revoke";
            using (var source = new TokenSource(options))
            {
                var token = source.GetToken();
                var introspecting = ",\"client_id\":\"test-client\",\"client_secret\":\"test-secret\"";
                using (var verifier = NewVerifier(introspecting))
                {
                    Check(true.Equals(verifier.Introspect(token.Value)["active"]), "active");
                    Check(verifier.Verify(token.Value).ClientId == "test-client", "an active opaque token verifies");
                }
                source.RevokeAsync(token).Wait();
                using (var fresh = NewVerifier(introspecting))
                {
                    Check(false.Equals(fresh.IntrospectAsync(token.Value).Result["active"]), "inactive once revoked");
                    Check(Refusal(fresh, token.Value) is TokenInactiveException, "a revoked token is refused");
                }
                Check(source.GetToken().Value != token.Value, "the revoked token left the cache");
            }
        }
        finally
        {
            Post("tokens", "{\"format\":\"jwt\"}");
        }
    }

    private static void JsonReading()
    {
        var read = JsonReader.ReadObject("{\"a\":[1,2.5,-3e2],\"b\":{\"c\":\"\\u00e9\\n\"},\"t\":true,\"n\":null}");
        var list = (List<object>)read["a"];
        Check(list.Count == 3 && (double)list[1] == 2.5 && (double)list[2] == -300, "numbers");
        Check((string)((Dictionary<string, object>)read["b"])["c"] == "\u00e9\n" && (bool)read["t"] && read["n"] == null, "escapes, true, null");
        var deep = "{\"x\":" + new string('[', 100) + new string(']', 100) + "}";
        foreach (var bad in new[] { "", "[1]", "{\"a\":}", "{\"a\":1} x", "{\"a\":\"unterminated}", "{\"a\":tru}", deep })
        {
            try
            {
                JsonReader.ReadObject(bad);
                Check(false, "must refuse " + bad);
            }
            catch (FormatException)
            {
                Check(true, "refused");
            }
        }
    }
}
