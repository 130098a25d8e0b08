using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Text.RegularExpressions;
using M2MAuth;

/// <summary>Key-based client authentication, DPoP and mTLS: the test issuer and oidc-provider.</summary>
public static partial class Tests
{
    private static readonly string Keys = Path.Combine("tests", "vectors", "keys");
    private static readonly string OidcProviderDir = Path.Combine("tests", "interop", "oidc-provider");

    private static TokenSourceOptions KeyOptions(string keyFile)
    {
        return new TokenSourceOptions
        {
            TokenUrl = _issuer + "/oauth2/token",
            ClientId = "test-client",
            AuthMethod = "private_key_jwt",
            PrivateKeyFile = Path.Combine(Keys, keyFile),
        };
    }

    private static void PrivateKeyJwt()
    {
        Post("reset", null);
        Check(Post("client_key", "{\"jwk\":" + File.ReadAllText(Path.Combine(Keys, "ed25519.jwk.json")) + "}") == "ok", "key registered");
        Check(Post("client_key", "{\"jwk\":" + File.ReadAllText(Path.Combine(Keys, "ec-p256.jwk.json")) + "}") == "ok", "key registered");
        using (var source = new TokenSource(KeyOptions("ed25519.pem")))
        {
            Check(source.GetToken().TokenType == "Bearer", "an Ed25519 assertion");
        }
        using (var source = new TokenSource(KeyOptions("ec-p256.jwk.json")))
        {
            Check(source.GetTokenAsync().Result.Value.Length > 0, "a P-256 JWK assertion");
        }
        Check(Stat("token_requests") == 2, "two token requests");
    }

    private static void BadKeys()
    {
        var pem = File.ReadAllText(Path.Combine(Keys, "ec-p256.pem"));
        try
        {
            new TokenSource(KeyOptions("rsa-1024.pem")).Dispose();
            Check(false, "a 1024-bit RSA key must be refused");
        }
        catch (ConfigurationException e)
        {
            Check(e.Field == "private_key_file" && e.Message.Contains("2048"), "names the file: " + e.Message);
        }
        try
        {
            var options = KeyOptions("ec-p256.pem");
            options.SigningAlg = "RS256";
            new TokenSource(options).Dispose();
            Check(false, "an algorithm that does not fit must be refused");
        }
        catch (ConfigurationException e)
        {
            Check(e.Field == "signing_alg" && !e.Message.Contains(pem.Substring(30, 40)), "names signing_alg: " + e.Message);
        }
    }

    private static void DPoPHandler()
    {
        Post("reset", null);
        Post("dpop", "{\"require_nonce\":true}");
        try
        {
            var options = Options();
            options.DPoP = true;
            using (var source = new TokenSource(options))
            using (var http = new HttpClient(new M2MAuthHandler(source) { InnerHandler = new HttpClientHandler() }))
            {
                Check(http.GetAsync(_issuer + "/api/whoami").Result.StatusCode == HttpStatusCode.OK, "200 with a proof");
                Post("dpop", "{\"rotate_nonce\":true}");
                var answer = http.PostAsync(_issuer + "/api/whoami", new StringContent("x")).Result;
                Check(answer.StatusCode == HttpStatusCode.OK, "200 after the nonce challenge: " + answer.StatusCode);
                Check(source.GetToken().TokenType == "DPoP", "a DPoP token");
                Check(Stat("token_requests") == 2, "the token endpoint's nonce round trip only: " + Stat("token_requests"));
            }
            using (var plain = new TokenSource(Options()))
            {
                Check(plain.GetDPoPProof("GET", new Uri(_issuer)) == null, "no DPoP, no proof");
            }
        }
        finally
        {
            Post("dpop", "{\"require_nonce\":false}");
        }
    }

    /// <summary>Runs oidc-provider (over HTTPS with <paramref name="tls"/>); returns the process and its JSON line.</summary>
    private static Process StartOidcProvider(bool tls, out string issuer, out string caFile)
    {
        var info = new ProcessStartInfo("node", Path.Combine(OidcProviderDir, "server.mjs"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.EnvironmentVariables["PORT"] = "0";
        info.EnvironmentVariables["TLS"] = tls ? "1" : "0";
        var process = Process.Start(info);
        process.ErrorDataReceived += (sender, e) => { }; // its notices are not the tests' output
        process.BeginErrorReadLine();
        var line = process.StandardOutput.ReadLine() ?? "";
        issuer = Regex.Match(line, "\"issuer\":\"([^\"]+)\"").Groups[1].Value;
        caFile = Regex.Match(line, "\"ca_file\":\"([^\"]+)\"").Groups[1].Value;
        return process;
    }

    private static void InteropKeysDPoPAndMtls()
    {
        Check(Directory.Exists(Path.Combine(OidcProviderDir, "node_modules", "oidc-provider")), "oidc-provider is installed (npm ci --prefix tests/interop/oidc-provider)");
        string issuer, caFile;
        var plain = StartOidcProvider(false, out issuer, out caFile);
        try
        {
            var rsa = new TokenSourceOptions
            {
                Issuer = issuer,
                ClientId = "rsa-key-client",
                AuthMethod = "private_key_jwt",
                PrivateKeyFile = Path.Combine(Keys, "rsa-2048.pem"),
                Resource = new[] { "https://api.example.test" },
            };
            using (var source = new TokenSource(rsa))
            {
                Check(source.GetToken().Value.StartsWith("eyJ", StringComparison.Ordinal), "private_key_jwt at oidc-provider");
            }
            var dpop = new TokenSourceOptions { Issuer = issuer, ClientId = "dpop-client", ClientSecret = "dpop-secret", DPoP = true };
            using (var source = new TokenSource(dpop))
            {
                Check(source.GetToken().TokenType == "DPoP", "DPoP with a required nonce at oidc-provider");
            }
        }
        finally
        {
            plain.Kill();
            plain.WaitForExit();
        }
        var secure = StartOidcProvider(true, out issuer, out caFile);
        try
        {
            var tls = Path.Combine(OidcProviderDir, "tls");
            var mtls = new TokenSourceOptions
            {
                Issuer = issuer,
                ClientId = "mtls-client",
                AuthMethod = "tls_client_auth",
                ClientCertFile = Path.Combine(tls, "mtls-client.pem"),
                ClientKeyFile = Path.Combine(tls, "mtls-client-key.pem"),
                CaFile = caFile,
                Resource = new[] { "https://api.example.test" },
            };
            using (var source = new TokenSource(mtls))
            {
                Check(source.GetToken().Value.Length > 0, "mTLS at oidc-provider");
            }
        }
        finally
        {
            secure.Kill();
            secure.WaitForExit();
        }
    }

    private static void DPoPBoundTokens()
    {
        Post("reset", null);
        var options = Options();
        options.DPoP = true;
        options.Audience = Api;
        using (var source = new TokenSource(options))
        using (var verifier = NewVerifier())
        {
            var token = source.GetToken();
            var uri = new Uri("https://api.example.com/orders");
            var proof = source.GetDPoPProof("GET", uri, token.Value);
            var claims = verifier.VerifyRequestAsync(token.AuthorizationHeader, "GET", uri, proof).Result;
            Check(claims.ContainsKey("cnf"), "the claims of a bound token");
            try
            {
                verifier.VerifyRequest(token.AuthorizationHeader, "GET", uri, proof);
                Check(false, "a replayed proof must be refused");
            }
            catch (InvalidTokenException e)
            {
                Check(e.Code == ErrorCode.DpopProof && e.Message.Contains("replayed"), "replayed: " + e.Message);
            }
            try
            {
                verifier.VerifyRequest("Bearer " + token.Value, "GET", uri);
                Check(false, "a bound token sent as Bearer must be refused");
            }
            catch (InvalidTokenException e)
            {
                Check(e.Code == ErrorCode.DpopProof, "as Bearer: " + e.Message);
            }
        }
    }
}
