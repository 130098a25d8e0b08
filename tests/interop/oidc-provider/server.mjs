// panva/oidc-provider as a client credentials IdP on 127.0.0.1, for interop tests.
//
// env:
//   PORT  listening port (default 0: any free port)
//   TTL   access token lifetime in seconds (default 3600)
//   TLS   "1": serve HTTPS (and RFC 8705 mutual TLS) instead of HTTP on PORT, with the test PKI in
//         ./tls (see tls/README.md); the issuer is then https://127.0.0.1:PORT. Anything else: HTTP.
//   DEBUG_ERRORS  "1": print every token / introspection / revocation error, with its detail, on stderr
// stdout: one JSON line {"issuer": "...", "token_endpoint": "..."}, plus "ca_file" (absolute path of
// tls/ca.pem, the CA of the server certificate) when TLS=1; everything else goes to stderr.
//
// Endpoints (under the issuer): /.well-known/openid-configuration, /token, /token/introspection
// (RFC 7662: any authenticated client may introspect any token), /token/revocation (RFC 7009: a
// client may revoke its own tokens), /jwks. With TLS=1 discovery also has mtls_endpoint_aliases
// (token, introspection and revocation endpoints: the same https URLs).
// GET /__token_requests answers how many POST /token requests arrived (the test's counter).
//
// Resources: https://api.example.test (the default when no resource is requested) gets RFC 9068 JWT
// access tokens (ES256); https://opaque.example.test gets opaque tokens, the only ones introspection
// and revocation accept (oidc-provider refuses JWT access tokens there: 400 unsupported_token_type).
//
// Clients, all client_credentials only, all allowed "api:read api:write" ("api:admin" exists but
// is granted to none; a request without scope gets a token without scope):
//   basic-client       / basic-secret   client_secret_basic
//   post-client        / post-secret    client_secret_post
//   jwt-secret-client  / jwt-secret-client-secret-0123456789abcdef
//                                       client_secret_jwt (HS256 assertions)
//   rsa-key-client     private_key_jwt, RS256 or PS256, key tests/vectors/keys/rsa-2048.jwk.json
//                      (kid: its RFC 7638 thumbprint, from tests/vectors/keys/thumbprints.json)
//   ec-key-client      private_key_jwt, ES256, key tests/vectors/keys/ec-p256.jwk.json (kid "client-key-1")
//   ed-key-client      private_key_jwt, EdDSA (or Ed25519), key tests/vectors/keys/ed25519.jwk.json
//                      (kid: its thumbprint)
//   dpop-client        / dpop-secret    client_secret_basic; dpop_bound_access_tokens: every token
//                                       request needs a DPoP proof, and that proof a server nonce
//                                       (400 use_dpop_nonce + DPoP-Nonce header first)
//   only with TLS=1:
//   mtls-client        tls_client_auth, subject DN "CN=mtls-client": tls/mtls-client.pem +
//                      tls/mtls-client-key.pem (signed by tls/ca.pem); client_id in the form body
//   self-signed-client self_signed_tls_client_auth: tls/self-signed-client.pem +
//                      tls/self-signed-client-key.pem (registered as x5c of its jwks)
//   Both mTLS clients get certificate-bound tokens (cnf["x5t#S256"]).
// The private_key_jwt clients are registered with the public half of the key files only (read at startup).
// Client assertions (client_secret_jwt, private_key_jwt): iss = sub = client_id, aud = the issuer,
// the token endpoint URL or the URL of the endpoint called (or an array holding one of them), exp
// and jti required, a jti is accepted once; alg as listed per client.
// DPoP (RFC 9449) is accepted from every client (ES256, ES384, RS256, PS256, EdDSA, Ed25519 proofs);
// a nonce is required from dpop-client only. DPoP-bound tokens have token_type DPoP and cnf.jkt.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHash, generateKeyPairSync, randomUUID, X509Certificate } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

console.info = console.error; // oidc-provider prints notices on stdout; keep it for the JSON line

const port = Number(process.env.PORT ?? 0);
const ttl = Number(process.env.TTL || 3600);
const tls = process.env.TLS === '1';
const resource = 'https://api.example.test';
const opaqueResource = 'https://opaque.example.test';
const apiScopes = 'api:read api:write';

const tlsDir = new URL('./tls/', import.meta.url);
const keysDir = new URL('../../vectors/keys/', import.meta.url);
const readTls = (name) => readFileSync(new URL(name, tlsDir));
const readJwk = (name) => JSON.parse(readFileSync(new URL(name, keysDir), 'utf8'));

// Public halves of the test vectors' keys, member by member (never a private one).
const rsaJwk = readJwk('rsa-2048.jwk.json');
const ecJwk = readJwk('ec-p256.jwk.json');
const edJwk = readJwk('ed25519.jwk.json');
// Keys registered without a kid get their RFC 7638 thumbprint as kid, as IdPs
// that take uploaded keys do (and as m2mauth names a key that has no kid).
const thumbprints = readJwk('thumbprints.json');
const rsaPublic = { kty: rsaJwk.kty, n: rsaJwk.n, e: rsaJwk.e, kid: thumbprints['rsa-2048'] };
const ecPublic = { kty: ecJwk.kty, crv: ecJwk.crv, x: ecJwk.x, y: ecJwk.y, kid: 'client-key-1' };
const edPublic = { kty: edJwk.kty, crv: edJwk.crv, x: edJwk.x, kid: thumbprints.ed25519 };

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'ES256', use: 'sig' };

// In-memory storage, declared so the provider does not warn about its development default.
const records = new Map();
class MemoryAdapter {
  constructor(model) { this.model = model; }
  id(id) { return `${this.model}:${id}`; }
  async upsert(id, payload, expiresIn) { records.set(this.id(id), { payload, until: Date.now() + expiresIn * 1000 }); }
  async find(id) {
    const record = records.get(this.id(id));
    return record && record.until > Date.now() ? record.payload : undefined;
  }
  async consume(id) { const p = await this.find(id); if (p) p.consumed = Math.floor(Date.now() / 1000); }
  async destroy(id) { records.delete(this.id(id)); }
  async findByUid() { return undefined; }
  async findByUserCode() { return undefined; }
  async revokeByGrantId() {}
}

let tokenRequests = 0;
let handle; // the provider's request handler, once the provider exists
const app = (req, res) => {
  if (req.url === '/__token_requests') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ token_requests: tokenRequests }));
    return;
  }
  if (req.method === 'POST' && req.url === '/token') tokenRequests += 1;
  handle(req, res);
};
const server = tls
  ? https.createServer({
    key: readTls('server-key.pem'),
    cert: readTls('server.pem'),
    ca: readTls('ca.pem'), // what socket.authorized is checked against (tls_client_auth)
    requestCert: true, // ask every client for a certificate...
    rejectUnauthorized: false, // ...but take none or a self-signed one too: the provider decides
  }, app)
  : http.createServer(app);
await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;

const base = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: apiScopes };
const client = (id, secret, method) => ({
  client_id: id,
  client_secret: secret,
  token_endpoint_auth_method: method,
  ...base,
});
const derBase64 = (pem) => pem.toString().replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');

const clients = [
  client('basic-client', 'basic-secret', 'client_secret_basic'),
  client('post-client', 'post-secret', 'client_secret_post'),
  client('jwt-secret-client', 'jwt-secret-client-secret-0123456789abcdef', 'client_secret_jwt'),
  { client_id: 'rsa-key-client', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [rsaPublic] }, ...base },
  { client_id: 'ec-key-client', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [ecPublic] }, ...base },
  { client_id: 'ed-key-client', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [edPublic] }, ...base },
  { ...client('dpop-client', 'dpop-secret', 'client_secret_basic'), dpop_bound_access_tokens: true },
];
if (tls) {
  const selfSigned = readTls('self-signed-client.pem');
  clients.push(
    {
      client_id: 'mtls-client',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=mtls-client',
      tls_client_certificate_bound_access_tokens: true,
      ...base,
    },
    {
      client_id: 'self-signed-client',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      tls_client_certificate_bound_access_tokens: true,
      jwks: { keys: [{ ...new X509Certificate(selfSigned).publicKey.export({ format: 'jwk' }), x5c: [derBase64(selfSigned)] }] },
      ...base,
    },
  );
}

// The certificate the client presented on this connection, if any (plain HTTP has none).
const peerCertificate = (ctx) => {
  const { socket } = ctx.req;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate();
  return peer?.raw ? new X509Certificate(peer.raw) : undefined;
};
// Node prints a DN one RDN a line, in certificate order; a registered DN may be in either order.
const subjectMatches = (cert, expected) => {
  const rdns = cert.subject.split('\n');
  return [rdns.join(','), [...rdns].reverse().join(',')].includes(expected.replace(/\s*,\s*/g, ','));
};

const mtlsFeature = tls
  ? {
    enabled: true,
    certificateBoundAccessTokens: true,
    tlsClientAuth: true,
    selfSignedTlsClientAuth: true,
    getCertificate: peerCertificate,
    certificateAuthorized: (ctx) => ctx.req.socket.authorized === true, // chain verified against tls/ca.pem
    certificateSubjectMatches: (ctx, property, expected) => {
      const cert = peerCertificate(ctx);
      return property === 'tls_client_auth_subject_dn' && cert !== undefined && subjectMatches(cert, expected);
    },
  }
  : { enabled: false };

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  jwks: { keys: [signingKey] },
  clients,
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  clientAuthMethods: [
    'client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'private_key_jwt', 'none',
    ...(tls ? ['tls_client_auth', 'self_signed_tls_client_auth'] : []),
  ],
  enabledJWA: {
    clientAuthSigningAlgValues: ['HS256', 'RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519'],
    dPoPSigningAlgValues: ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA', 'Ed25519'],
  },
  scopes: ['openid', 'api:read', 'api:write', 'api:admin'],
  ...(tls && {
    discovery: {
      claim_types_supported: ['normal'], // the default, which giving `discovery` would otherwise drop
      mtls_endpoint_aliases: {
        token_endpoint: `${issuer}/token`,
        revocation_endpoint: `${issuer}/token/revocation`,
        introspection_endpoint: `${issuer}/token/introspection`,
      },
    },
  }),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async () => true },
    revocation: { enabled: true, allowedPolicy: async (_ctx, caller, token) => caller.clientId === token.clientId },
    dPoP: {
      enabled: true,
      nonceSecret: createHash('sha256').update('m2mauth interop DPoP nonce secret').digest(), // fixed 32 bytes
      requireNonce: (ctx) => ctx.oidc?.client?.clientId === 'dpop-client',
      allowReplay: false,
    },
    mTLS: mtlsFeature,
    resourceIndicators: {
      enabled: true,
      defaultResource: async (ctx, _client, oneOf) => oneOf ?? resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator === resource) {
          return { scope: apiScopes, audience: indicator, accessTokenFormat: 'jwt', accessTokenTTL: ttl, jwt: { sign: { alg: 'ES256' } } };
        }
        if (indicator === opaqueResource) {
          return { scope: apiScopes, audience: indicator, accessTokenFormat: 'opaque', accessTokenTTL: ttl };
        }
        throw new errors.InvalidTarget();
      },
    },
  },
  ttl: {
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL || ttl,
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL || ttl,
  },
});
provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
if (process.env.DEBUG_ERRORS === '1') {
  for (const event of ['grant.error', 'introspection.error', 'revocation.error']) {
    provider.on(event, (ctx, err) => console.error(`${event} ${ctx.oidc?.client?.clientId ?? '-'}: ${err.error} ${err.error_description} ${err.error_detail ?? ''}`));
  }
}
handle = provider.callback();

const info = { issuer, token_endpoint: `${issuer}/token` };
if (tls) info.ca_file = fileURLToPath(new URL('ca.pem', tlsDir));
process.stdout.write(`${JSON.stringify(info)}\n`);

const stop = () => { server.close(); server.closeAllConnections(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
