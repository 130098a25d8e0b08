using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using M2MAuth;

/// <summary>
/// The .NET binding against the test issuer (`m2mauth issuer`, started here and stopped by PID).
/// Usage: M2MAuth.Tests.exe [M2MAUTH_BIN] [VECTORS_DIR]; prints "N passed, N failed".
/// </summary>
public static partial class Tests
{
    private static readonly HttpClient Admin = new HttpClient();
    private static string _issuer;
    private static int _passed;
    private static int _failed;

    public static int Main(string[] args)
    {
        var bin = args.Length > 0 ? args[0] : "target/debug/m2mauth";
        var vectors = args.Length > 1 ? args[1] : "tests/vectors/exchange";
        var issuer = Process.Start(new ProcessStartInfo(bin, "issuer --json") { RedirectStandardOutput = true, UseShellExecute = false });
        try
        {
            _issuer = Regex.Match(issuer.StandardOutput.ReadLine() ?? "", "\"issuer\":\"([^\"]+)\"").Groups[1].Value;
            Run("conformance vectors", () => Vectors(vectors));
            Run("fetch and cache", FetchAndCache);
            Run("cold callers share one request (tasks)", ColdTasks);
            Run("cold callers share one request (threads)", ColdThreads);
            Run("invalid_client", InvalidClient);
            Run("timeout", Timeout);
            Run("cancellation", Cancellation);
            Run("DelegatingHandler retries once after a 401", HandlerRetries);
            Run("bad configuration", BadConfiguration);
            Run("invalidate", Invalidate);
            Run("every option of the core's table is a property", () => OptionsMatchTheTable(Path.Combine(vectors, "..", "options.json")));
            Run("every code of the core's table maps to its class", () => ErrorsMatchTheTable(Path.Combine(vectors, "..", "error_codes.json")));
            Run("options and tokens print and serialize without secrets", Redaction);
            Run("the verifier accepts good tokens and names what is wrong with bad ones", VerifierChecks);
            Run("the shared verification vectors", () => VerifyVectors(Path.Combine(vectors, "..", "verify")));
            Run("VerifyAsync", VerifyAsync);
            Run("verifier configuration errors name the option", VerifierConfiguration);
            Run("opaque tokens are introspected and revoked", IntrospectAndRevoke);
            Run("the JSON reader", JsonReading);
            Run("private_key_jwt with PEM and JWK keys", PrivateKeyJwt);
            Run("bad keys are configuration errors", BadKeys);
            Run("the handler sends DPoP proofs and answers nonce challenges", DPoPHandler);
            Run("interop: private_key_jwt, DPoP with a nonce, mTLS", InteropKeysDPoPAndMtls);
            Run("a DPoP-bound token is valid only with its proof", DPoPBoundTokens);
            Run("a huge Retry-After saturates instead of throwing", () =>
            {
                Check(ErrorDetails.Milliseconds(long.MaxValue) == TimeSpan.MaxValue, "long.MaxValue ms");
                Check(ErrorDetails.Milliseconds(1500) == TimeSpan.FromMilliseconds(1500), "1500 ms");
            });
        }
        finally
        {
            issuer.Kill();
            issuer.WaitForExit();
        }
        Console.WriteLine("{0} passed, {1} failed", _passed, _failed);
        return _failed == 0 ? 0 : 1;
    }

    private static void Run(string name, Action test)
    {
        try
        {
            test();
        }
        catch (Exception e)
        {
            Check(false, name + " threw " + e);
        }
    }

    private static void Check(bool condition, string what)
    {
        if (condition)
        {
            _passed++;
        }
        else
        {
            _failed++;
            Console.WriteLine("FAIL " + what);
        }
    }

    private static string Post(string path, string body)
    {
        var response = Admin.PostAsync(_issuer + "/_testkit/" + path, new StringContent(body ?? "", Encoding.UTF8)).Result;
        return response.Content.ReadAsStringAsync().Result;
    }

    private static int Stat(string name)
    {
        var json = Admin.GetStringAsync(_issuer + "/_testkit/stats").Result;
        return int.Parse(Regex.Match(json, "\"" + name + "\":(\\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static TokenSourceOptions Options()
    {
        return new TokenSourceOptions { TokenUrl = _issuer + "/oauth2/token", ClientId = "test-client", ClientSecret = "test-secret" };
    }

    /// <summary>The outcome line of the shared vector format (tests/vectors/README.md).</summary>
    private static string Outcome(AccessToken token, M2MAuthException error)
    {
        if (error != null)
        {
            var fields = new List<string> { "error code=" + error.CodeName };
            if (error.HttpStatus > 0) fields.Add("status=" + error.HttpStatus);
            if (error.OAuthError != null) fields.Add("oauth_error=" + error.OAuthError);
            if (error.RetryAfter.HasValue) fields.Add("retry_after=" + (long)error.RetryAfter.Value.TotalSeconds);
            if (error.Field != null) fields.Add("field=" + error.Field);
            if (error.Description != null) fields.Add("description=" + error.Description);
            return string.Join(" ", fields);
        }
        var left = Math.Round((token.ExpiresAt - DateTimeOffset.UtcNow).TotalSeconds);
        return string.Format(CultureInfo.InvariantCulture, "token token_type={0} expires_in={1} scopes={2} access_token={3}",
            token.TokenType, left, string.Join(",", token.Scopes), token.Value);
    }

    private static void Vectors(string dir)
    {
        var files = Directory.GetFiles(dir, "*.json").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        Check(files.Length >= 40, "only " + files.Length + " vectors");
        foreach (var file in files)
        {
            var config = Post("vector", File.ReadAllText(file)).Split('\n')[0];
            string line;
            try
            {
                using (var source = TokenSource.FromJson(config))
                {
                    line = Outcome(source.GetTokenAsync().Result, null);
                }
            }
            catch (Exception e)
            {
                var error = (e is AggregateException ? e.InnerException : e) as M2MAuthException;
                line = error != null ? Outcome(null, error) : "error code=unexpected " + e.GetType().Name;
            }
            var verdict = Post("outcome", line);
            Check(verdict == "ok", Path.GetFileName(file) + ": " + verdict);
        }
        Post("reset", null);
    }

    private static void FetchAndCache()
    {
        Post("reset", null);
        var options = Options();
        options.Scopes = new[] { "read", "write" };
        using (var source = new TokenSource(options))
        {
            var first = source.GetToken();
            var second = source.GetTokenAsync().Result;
            Check(ReferenceEquals(first, second), "the cached token object is reused");
            Check(Stat("token_requests") == 1, "one token request");
            Check(first.TokenType == "Bearer" && first.Scopes.SequenceEqual(new[] { "read", "write" }), "type and scopes");
            Check(first.AuthorizationHeader.StartsWith("Bearer ey", StringComparison.Ordinal), "header");
            Check(!first.ToString().Contains(first.Value), "ToString redacts the token: " + first);
            var left = first.ExpiresAt - DateTimeOffset.UtcNow;
            Check(left > TimeSpan.FromMinutes(59) && left <= TimeSpan.FromHours(1), "expires in an hour: " + left);
            var stats = source.GetStats();
            Check(stats.Fetches == 1 && stats.CacheHits >= 1 && stats.Waits == 1, "stats");
        }
    }

    private static void ColdTasks()
    {
        Post("reset", null);
        Post("latency", "{\"ms\":200}");
        using (var source = new TokenSource(Options()))
        {
            var tasks = Enumerable.Range(0, 200).Select(_ => source.GetTokenAsync()).ToArray();
            Task.WaitAll(tasks);
            Check(tasks.All(t => t.Result.Value == tasks[0].Result.Value), "everyone got the same token");
            Check(Stat("token_requests") == 1, "200 tasks, one request: " + Stat("token_requests"));
        }
        Post("latency", "{\"ms\":0}");
    }

    private static void ColdThreads()
    {
        Post("reset", null);
        Post("latency", "{\"ms\":200}");
        using (var source = new TokenSource(Options()))
        {
            var ok = 0;
            var threads = Enumerable.Range(0, 32).Select(_ => new Thread(() =>
            {
                source.GetToken();
                Interlocked.Increment(ref ok);
            })).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            Check(ok == 32, "32 threads got a token");
            Check(Stat("token_requests") == 1, "32 threads, one request: " + Stat("token_requests"));
        }
        Post("latency", "{\"ms\":0}");
    }

    private static void InvalidClient()
    {
        Post("reset", null);
        var options = Options();
        options.ClientSecret = "wrong-secret";
        using (var source = new TokenSource(options))
        {
            try
            {
                source.GetToken();
                Check(false, "invalid_client must throw");
            }
            catch (InvalidClientException e)
            {
                Check(e.Code == ErrorCode.InvalidClient && e.HttpStatus == 401, "code and status");
                Check(e.Description == "client authentication failed", "description: " + e.Description);
                Check(!e.Message.Contains("wrong-secret"), "no secret in the message");
                Check(e is OAuthRefusedException, "an OAuth refusal");
            }
        }
    }

    private static void Timeout()
    {
        Post("reset", null);
        Post("fault", "{\"hang\":true}");
        var options = Options();
        options.Timeout = TimeSpan.FromMilliseconds(300);
        using (var source = new TokenSource(options))
        {
            try
            {
                source.GetTokenAsync().Wait();
                Check(false, "a hanging IdP must time out");
            }
            catch (AggregateException e)
            {
                Check(e.InnerException is TokenTimeoutException, "TokenTimeoutException: " + e.InnerException);
            }
        }
        Post("reset", null);
    }

    private static void Cancellation()
    {
        Post("reset", null);
        Post("latency", "{\"ms\":300}");
        using (var source = new TokenSource(Options()))
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(30)))
        {
            try
            {
                source.GetTokenAsync(cancel.Token).Wait();
                Check(false, "must be cancelled");
            }
            catch (AggregateException e)
            {
                Check(e.InnerException is TaskCanceledException, "cancelled: " + e.InnerException);
            }
            source.GetTokenAsync().Wait();
            Check(Stat("token_requests") == 1, "the fetch went on for the others: " + Stat("token_requests"));
        }
        Post("latency", "{\"ms\":0}");
    }

    private static void HandlerRetries()
    {
        Post("reset", null);
        using (var source = new TokenSource(Options()))
        using (var http = new HttpClient(new M2MAuthHandler(source) { InnerHandler = new HttpClientHandler() }))
        {
            Check(http.GetAsync(_issuer + "/api/whoami").Result.StatusCode == HttpStatusCode.OK, "200 with the token");
            Post("revoke", null);
            var retried = http.PostAsync(_issuer + "/api/whoami", new StringContent("{\"x\":1}", Encoding.UTF8, "application/json")).Result;
            Check(retried.StatusCode == HttpStatusCode.OK, "200 after one retry: " + retried.StatusCode);
            Check(Stat("token_requests") == 2, "one more token after the 401: " + Stat("token_requests"));
            Check(Stat("api_requests") == 3, "200, 401, retried 200: " + Stat("api_requests"));
        }
    }

    private static void BadConfiguration()
    {
        try
        {
            TokenSource.FromJson("{not json");
            Check(false, "invalid JSON must throw");
        }
        catch (ConfigurationException e)
        {
            Check(e.Field == "config", "names the config: " + e.Field);
        }
        try
        {
            new TokenSource(new TokenSourceOptions { TokenUrl = "http://idp.example.com/t", ClientId = "a", ClientSecret = "b" });
            Check(false, "http to a remote host must throw");
        }
        catch (ConfigurationException e)
        {
            Check(e.Field == "token_url" && e.Message.Contains("https"), "names token_url: " + e.Message);
        }
        try
        {
            TokenSource.FromEnv("M2MAUTH_CS_TEST_UNSET");
            Check(false, "an empty environment must throw");
        }
        catch (ConfigurationException e)
        {
            Check(e.Field == "M2MAUTH_CS_TEST_UNSET_TOKEN_URL", "names the variable: " + e.Field);
        }
        var source = new TokenSource(Options());
        source.Dispose();
        try
        {
            source.GetToken();
            Check(false, "a disposed source must throw");
        }
        catch (ObjectDisposedException)
        {
            Check(true, "disposed");
        }
    }

    private static void Invalidate()
    {
        Post("reset", null);
        using (var source = new TokenSource(Options()))
        {
            var first = source.GetToken();
            Check(source.Invalidate(first), "dropped");
            Check(!source.Invalidate(first), "only once");
            Check(source.GetToken().Value != first.Value, "a new token");
        }
    }

    /// <summary>The objects of a pretty-printed JSON array whose members are indented by
    /// <paramref name="indent"/> spaces, one string each (doc texts may hold braces).</summary>
    private static IEnumerable<string> Objects(string json, int indent)
    {
        var pad = new string(' ', indent);
        return Regex.Matches(json, "(?s)\n" + pad + "\\{\n(.*?)\n" + pad + "\\}").Cast<Match>().Select(m => m.Groups[1].Value);
    }

    private static string Field(string obj, string key)
    {
        var match = Regex.Match(obj, "\"" + key + "\": \"?([^\",\n]*)\"?");
        return match.Success ? match.Groups[1].Value : null;
    }

    private static void OptionsMatchTheTable(string file)
    {
        var types = new Dictionary<string, Type>
        {
            { "string", typeof(string) }, { "secret", typeof(string) }, { "path", typeof(string) }, { "choice", typeof(string) },
            { "words", typeof(IList<string>) }, { "uris", typeof(IList<string>) }, { "seconds", typeof(TimeSpan?) },
            { "count", typeof(int?) }, { "bool", typeof(bool) }, { "params", typeof(IDictionary<string, string>) },
            { "claims", typeof(IDictionary<string, object>) },
        };
        var classes = new Dictionary<string, Type> { { "token_source", typeof(TokenSourceOptions) }, { "verifier", typeof(VerifierOptions) } };
        var counts = new Dictionary<string, int> { { "token_source", 0 }, { "verifier", 0 } };
        foreach (var row in Objects(File.ReadAllText(file), 2))
        {
            var component = Field(row, "component");
            var name = Field(row, "dotnet");
            var property = classes[component].GetProperty(name);
            Check(property != null, classes[component].Name + " has " + name);
            if (property != null)
            {
                Check(property.PropertyType == types[Field(row, "type")], name + " is a " + Field(row, "type") + ": " + property.PropertyType);
            }
            counts[component]++;
        }
        foreach (var pair in classes)
        {
            Check(pair.Value.GetProperties().Length == counts[pair.Key], pair.Value.Name + " has exactly the table's options");
        }
    }

    private static readonly Dictionary<string, Type> FamilyClasses = new Dictionary<string, Type>
    {
        { "config", typeof(ConfigurationException) }, { "refused", typeof(OAuthRefusedException) },
        { "transient", typeof(TransientException) }, { "malformed", typeof(MalformedException) },
        { "invalid_token", typeof(InvalidTokenException) }, { "internal", typeof(InternalException) },
    };

    private static void ErrorsMatchTheTable(string file)
    {
        var rows = Objects(File.ReadAllText(file), 4).ToList();
        Check(rows.Count >= 30, "the table has the codes: " + rows.Count);
        foreach (var row in rows)
        {
            var code = Field(row, "code");
            var family = Field(row, "family");
            var number = uint.Parse(Field(row, "number"), CultureInfo.InvariantCulture);
            var pascal = string.Concat(code.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w.Substring(1)));
            ErrorCode parsed;
            Check(Enum.TryParse(pascal, out parsed) && (uint)parsed == number, "ErrorCode." + pascal + " = " + number);
            var exception = new ErrorDetails { Code = (ErrorCode)number, Name = code, Family = family, Message = code }.ToException();
            var expected = code == "jwks_unavailable" ? typeof(InvalidTokenException) : FamilyClasses[family];
            Check(expected.IsInstanceOfType(exception), code + " is a " + expected.Name + ": " + exception.GetType().Name);
            Check(exception.GetType() != typeof(M2MAuthException), code + " has a class of its own or its family's");
        }
    }

    private static void Redaction()
    {
        var options = Options();
        options.ClientSecret = "canary-secret-value";
        options.ExtraParams = new Dictionary<string, string> { { "api_key", "canary-param-value" } };
        var shown = options.ToString();
        Check(!shown.Contains("canary") && shown.Contains("ClientId = test-client"), "options ToString: " + shown);
        Post("reset", null);
        using (var source = new TokenSource(Options()))
        {
            var token = source.GetToken();
            var stream = new MemoryStream();
            new System.Runtime.Serialization.Formatters.Binary.BinaryFormatter().Serialize(stream, token);
            var bytes = Encoding.UTF8.GetString(stream.ToArray());
            Check(!bytes.Contains(token.Value) && bytes.Contains("[redacted]"), "a serialized token is redacted");
            // What System.Text.Json writes: every public instance property's value.
            var properties = typeof(AccessToken).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
                .Select(p => Convert.ToString(p.GetValue(token), System.Globalization.CultureInfo.InvariantCulture) ?? "").ToList();
            Check(properties.Count >= 3 && properties.All(v => !v.Contains(token.Value)), "no public property holds the token");
        }
    }
}
