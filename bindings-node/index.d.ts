/** m2mauth: OAuth 2.0 client credentials tokens, cached, refreshed ahead of expiry, shared by every caller. */

/** Options of a token source; the same set every m2mauth language takes. */
export interface TokenSourceOptions {
  /** The token endpoint. */
  tokenUrl?: string
  /** Or an issuer to discover the token endpoint from (`.well-known`). */
  issuer?: string
  clientId?: string
  clientSecret?: string
  /** A file holding the client secret (one trailing newline trimmed). */
  clientSecretFile?: string
  /** Scopes: an array, or one string separated by spaces. */
  scopes?: string | readonly string[]
  /** The `audience` parameter (Auth0, SSOJet, …). */
  audience?: string
  /** RFC 8707 resource indicators. */
  resource?: string | readonly string[]
  extraParams?: Readonly<Record<string, string | number | boolean>>
  authMethod?: 'client_secret_basic' | 'client_secret_post'
  bodyFormat?: 'form' | 'json'
  /** Deadline of one token acquisition, retries included (default 10,000). */
  timeoutMs?: number
  /** Retries of transient failures while callers wait (default 2). */
  retries?: number
  /** Lifetime assumed when the IdP sends no `expires_in` (default 300,000). */
  defaultLifetimeMs?: number
  /** Allow `http://` to hosts other than loopback. */
  allowInsecureHttp?: boolean
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

/** The stable codes, the same in every m2mauth language. */
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

/** Every m2mauth error. Messages never contain a secret. */
export declare class M2MAuthError extends Error {
  readonly name: 'M2MAuthError'
  readonly code: ErrorCode
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
}

/** What a token source has done so far. */
export interface Stats {
  cacheHits: number
  waits: number
  fetches: number
  refreshes: number
  failures: number
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
  stats(): Stats
  /** `fetch()` with the bearer token; on 401, invalidate and retry once. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>
  /** `headers` with the Authorization header set (a `Headers` is updated, an object copied). */
  authorize<H extends Headers | Record<string, string>>(headers?: H): Promise<H extends Headers ? Headers : Record<string, string>>
}

/** The m2mauth version. */
export declare const version: string
