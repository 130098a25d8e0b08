import type { TokenSource, TokenSourceOptions, Verifier, VerifierOptions } from './index.js'

export interface TestIssuerOptions {
  clientId?: string
  clientSecret?: string
  /** Lifetime of issued tokens (default one hour). */
  tokenLifetimeMs?: number
  /** Delay before every token answer (default none). */
  latencyMs?: number
  /** Port on 127.0.0.1 (default any free port). */
  port?: number
  /** Serve HTTPS with a CA of its own (`caPem`), and accept mTLS clients. */
  tls?: boolean
}

/** A real OAuth 2.0 issuer on 127.0.0.1 for tests. */
export declare class TestIssuer {
  constructor(options?: TestIssuerOptions)
  readonly issuer: string
  readonly tokenUrl: string
  readonly jwksUrl: string
  /** A protected API: 200 for a valid token of this issuer, 401 otherwise. */
  readonly apiUrl: string
  readonly clientId: string
  readonly clientSecret: string
  readonly requestsServed: number
  readonly apiRequests: number
  tokenSource(options?: TokenSourceOptions): TokenSource
  failNext(status: number, options?: { retryAfter?: number | string; body?: string; contentType?: string }): void
  failAlways(status: number, options?: { retryAfter?: number | string; body?: string }): void
  clearFaults(): void
  hangNext(): void
  closeNext(): void
  delayNext(ms: number): void
  redirectNext(location: string): void
  setTokenLifetime(ms: number): void
  setLatency(ms: number): void
  revokeIssuedTokens(): void
  reset(): void
  recordedRequests(): Array<{ method: string; path: string; headers: Record<string, string>; body: string }>
  armVector(name: string, text: string): Record<string, unknown>
  judge(outcome: string): string | null
  readonly introspectionUrl: string
  readonly revocationUrl: string
  readonly jwksRequests: number
  readonly introspectionRequests: number
  readonly revocationRequests: number
  /** A JWT of `claims`, signed with a published key for `alg`, or forged. */
  mint(
    claims: Readonly<Record<string, unknown>>,
    options?: { alg?: 'EdDSA' | 'ES256' | 'RS256' | 'PS256'; forged?: boolean; kid?: string | null; typ?: string | null; algHeader?: string; unsigned?: boolean },
  ): string
  /** Trusts `jwk` (its public part) for this client's `private_key_jwt` assertions. */
  registerClientKey(jwk: Readonly<Record<string, unknown>>): void
  /** DPoP proofs must carry the issuer's nonce. */
  requireDpopNonce(required: boolean): void
  /** A new DPoP nonce: proofs with the old one are challenged. */
  rotateDpopNonce(): void
  /** The CA certificate (PEM) of an issuer started with `{ tls: true }`. */
  readonly caPem: string | null
  /** A client certificate and key (PEM) for mTLS. */
  clientCertificate(options?: { selfSigned?: boolean }): { cert: string; key: string }
  rotateKeys(): void
  failJwks(status: number | null): void
  setJwksDelay(ms: number): void
  setJwksMaxAge(seconds: number | null): void
  setTokens(options: { format?: 'jwt' | 'opaque'; alg?: 'EdDSA' | 'ES256' | 'RS256' | 'PS256' }): void
  /** A Verifier of this issuer's tokens (`audience` is required). */
  verifier(options: VerifierOptions): Verifier
  close(): void
}
