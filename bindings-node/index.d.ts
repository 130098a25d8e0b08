/** m2mauth: OAuth 2.0 client credentials tokens, cached, refreshed ahead of expiry, shared by every caller. */

/** Options of a token source: the same set every m2mauth language takes (see options.json). */
export interface TokenSourceOptions {
  /** The token endpoint URL. Either this or `issuer` is required. */
  tokenUrl?: string
  /** An issuer URL whose discovery document (OpenID Connect, then RFC 8414) names the token endpoint, instead of `token_url`. */
  issuer?: string
  /** The client id. */
  clientId?: string
  /** The client secret (for `client_secret_basic`, `client_secret_post` and `client_secret_jwt`). */
  clientSecret?: string
  /** A file holding the client secret (one trailing newline is trimmed). */
  clientSecretFile?: string
  /** Scopes to request. Each item may hold several, separated by spaces (or commas in the environment). */
  scopes?: string | readonly string[]
  /** The `audience` parameter (Auth0, SSOJet and others). */
  audience?: string
  /** RFC 8707 `resource` parameters (absolute URIs). */
  resource?: string | readonly string[]
  /** Extra request parameters (names the SDK sets itself are refused). */
  extraParams?: Readonly<Record<string, string | number | boolean>>
  /** How the client authenticates: `client_secret_basic`, `client_secret_post`, `client_secret_jwt`, `private_key_jwt` (RFC 7523), `tls_client_auth` or `self_signed_tls_client_auth` (RFC 8705). */
  authMethod?: 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'tls_client_auth' | 'self_signed_tls_client_auth'
  /** How the token request body is encoded: `form` (RFC 6749) or `json` (SuperTokens and others; `scope` is sent as an array). */
  bodyFormat?: 'form' | 'json'
  /** The deadline of one token acquisition, discovery and retries included — in milliseconds (default 10,000). */
  timeoutMs?: number
  /** Retries of transient failures (429, 5xx, timeouts) while callers wait. */
  retries?: number
  /** The lifetime assumed when the IdP sends no `expires_in` and the token is not a JWT with an `exp` — in milliseconds (default 300,000). */
  defaultLifetimeMs?: number
  /** Allows `http://` to hosts other than loopback. Only for closed test networks. */
  allowInsecureHttp?: boolean
  /** The private key for `private_key_jwt`: PEM (PKCS#8, PKCS#1 or SEC1) or a private JWK; RSA (2048 bits or more), EC P-256/P-384 or Ed25519. */
  privateKey?: string
  /** A file holding the private key for `private_key_jwt` (PEM or JWK). */
  privateKeyFile?: string
  /** The `kid` header of client assertions (default: the JWK's `kid`, else the key's RFC 7638 thumbprint). */
  keyId?: string
  /** The client assertion's algorithm (default from the key: RS256, ES256, ES384 or EdDSA; PS256 allowed; HS256 for `client_secret_jwt`). */
  signingAlg?: 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA' | 'HS256'
  /** The `aud` of client assertions: `token_endpoint` (the default), `issuer`, or a URL. */
  assertionAudience?: string
  /** The client certificate (PEM chain) for mTLS (RFC 8705). */
  clientCertFile?: string
  /** The private key (PEM) of the mTLS client certificate. */
  clientKeyFile?: string
  /** Extra trust anchors (PEM certificates) for a private IdP's TLS. */
  caFile?: string
  /** DPoP-bound tokens (RFC 9449) with a P-256 key generated for this source. */
  dpop?: boolean
  /** DPoP-bound tokens with this private key (PEM or JWK) instead of a generated one. */
  dpopKeyFile?: string
  /** The revocation endpoint (RFC 7009) for `revoke()`; discovered from `issuer` when unset. */
  revocationUrl?: string
  /** A Redis URL (`redis://`, `rediss://`, user and password allowed) for a cache shared by every process of a fleet: one token request per key. */
  cacheUrl?: string
  /** The 32-byte key (base64) that encrypts the fleet cache's entries. Several keys, separated by spaces, rotate: the first encrypts, all decrypt. */
  cacheEncryptionKey?: string
  /** A file holding the fleet cache's encryption key(s). */
  cacheEncryptionKeyFile?: string
  /** The prefix of the fleet cache's Redis keys. */
  cacheKeyPrefix?: string
}

/** Options of a verifier: the same set every m2mauth language takes (see options.json). `audience` is required. */
export interface VerifierOptions {
  /** The expected `iss` of tokens, and where `jwks_uri` and `introspection_endpoint` are discovered. */
  issuer?: string
  /** The JWKS URL (default: discovered from `issuer`). */
  jwksUrl?: string
  /** A JWKS document (JSON) whose keys are used as they are, never fetched or refreshed: keys pinned in configuration, instead of `jwks_url`. */
  jwks?: string
  /** The audiences this service accepts (required): a token's `aud` must name one of them. */
  audience?: string | readonly string[]
  /** The signature algorithms accepted (never `none`; never HMAC with keys from a JWKS). */
  algorithms?: string | readonly string[]
  /** Clock tolerance for `exp`, `nbf` and `iat` — in milliseconds (default 30,000). */
  leewayMs?: number
  /** Scopes a token must all carry (in `scope` or `scp`, a string or a list). */
  requiredScopes?: string | readonly string[]
  /** Claims a token must carry with exactly these JSON values (SuperTokens: `{"stt": 1}`). */
  requiredClaims?: Readonly<Record<string, unknown>>
  /** Require `typ: at+jwt` (RFC 9068). By default `at+jwt`, `JWT` or none are accepted. */
  strictTyp?: boolean
  /** The introspection endpoint (RFC 7662) for opaque tokens (default: discovered from `issuer` when a client id is set). */
  introspectionUrl?: string
  /** The client id for introspection. */
  clientId?: string
  /** The client secret for introspection. */
  clientSecret?: string
  /** A file holding the client secret for introspection. */
  clientSecretFile?: string
  /** How the client authenticates at the introspection endpoint (as for `TokenSource`). */
  authMethod?: 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'tls_client_auth' | 'self_signed_tls_client_auth'
  /** The private key for `private_key_jwt` at the introspection endpoint. */
  privateKey?: string
  /** A file holding that private key. */
  privateKeyFile?: string
  /** The `kid` of introspection client assertions. */
  keyId?: string
  /** The introspection client assertion's algorithm. */
  signingAlg?: 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA' | 'HS256'
  /** The deadline of one JWKS or introspection request, retries included — in milliseconds (default 10,000). */
  timeoutMs?: number
  /** Extra trust anchors (PEM certificates) for a private IdP's TLS. */
  caFile?: string
  /** Allows `http://` to hosts other than loopback. Only for closed test networks. */
  allowInsecureHttp?: boolean
}

/** The claims of a token that passed every check (frozen); the standard ones typed. */
export interface Claims {
  readonly iss?: string
  readonly sub?: string
  readonly aud?: string | readonly string[]
  readonly exp?: number
  readonly iat?: number
  readonly nbf?: number
  readonly jti?: string
  readonly client_id?: string
  readonly scope?: string
  readonly scp?: string | readonly string[]
  readonly [claim: string]: unknown
}

/** An Express request handler that is also a Fastify `preHandler`. */
export type RequireToken = (request: any, response: any, next: (error?: unknown) => void) => void

/** A verifier of the tokens a service receives. */
export declare class Verifier {
  /** @throws {M2MAuthError} `CONFIG`, naming the option, when an option is invalid. */
  constructor(options: VerifierOptions)
  /** A verifier from `<prefix>_*` environment variables (default prefix `M2MAUTH`). */
  static fromEnv(prefix?: string): Verifier
  /** A verifier from the JSON form every m2mauth language shares (snake_case keys). */
  static fromConfig(config: Readonly<Record<string, unknown>>): Verifier
  /** The claims of a valid token carrying every scope of `scopes`; rejects with an `M2MAuthError`. */
  verify(token: string, options?: { scopes?: readonly string[] }): Promise<Claims>
  /**
   * The claims of a request's token: `authorization` is its Authorization header (`Bearer …`
   * or `DPoP …`); a DPoP-bound token (`cnf.jkt`) also needs `dpop`, the DPoP proof for this
   * `method` and `url` (RFC 9449; replays are refused).
   */
  verifyRequest(
    request: { authorization: string; dpop?: string | null; method: string; url: string },
    options?: { scopes?: readonly string[] },
  ): Promise<Claims>
  /** The IdP's introspection answer (RFC 7662) about `token`, as it is. */
  introspect(token: string): Promise<Readonly<Record<string, unknown>> & { readonly active: boolean }>
  /** Express `(req, res, next)` / Fastify `preHandler`: sets `req.auth`, or answers 401/403 as RFC 6750 says. */
  middleware(options?: { scopes?: readonly string[] }): RequireToken
}

/** An access token. `JSON.stringify` and `util.inspect` never show the token itself. */
export declare class AccessToken {
  private constructor()
  /** The access token itself. */
  readonly accessToken: string
  /** The token type, normally `Bearer`. */
  readonly tokenType: string
  /** When the IdP says the token expires. */
  readonly expiresAt: Date
  /** The scopes granted. */
  readonly scopes: readonly string[]
  /** `Bearer <token>`, for an Authorization header. */
  readonly authorizationHeader: string
  /** Seconds until the token expires (negative once it has). */
  readonly expiresIn: number
  toJSON(): { tokenType: string; expiresAt: string; scopes: readonly string[]; accessToken: '[redacted]' }
}

/** The stable codes, the same in every m2mauth language (see error_codes.json). */
export type ErrorCode =
  | 'CONFIG'
  | 'INVALID_CLIENT'
  | 'INVALID_SCOPE'
  | 'UNAUTHORIZED_CLIENT'
  | 'INVALID_GRANT'
  | 'ACCESS_DENIED'
  | 'INVALID_REQUEST'
  | 'UNSUPPORTED_GRANT_TYPE'
  | 'OAUTH_ERROR'
  | 'RATE_LIMITED'
  | 'SERVER_ERROR'
  | 'HTTP_STATUS'
  | 'REDIRECT'
  | 'TIMEOUT'
  | 'TRANSPORT'
  | 'MALFORMED_RESPONSE'
  | 'INTERNAL'
  | 'TOKEN_MALFORMED'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'TOKEN_SIGNATURE'
  | 'TOKEN_UNKNOWN_KEY'
  | 'TOKEN_ALGORITHM'
  | 'TOKEN_ISSUER'
  | 'TOKEN_AUDIENCE'
  | 'TOKEN_TYPE'
  | 'TOKEN_CLAIM'
  | 'TOKEN_INACTIVE'
  | 'INSUFFICIENT_SCOPE'
  | 'DPOP_PROOF'
  | 'JWKS_UNAVAILABLE'

/** The kind of failure a code belongs to. */
export type ErrorFamily = 'config' | 'refused' | 'transient' | 'malformed' | 'invalid_token' | 'internal'

/** Every m2mauth error. Messages never contain a secret. */
export declare class M2MAuthError extends Error {
  readonly name: 'M2MAuthError'
  readonly code: ErrorCode
  /** The code's family. */
  readonly family: ErrorFamily
  /** The IdP's OAuth `error`, when it sent one. */
  readonly oauthError?: string
  /** The IdP's `error_description` (cut and cleaned). */
  readonly description?: string
  /** The HTTP status of the IdP's answer. */
  readonly status?: number
  /** Seconds the IdP asked to wait (`Retry-After`). */
  readonly retryAfter?: number
  /** The option (or environment variable) at fault, for `CONFIG`. */
  readonly field?: string
  /** The message without its fixed prefix (for `INSUFFICIENT_SCOPE`: the missing scopes). */
  readonly detail?: string
}

/** What a token source has done so far. */
export interface Stats {
  cacheHits: number
  waits: number
  fetches: number
  refreshes: number
  failures: number
  /** Of `fetches`, tokens read from the fleet cache (Redis) instead of the IdP. */
  l2Hits: number
  /** Fetches that waited for another process's lease. */
  leaseWaits: number
  /** Fetches that took a dead or slow process's lease over. */
  leaseTakeovers: number
  /** Fetches during which Redis failed (each fetched for itself). */
  l2Errors: number
  lastError: string | null
}

/** A cached, self-refreshing source of access tokens. */
export declare class TokenSource {
  /** @throws {M2MAuthError} `CONFIG`, naming the option, when an option is invalid. */
  constructor(options: TokenSourceOptions)
  /** A source configured from `<prefix>_*` environment variables (default prefix `M2MAUTH`). */
  static fromEnv(prefix?: string): TokenSource
  /** A source from the JSON form every m2mauth language shares (snake_case keys). */
  static fromConfig(config: Readonly<Record<string, unknown>>): TokenSource
  /** A valid token; cached tokens resolve at once, cold callers share one fetch. */
  token(): Promise<AccessToken>
  /** `Bearer <token>`. */
  authorizationHeader(): Promise<string>
  /** Drops that token after a 401 (once); returns whether it was still cached. */
  invalidate(token: AccessToken | string): boolean
  /** Revokes the token at the IdP (RFC 7009) and drops it from the cache. */
  revoke(token: AccessToken | string): Promise<void>
  stats(): Stats
  /** The `DPoP` header (RFC 9449) for a request carrying `accessToken`; `null` when DPoP is off. */
  dpopProof(method: string, url: string, accessToken?: string): string | null
  /** Remembers the `DPoP-Nonce` a server at `url` answered with. */
  recordDpopNonce(url: string, nonce: string): void
  /** Whether a response is a 401 asking for a DPoP nonce (then recorded): retry with a new proof. */
  acceptDpopChallenge(url: string, status: number, wwwAuthenticate?: string | null, dpopNonce?: string | null): boolean
  /** `fetch()` with the token (and a DPoP proof for DPoP tokens); on 401, retry once (new proof after a nonce challenge, else a fresh token). */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>
  /** `headers` with the Authorization header (and, given `request`, a DPoP proof) set (a `Headers` is updated, an object copied). */
  authorize<H extends Headers | Record<string, string>>(
    headers?: H,
    request?: { method?: string; url: string },
  ): Promise<H extends Headers ? Headers : Record<string, string>>
}

/** The m2mauth version. */
export declare const version: string
