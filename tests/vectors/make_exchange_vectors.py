#!/usr/bin/env python3
"""Writes tests/vectors/exchange/*.json.

The expected request bytes are computed here, independently of the Rust
code, from the rules themselves:
- application/x-www-form-urlencoded as the WHATWG URL standard serializes it
  (bytes A-Z a-z 0-9 * - . _ kept, space -> '+', everything else %XX), which
  RFC 6749 Appendix B refers to;
- HTTP Basic client authentication per RFC 6749 section 2.3.1 (id and secret
  form-encoded, then joined by ':' and base64-encoded).
Run it after changing a vector here; commit the JSON it writes.
"""
import base64
import json
import pathlib

OUT = pathlib.Path(__file__).parent / "exchange"
KEEP = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._")


def form(text):
    out = []
    for byte in text.encode("utf-8"):
        if byte in KEEP:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append("%%%02X" % byte)
    return "".join(out)


def form_body(pairs):
    return "&".join(form(k) + "=" + form(v) for k, v in pairs)


def basic(client_id, secret):
    raw = form(client_id) + ":" + form(secret)
    return "Basic " + base64.b64encode(raw.encode("ascii")).decode("ascii")


TOKEN_URL = "{issuer}/oauth2/token"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
GRANT = [("grant_type", "client_credentials")]
OK_BODY = '{"access_token":"tok-1","token_type":"Bearer","expires_in":3600}'
OK_TOKEN = {"access_token": "tok-1", "token_type": "Bearer", "expires_in": 3600, "scopes": []}

vectors = {}


def config(**extra):
    base = {"token_url": TOKEN_URL, "client_id": "svc", "client_secret": "pw"}
    base.update(extra)
    return base


def basic_request(body, client_id="svc", secret="pw", content_type=FORM):
    return {
        "method": "POST",
        "path": "/oauth2/token",
        "headers": {"authorization": basic(client_id, secret), "content-type": content_type, "accept": JSON},
        "body": body,
    }


def post_request(body, content_type=FORM):
    return {
        "method": "POST",
        "path": "/oauth2/token",
        "headers": {"content-type": content_type, "accept": JSON},
        "absent_headers": ["authorization"],
        "body": body,
    }


def ok(status=200, body=OK_BODY, content_type=JSON, headers=None):
    h = {"content-type": content_type}
    h.update(headers or {})
    return {"status": status, "headers": h, "body": body}


def add(name, description, cfg, request, response, expect):
    v = {"description": description, "config": cfg}
    if request is not None:
        v["request"] = request
    if response is not None:
        v["response"] = response
    v["expect"] = expect
    vectors[name] = v


def token(**fields):
    t = dict(OK_TOKEN)
    t.update(fields)
    return {"token": t}


def error(code, **details):
    e = {"code": code}
    e.update(details)
    return {"error": e}


# --- client authentication and encodings -----------------------------------
add("auth-basic-simple", "client_secret_basic is the default: HTTP Basic over the form-encoded id and secret.",
    config(), basic_request(form_body(GRANT)), ok(), token())
add("auth-basic-colon-in-client-id", "A ':' in the client id is form-encoded (%3A) before base64, so the id/secret split stays unambiguous (RFC 6749 2.3.1).",
    config(client_id="urn:svc:billing"), basic_request(form_body(GRANT), client_id="urn:svc:billing"), ok(), token())
add("auth-basic-percent-and-plus-in-secret", "'%' and '+' in the secret are form-encoded (%25, %2B) before base64.",
    config(client_secret="p%w+1"), basic_request(form_body(GRANT), secret="p%w+1"), ok(), token())
add("auth-basic-non-ascii", "Non-ASCII ids and secrets are UTF-8, then form-encoded, then base64.",
    config(client_id="çlient", client_secret="pässwörd€"), basic_request(form_body(GRANT), client_id="çlient", secret="pässwörd€"), ok(), token())
add("auth-basic-space-and-reserved", "A space becomes '+', and & = / ? are percent-encoded.",
    config(client_secret="a b&c=d/?"), basic_request(form_body(GRANT), secret="a b&c=d/?"), ok(), token())
add("auth-basic-tilde-is-encoded", "The form serializer keeps only A-Z a-z 0-9 * - . _; '~' becomes %7E.",
    config(client_secret="A-z_0.9*~"), basic_request(form_body(GRANT), secret="A-z_0.9*~"), ok(), token())
add("auth-post", "client_secret_post puts client_id and client_secret in the body and sends no Authorization header.",
    config(auth_method="client_secret_post"),
    post_request(form_body(GRANT + [("client_id", "svc"), ("client_secret", "pw")])), ok(), token())
add("auth-post-escaping", "client_secret_post form-encodes the secret in the body.",
    config(auth_method="client_secret_post", client_secret="a&b=c+d %"),
    post_request(form_body(GRANT + [("client_id", "svc"), ("client_secret", "a&b=c+d %")])), ok(), token())

# --- scopes, audience, resource, extra parameters ---------------------------
add("scope-single", "One scope.", config(scopes=["read"]),
    basic_request(form_body(GRANT + [("scope", "read")])), ok(body='{"access_token":"tok-1","token_type":"Bearer","expires_in":3600,"scope":"read"}'),
    token(scopes=["read"]))
add("scope-several-space-joined", "Several scopes are joined by one space (sent as '+').", config(scopes=["read", "write"]),
    basic_request(form_body(GRANT + [("scope", "read write")])), ok(), token(scopes=["read", "write"]))
add("scope-string-is-split", "A scopes string is split on white space.", config(scopes="read  write admin"),
    basic_request(form_body(GRANT + [("scope", "read write admin")])), ok(), token(scopes=["read", "write", "admin"]))
add("scope-duplicates-dropped", "Repeated scopes are sent once, in first-seen order.", config(scopes=["b", "a", "b"]),
    basic_request(form_body(GRANT + [("scope", "b a")])), ok(), token(scopes=["b", "a"]))
add("scope-url-like", "URL-like scopes (Entra's .default) are form-encoded.", config(scopes=["https://graph.example.com/.default"]),
    basic_request(form_body(GRANT + [("scope", "https://graph.example.com/.default")])), ok(),
    token(scopes=["https://graph.example.com/.default"]))
add("audience", "audience (Auth0, SSOJet) is sent as its own parameter.", config(audience="https://api.example.com"),
    basic_request(form_body(GRANT + [("audience", "https://api.example.com")])), ok(), token())
add("resource-single", "One RFC 8707 resource.", config(resource="https://api.example.com/"),
    basic_request(form_body(GRANT + [("resource", "https://api.example.com/")])), ok(), token())
add("resource-repeated", "Several RFC 8707 resources repeat the parameter.", config(resource=["https://a.example/", "https://b.example/"]),
    basic_request(form_body(GRANT + [("resource", "https://a.example/"), ("resource", "https://b.example/")])), ok(), token())
add("extra-params-sorted", "Extra parameters follow, sorted by name.", config(extra_params={"tenant": "t1", "organization": "org 1"}),
    basic_request(form_body(GRANT + [("organization", "org 1"), ("tenant", "t1")])), ok(), token())
add("all-parameters-in-order", "grant_type, client credentials, scope, audience, resource, then extras.",
    config(auth_method="client_secret_post", scopes=["read"], audience="aud", resource=["https://r.example/"], extra_params={"x": "1"}),
    post_request(form_body(GRANT + [("client_id", "svc"), ("client_secret", "pw"), ("scope", "read"), ("audience", "aud"),
                                    ("resource", "https://r.example/"), ("x", "1")])), ok(), token(scopes=["read"]))

# --- JSON bodies -------------------------------------------------------------
add("json-body-basic", "body_format json with client_secret_basic: a JSON object, credentials in the header.",
    config(body_format="json"), basic_request('{"grant_type":"client_credentials"}', content_type=JSON), ok(), token())
add("json-body-post-scope-array", "body_format json sends scope as an array (SuperTokens) and credentials in the object.",
    config(body_format="json", auth_method="client_secret_post", scopes=["a", "b"]),
    post_request('{"grant_type":"client_credentials","client_id":"svc","client_secret":"pw","scope":["a","b"]}', content_type=JSON),
    ok(), token(scopes=["a", "b"]))
add("json-body-escaping", "JSON strings escape quotes, backslashes and control characters; other characters are sent as UTF-8.",
    config(body_format="json", auth_method="client_secret_post", client_secret='q"b\\s\tü'),
    post_request('{"grant_type":"client_credentials","client_id":"svc","client_secret":"q\\"b\\\\s\\tü"}', content_type=JSON),
    ok(), token())
add("json-body-audience-and-resources", "In JSON, one resource is a string, several are an array.",
    config(body_format="json", audience="aud", resource=["https://a.example/", "https://b.example/"]),
    basic_request('{"grant_type":"client_credentials","audience":"aud","resource":["https://a.example/","https://b.example/"]}', content_type=JSON),
    ok(), token())

# --- tolerant parsing --------------------------------------------------------
add("token-type-missing-means-bearer", "A missing token_type is Bearer.", config(), basic_request(form_body(GRANT)),
    ok(body='{"access_token":"tok-1","expires_in":3600}'), token())
add("token-type-any-case", "token_type is compared case-insensitively and reported as Bearer.", config(), basic_request(form_body(GRANT)),
    ok(body='{"access_token":"tok-1","token_type":"bearer","expires_in":3600}'), token())
add("expires-in-as-string", "expires_in as a numeric string is accepted.", config(), basic_request(form_body(GRANT)),
    ok(body='{"access_token":"tok-1","token_type":"Bearer","expires_in":"1800"}'), token(expires_in=1800))
add("expires-in-as-float", "A fractional expires_in is accepted.", config(), basic_request(form_body(GRANT)),
    ok(body='{"access_token":"tok-1","token_type":"Bearer","expires_in":599.5}'), token(expires_in=600))
add("expires-in-missing-uses-default", "Without expires_in (and no JWT claims) the default lifetime, 300 s, applies.", config(),
    basic_request(form_body(GRANT)), ok(body='{"access_token":"tok-1","token_type":"Bearer"}'), token(expires_in=300))
add("expires-in-missing-uses-configured-default", "default_lifetime sets the lifetime assumed without expires_in.", config(default_lifetime=120),
    basic_request(form_body(GRANT)), ok(body='{"access_token":"tok-1","token_type":"Bearer"}'), token(expires_in=120))
def unsigned_jwt(claims):
    return ".".join([
        base64.urlsafe_b64encode(b'{"alg":"EdDSA","typ":"at+jwt"}').decode().rstrip("="),
        base64.urlsafe_b64encode(claims).decode().rstrip("="),
        "c2ln",
    ])


# Issued in 2100: exp - now is decades, exp - iat is 15 minutes, whenever the vector runs.
jwt = unsigned_jwt(b'{"sub":"svc","iat":4102444800,"exp":4102445700}')
add("expires-in-missing-reads-jwt-claims", "Without expires_in, a JWT access token lives until its exp, and never longer than exp - iat.", config(),
    basic_request(form_body(GRANT)), ok(body=json.dumps({"access_token": jwt, "token_type": "Bearer"}, separators=(",", ":"))),
    token(access_token=jwt, expires_in=900))
expired_jwt = unsigned_jwt(b'{"sub":"svc","iat":1700000000,"exp":1700000900}')
add("expires-in-missing-jwt-already-expired", "Without expires_in, a JWT whose exp has passed is an unusable answer, never a cached token.", config(),
    basic_request(form_body(GRANT)), ok(body=json.dumps({"access_token": expired_jwt, "token_type": "Bearer"}, separators=(",", ":"))),
    error("malformed_response", status=200))
add("scope-granted-narrower", "The scope the IdP grants wins over the one requested.", config(scopes=["read", "write"]),
    basic_request(form_body(GRANT + [("scope", "read write")])),
    ok(body='{"access_token":"tok-1","token_type":"Bearer","expires_in":3600,"scope":"read"}'), token(scopes=["read"]))
add("scope-granted-as-array", "A granted scope array is accepted.", config(),
    basic_request(form_body(GRANT)), ok(body='{"access_token":"tok-1","token_type":"Bearer","expires_in":3600,"scope":["x","y"]}'),
    token(scopes=["x", "y"]))
add("unknown-fields-ignored", "Unknown fields in the answer are kept, not errors.", config(), basic_request(form_body(GRANT)),
    ok(body='{"access_token":"tok-1","token_type":"Bearer","expires_in":3600,"ext_expires_in":3600,"refresh_in":1800,"vendor":{"x":1}}'),
    token())
add("byte-order-mark-before-json", "A UTF-8 byte order mark before the JSON is skipped.", config(), basic_request(form_body(GRANT)),
    ok(body="\ufeff" + OK_BODY), token())
add("token-type-padded-with-spaces", "Spaces around token_type are not part of it.", config(), basic_request(form_body(GRANT)),
    ok(body='{"access_token":"tok-1","token_type":"Bearer ","expires_in":3600}'), token())
add("scope-unusable-is-ignored", "A scope that is neither a string nor a list of strings counts as absent.", config(),
    basic_request(form_body(GRANT)), ok(body='{"access_token":"tok-1","token_type":"Bearer","expires_in":3600,"scope":5}'),
    token())
add("expires-in-zero-is-delivered", "A lifetime of 0 goes to the caller who asked; the cache never keeps it.", config(),
    basic_request(form_body(GRANT)), ok(body='{"access_token":"tok-1","token_type":"Bearer","expires_in":0}'),
    token(expires_in=0))
add("form-encoded-answer", "A legacy IdP that answers form-encoded (saying so in Content-Type) is read like JSON.", config(),
    basic_request(form_body(GRANT)), ok(body="access_token=tok-1&token_type=bearer&expires_in=3600", content_type=FORM),
    token())
add("json-with-wrong-content-type", "A JSON body is parsed whatever the Content-Type says.", config(), basic_request(form_body(GRANT)),
    ok(content_type="text/plain"), token())

# --- errors (RFC 6749 5.2 and HTTP) -----------------------------------------
def oauth(status, err, desc=None, headers=None):
    body = {"error": err}
    if desc is not None:
        body["error_description"] = desc
    return ok(status=status, body=json.dumps(body, separators=(",", ":")), headers=headers)


add("error-invalid-client", "401 invalid_client with the IdP's description.", config(), basic_request(form_body(GRANT)),
    oauth(401, "invalid_client", "Client authentication failed", {"www-authenticate": 'Basic realm="idp"'}),
    error("invalid_client", status=401, oauth_error="invalid_client", description="Client authentication failed"))
add("error-401-without-body", "A bare 401 means invalid_client.", config(), basic_request(form_body(GRANT)),
    {"status": 401, "headers": {"www-authenticate": "Basic"}, "body": ""}, error("invalid_client", status=401))
add("error-in-a-200", "Some IdPs send errors with status 200; the body is believed.", config(), basic_request(form_body(GRANT)),
    oauth(200, "invalid_client", "bad secret"), error("invalid_client", status=200, description="bad secret"))
add("error-invalid-scope", "400 invalid_scope.", config(scopes=["admin"]), basic_request(form_body(GRANT + [("scope", "admin")])),
    oauth(400, "invalid_scope", "admin is not allowed"), error("invalid_scope", status=400, description="admin is not allowed"))
add("error-unauthorized-client", "400 unauthorized_client.", config(), basic_request(form_body(GRANT)),
    oauth(400, "unauthorized_client"), error("unauthorized_client", status=400, oauth_error="unauthorized_client"))
add("error-invalid-grant", "400 invalid_grant.", config(), basic_request(form_body(GRANT)),
    oauth(400, "invalid_grant"), error("invalid_grant", status=400))
add("error-access-denied", "403 access_denied.", config(), basic_request(form_body(GRANT)),
    oauth(403, "access_denied", "not for you"), error("access_denied", status=403, description="not for you"))
add("error-invalid-request", "400 invalid_request.", config(), basic_request(form_body(GRANT)),
    oauth(400, "invalid_request"), error("invalid_request", status=400))
add("error-unsupported-grant-type", "400 unsupported_grant_type.", config(), basic_request(form_body(GRANT)),
    oauth(400, "unsupported_grant_type"), error("unsupported_grant_type", status=400))
add("error-other-oauth-code", "Any other error code keeps its text under oauth_error.", config(), basic_request(form_body(GRANT)),
    oauth(400, "slow_down"), error("oauth_error", status=400, oauth_error="slow_down"))
add("error-description-cleaned", "The description loses control characters and the client secret.", config(client_secret="sup3r-s3cret"),
    basic_request(form_body(GRANT), secret="sup3r-s3cret"),
    oauth(401, "invalid_client", "secret sup3r-s3cret\r\nis\u001b wrong"),
    error("invalid_client", status=401, description="secret [redacted] is wrong"))
add("error-rate-limited", "429 with Retry-After in seconds.", config(retries=0), basic_request(form_body(GRANT)),
    ok(status=429, body='{"error":"too_many_requests"}', headers={"retry-after": "30"}),
    error("rate_limited", status=429, retry_after=30))
add("error-server-error-json", "503 with an OAuth body is a server error carrying the IdP's words.", config(retries=0), basic_request(form_body(GRANT)),
    oauth(503, "temporarily_unavailable", "maintenance", {"retry-after": "120"}),
    error("server_error", status=503, oauth_error="temporarily_unavailable", description="maintenance", retry_after=120))
add("error-temporarily-unavailable-with-400", "temporarily_unavailable is an outage whatever the status.", config(retries=0),
    basic_request(form_body(GRANT)), oauth(400, "temporarily_unavailable", "try later"),
    error("server_error", status=400, oauth_error="temporarily_unavailable", description="try later"))
add("error-server-error-html", "500 with an HTML page.", config(retries=0), basic_request(form_body(GRANT)),
    ok(status=500, body="<html><body>Internal Server Error</body></html>", content_type="text/html"), error("server_error", status=500))
add("error-http-status-404", "A 404 HTML page is not a token answer.", config(), basic_request(form_body(GRANT)),
    ok(status=404, body="<html>Not Found</html>", content_type="text/html"), error("http_status", status=404))
add("error-redirect-not-followed", "A redirect is an error; it is never followed.", config(), basic_request(form_body(GRANT)),
    {"status": 302, "headers": {"location": "https://elsewhere.example/token"}, "body": ""}, error("redirect", status=302))

# --- malformed answers -------------------------------------------------------
def malformed(name, description, body, content_type=JSON):
    add(name, description, config(), basic_request(form_body(GRANT)), ok(body=body, content_type=content_type),
        error("malformed_response", status=200))


malformed("malformed-html-login-page", "A 200 HTML page (a captive portal, a login form).", "<html><form>sign in</form></html>", "text/html")
malformed("malformed-empty-body", "A 200 with an empty body.", "")
malformed("malformed-not-an-object", "A JSON array is not a token answer.", '["tok-1"]')
malformed("malformed-missing-access-token", "access_token is required.", '{"token_type":"Bearer","expires_in":3600}')
malformed("malformed-empty-access-token", "An empty access_token is refused.", '{"access_token":"","expires_in":3600}')
malformed("malformed-access-token-not-a-string", "access_token must be a string.", '{"access_token":12345,"expires_in":3600}')
malformed("malformed-negative-expires-in", "A negative lifetime is refused.", '{"access_token":"tok-1","expires_in":-5}')
malformed("malformed-absurd-expires-in", "A lifetime over ten years is refused.", '{"access_token":"tok-1","expires_in":1e12}')
malformed("malformed-expires-in-not-a-number", "expires_in must be a number.", '{"access_token":"tok-1","expires_in":"soon"}')
malformed("malformed-header-injection", "A token that cannot go in an HTTP header is refused.", '{"access_token":"tok\\r\\nX-Evil: 1","expires_in":3600}')

# --- transport ---------------------------------------------------------------
add("timeout-hanging-idp", "An IdP that never answers gives a timeout after the configured deadline.", config(timeout=0.3),
    basic_request(form_body(GRANT)), {"hang": True}, error("timeout"))
add("transport-connection-closed", "A connection closed without an answer is a transport error.", config(retries=0),
    basic_request(form_body(GRANT)), {"close": True}, error("transport"))

# --- configuration errors: no request at all --------------------------------
def config_error(name, description, cfg, field):
    add(name, description, cfg, None, None, error("config", field=field))


config_error("config-missing-client-id", "client_id is required.", {"token_url": TOKEN_URL, "client_secret": "pw"}, "client_id")
config_error("config-missing-secret", "A secret is required.", {"token_url": TOKEN_URL, "client_id": "svc"}, "client_secret")
config_error("config-missing-endpoint", "token_url (or issuer) is required.", {"client_id": "svc", "client_secret": "pw"}, "token_url")
config_error("config-http-to-remote-host", "http:// is refused for hosts other than loopback.",
             {"token_url": "http://idp.example.com/oauth2/token", "client_id": "svc", "client_secret": "pw"}, "token_url")
config_error("config-unknown-option", "Unknown options are refused by name.", config(client_sekret="x"), "client_sekret")
config_error("config-bad-auth-method", "auth_method must be a known method.", config(auth_method="magic"), "auth_method")
config_error("config-reserved-extra-param", "extra_params cannot override grant_type.", config(extra_params={"grant_type": "password"}), "extra_params")
config_error("config-bad-scope-character", "A scope may not contain a double quote (RFC 6749 3.3).", config(scopes=['a"b']), "scopes")
config_error("config-token-url-and-issuer", "token_url and issuer exclude each other.", config(issuer="{issuer}"), "issuer")
config_error("config-resource-not-absolute", "A resource must be an absolute URI (RFC 8707).", config(resource=["api"]), "resource")
config_error("config-zero-timeout", "timeout must be positive.", config(timeout=0), "timeout")

# --- key-based client authentication and DPoP -------------------------------
# The assertions and proofs change on every run (jti, iat, signatures): the
# vector names their fixed header members and claims, their lifetime, and
# the key that must verify them (the testkit decodes and checks them).
KEYS = pathlib.Path(__file__).parent / "keys"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}
THUMBPRINTS = json.loads((KEYS / "thumbprints.json").read_text())


def key_text(name):
    return (KEYS / name).read_text()


def public_jwk(name):
    return {k: v for k, v in json.loads(key_text(name)).items() if k not in PRIVATE_MEMBERS and k != "kid"}


def assertion_request(jwt_spec, client_id="svc"):
    return {
        "method": "POST",
        "path": "/oauth2/token",
        "headers": {"content-type": FORM, "accept": JSON},
        "absent_headers": ["authorization"],
        "form": [
            ["grant_type", "client_credentials"],
            ["client_id", client_id],
            ["client_assertion_type", JWT_BEARER],
            ["client_assertion", {"jwt": jwt_spec}],
        ],
    }


def assertion(alg, kid=None, aud=TOKEN_URL, **key):
    header = {"alg": alg, "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    return {"header": header, "claims": {"iss": "svc", "sub": "svc", "aud": aud}, "lifetime": 60, **key}


def key_config(key_file, **extra):
    return {"token_url": TOKEN_URL, "client_id": "svc", "auth_method": "private_key_jwt",
            "private_key": key_text(key_file), **extra}


add("auth-private-key-jwt-es256-jwk", "private_key_jwt with a P-256 JWK: ES256, the JWK's kid, iss = sub = client_id, aud = the token endpoint, a 60 s assertion (RFC 7523).",
    key_config("ec-p256.jwk.json"),
    assertion_request(assertion("ES256", "client-key-1", key=public_jwk("ec-p256.jwk.json"))), ok(), token())
add("auth-private-key-jwt-rs256-pkcs1", "private_key_jwt with a PKCS#1 RSA PEM: RS256 and the key's RFC 7638 thumbprint as kid.",
    key_config("rsa-2048-pkcs1.pem"),
    assertion_request(assertion("RS256", THUMBPRINTS["rsa-2048"], key=public_jwk("rsa-2048.jwk.json"))), ok(), token())
add("auth-private-key-jwt-ps256-key-id", "signing_alg PS256 and key_id name the algorithm and kid.",
    key_config("rsa-2048.pem", signing_alg="PS256", key_id="my-key-2026"),
    assertion_request(assertion("PS256", "my-key-2026", key=public_jwk("rsa-2048.jwk.json"))), ok(), token())
add("auth-private-key-jwt-es384-sec1", "A SEC1 P-384 PEM signs ES384.",
    key_config("ec-p384-sec1.pem"),
    assertion_request(assertion("ES384", THUMBPRINTS["ec-p384"], key=public_jwk("ec-p384.jwk.json"))), ok(), token())
add("auth-private-key-jwt-eddsa-audience-url", "An Ed25519 key signs EdDSA; assertion_audience sets aud to a URL of the IdP's choosing.",
    key_config("ed25519.pem", assertion_audience="https://idp.example.com/"),
    assertion_request(assertion("EdDSA", THUMBPRINTS["ed25519"], aud="https://idp.example.com/", key=public_jwk("ed25519.jwk.json"))),
    ok(), token())
add("auth-client-secret-jwt", "client_secret_jwt signs the assertion with the client secret (HS256, no kid); the secret itself is never sent.",
    config(auth_method="client_secret_jwt", client_secret="a-shared-secret-of-at-least-32-bytes!"),
    assertion_request(assertion("HS256", secret="a-shared-secret-of-at-least-32-bytes!")), ok(), token())
add("auth-private-key-jwt-refused", "A refused assertion is invalid_client with the IdP's words, and nothing of the key.",
    key_config("ec-p256.jwk.json"),
    assertion_request(assertion("ES256", "client-key-1", key=public_jwk("ec-p256.jwk.json"))),
    ok(status=401, body='{"error":"invalid_client","error_description":"client authentication failed"}'),
    error("invalid_client", status=401, oauth_error="invalid_client", description="client authentication failed"))

DPOP_OK = '{"access_token":"tok-1","token_type":"DPoP","expires_in":3600}'
dpop_request = basic_request(form_body(GRANT))
dpop_request["dpop"] = {"header": {"typ": "dpop+jwt", "alg": "ES256"}, "claims": {"htm": "POST", "htu": TOKEN_URL}, "embedded_key": True}
add("dpop-token-request", "With dpop, the token request carries a DPoP proof (typ dpop+jwt, ES256 with a generated P-256 key in its jwk header, htm, htu, iat, jti) and the token type is DPoP (RFC 9449).",
    config(dpop=True), dpop_request, ok(body=DPOP_OK), token(token_type="DPoP"))
add("dpop-token-type-is-case-insensitive", "token_type dpop is read as DPoP.",
    config(dpop=True), dpop_request, ok(body=DPOP_OK.replace('"DPoP"', '"dpop"')), token(token_type="DPoP"))

config_error("config-private-key-jwt-without-key", "private_key_jwt needs private_key (or private_key_file).",
             {"token_url": TOKEN_URL, "client_id": "svc", "auth_method": "private_key_jwt"}, "private_key")
config_error("config-private-key-rsa-too-small", "RSA keys under 2048 bits are refused when the configuration is built.",
             key_config("rsa-1024.pem"), "private_key")
config_error("config-private-key-is-a-certificate", "A certificate is not a private key.",
             key_config("certificate.pem"), "private_key")
config_error("config-private-key-encrypted", "An encrypted PEM is refused with a hint to decrypt it.",
             key_config("encrypted.pem"), "private_key")
config_error("config-signing-alg-does-not-fit-the-key", "An EC key cannot sign RS256.",
             key_config("ec-p256.pem", signing_alg="RS256"), "signing_alg")
config_error("config-private-key-without-private-key-jwt", "A private key with a secret-based auth_method is a mistake, named.",
             config(private_key=key_text("ec-p256.pem")), "private_key")
config_error("config-tls-client-auth-without-certificate", "tls_client_auth needs client_cert_file and client_key_file.",
             {"token_url": TOKEN_URL, "client_id": "svc", "auth_method": "tls_client_auth"}, "client_cert_file")

OUT.mkdir(exist_ok=True)
for old in OUT.glob("*.json"):
    old.unlink()
for name, vector in sorted(vectors.items()):
    (OUT / f"{name}.json").write_text(json.dumps(vector, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
print(f"{len(vectors)} vectors written to {OUT}")
