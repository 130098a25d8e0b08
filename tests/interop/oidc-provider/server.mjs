// panva/oidc-provider as a client credentials IdP on 127.0.0.1, for interop tests.
//
// env: PORT (default 0: any free port), TTL (access token lifetime in seconds, default 3600).
// stdout: one JSON line {"issuer": "...", "token_endpoint": "..."}; everything else goes to stderr.
// Clients: basic-client / basic-secret (client_secret_basic), post-client / post-secret
// (client_secret_post), both allowed "api:read api:write". Requests with resource
// https://api.example.test (the default) get RFC 9068 JWT access tokens.
// GET /__token_requests answers how many POST /token requests arrived (the test's counter).
import http from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

console.info = console.error; // oidc-provider prints notices on stdout; keep it for the JSON line

const port = Number(process.env.PORT ?? 0);
const ttl = Number(process.env.TTL || 3600);
const resource = 'https://api.example.test';
const apiScopes = 'api:read api:write';

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
const server = http.createServer((req, res) => {
  if (req.url === '/__token_requests') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ token_requests: tokenRequests }));
    return;
  }
  if (req.method === 'POST' && req.url === '/token') tokenRequests += 1;
  handle(req, res);
});
await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const client = (id, secret, method) => ({
  client_id: id,
  client_secret: secret,
  token_endpoint_auth_method: method,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  scope: apiScopes,
});

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  jwks: { keys: [signingKey] },
  clients: [client('basic-client', 'basic-secret', 'client_secret_basic'), client('post-client', 'post-secret', 'client_secret_post')],
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  scopes: ['openid', 'api:read', 'api:write', 'api:admin'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async () => true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (ctx, _client, oneOf) => oneOf ?? resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator !== resource) throw new errors.InvalidTarget();
        return { scope: apiScopes, audience: indicator, accessTokenFormat: 'jwt', accessTokenTTL: ttl, jwt: { sign: { alg: 'ES256' } } };
      },
    },
  },
  ttl: {
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL || ttl,
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL || ttl,
  },
});
provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
handle = provider.callback();

process.stdout.write(`${JSON.stringify({ issuer, token_endpoint: `${issuer}/token` })}\n`);

const stop = () => { server.close(); server.closeAllConnections(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
