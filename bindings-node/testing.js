'use strict'
/**
 * A real OAuth 2.0 issuer on 127.0.0.1 for tests of code that uses m2mauth:
 *
 *   const { TestIssuer } = require('m2mauth/testing')
 *   const issuer = new TestIssuer()
 *   const source = issuer.tokenSource({ scopes: ['read'] })
 *   …
 *   issuer.close()
 */
const native = require('./native.js').load()
const { TokenSource, Verifier } = require('./index.js')

const seconds = (ms, name) => {
  if (ms === undefined) return undefined
  if (typeof ms !== 'number' || !(ms >= 0)) throw new TypeError(`${name} must be a number of milliseconds`)
  return ms / 1000
}

/**
 * Discovery, a strict client credentials token endpoint, Ed25519 JWT access tokens
 * with a JWKS, and a protected API (`apiUrl`) that accepts only its valid,
 * unrevoked tokens. Faults can be scripted; requests are counted and recorded.
 */
class TestIssuer {
  #native

  constructor(options = {}) {
    this.#native = new native.NativeTestIssuer({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      tokenLifetime: seconds(options.tokenLifetimeMs, 'tokenLifetimeMs'),
      latency: seconds(options.latencyMs, 'latencyMs'),
      port: options.port,
      tls: options.tls,
    })
  }

  get issuer() { return this.#native.issuer }
  get tokenUrl() { return this.#native.tokenUrl }
  get jwksUrl() { return this.#native.jwksUrl }
  get apiUrl() { return this.#native.apiUrl }
  get clientId() { return this.#native.clientId }
  get clientSecret() { return this.#native.clientSecret }
  /** Requests the token endpoint has received. */
  get requestsServed() { return this.#native.requestsServed }
  /** Requests the protected API has received. */
  get apiRequests() { return this.#native.apiRequests }

  /** A TokenSource for this issuer's client; `options` override (`clientSecret: undefined` leaves it out). */
  tokenSource(options = {}) {
    return new TokenSource({ tokenUrl: this.tokenUrl, clientId: this.clientId, clientSecret: this.clientSecret, ...options })
  }

  /** The next token request gets `status` (with an optional Retry-After and body). */
  failNext(status, { retryAfter, body, contentType } = {}) {
    this.#native.failNext(status, retryAfter == null ? undefined : String(retryAfter), body, contentType)
  }

  /** Every token request fails with `status` until `clearFaults()`. */
  failAlways(status, { retryAfter, body } = {}) {
    this.#native.failAlways(status, retryAfter == null ? undefined : String(retryAfter), body)
  }

  clearFaults() { this.#native.clearFaults() }
  /** The next token request never gets an answer. */
  hangNext() { this.#native.hangNext() }
  /** The next token request's connection is closed unanswered. */
  closeNext() { this.#native.closeNext() }
  delayNext(ms) { this.#native.delayNext(seconds(ms, 'ms')) }
  redirectNext(location) { this.#native.redirectNext(location) }
  setTokenLifetime(ms) { this.#native.setTokenLifetime(seconds(ms, 'ms')) }
  setLatency(ms) { this.#native.setLatency(seconds(ms, 'ms')) }
  /** Every token issued so far is rejected by the protected API from now on. */
  revokeIssuedTokens() { this.#native.revokeIssuedTokens() }
  reset() { this.#native.reset() }
  /** The token requests received: `{ method, path, headers, body }`. */
  recordedRequests() { return JSON.parse(this.#native.recordedRequestsJson()) }
  /** Arms a conformance vector (a tests/vectors/exchange file's text); returns its configuration. */
  armVector(name, text) { return JSON.parse(this.#native.armVector(name, text)) }
  /** Judges the armed vector: `null` when the request and the outcome line are right. */
  judge(outcome) { return this.#native.judge(outcome) }
  get introspectionUrl() { return this.#native.introspectionUrl }
  get revocationUrl() { return this.#native.revocationUrl }
  /** Requests the JWKS endpoint has received. */
  get jwksRequests() { return this.#native.jwksRequests }
  get introspectionRequests() { return this.#native.introspectionRequests }
  get revocationRequests() { return this.#native.revocationRequests }

  /**
   * A JWT of `claims` signed as asked: `alg` (`EdDSA`, `ES256`, `RS256`, `PS256`),
   * `forged` (a key the JWKS does not publish), `kid` and `typ` (a string, or null
   * for none), `algHeader` (the alg written, whatever signs), `unsigned`.
   */
  mint(claims, options = {}) { return this.#native.mint(JSON.stringify(claims), JSON.stringify(options)) }
  /** Trusts `jwk` (its public part) for this client's `private_key_jwt` assertions. */
  registerClientKey(jwk) { this.#native.registerClientKey(JSON.stringify(jwk)) }
  /** DPoP proofs must carry the issuer's nonce (`use_dpop_nonce` otherwise). */
  requireDpopNonce(required) { this.#native.requireDpopNonce(Boolean(required)) }
  /** A new DPoP nonce: proofs with the old one are challenged. */
  rotateDpopNonce() { this.#native.rotateDpopNonce() }
  /** The CA certificate (PEM) of an issuer started with `{ tls: true }`, else null. */
  get caPem() { return this.#native.caPem ?? null }
  /** `{ cert, key }` (PEM) for mTLS: issued by the CA, or `{ selfSigned: true }`. */
  clientCertificate({ selfSigned = false } = {}) {
    const [cert, key] = this.#native.clientCertificate(Boolean(selfSigned))
    return { cert, key }
  }
  /** Replaces the published keys (a key rollover). */
  rotateKeys() { this.#native.rotateKeys() }
  /** The JWKS endpoint answers `status` from now on (`null` restores it). */
  failJwks(status) { this.#native.failJwks(status ?? undefined) }
  setJwksDelay(ms) { this.#native.setJwksDelay(seconds(ms, 'ms')) }
  /** The `Cache-Control: max-age` of the JWKS, in seconds (`null`: none). */
  setJwksMaxAge(secs) { this.#native.setJwksMaxAge(secs ?? undefined) }
  /** `{ format: 'jwt' | 'opaque', alg }`: how tokens are issued from now on. */
  setTokens({ format, alg } = {}) { this.#native.setTokens(format, alg) }
  /** A Verifier of this issuer's tokens for `audience`; `options` add to it. */
  verifier(options = {}) { return new Verifier({ issuer: this.issuer, ...options }) }

  /** Stops the issuer. */
  close() { this.#native.close() }
}

if (typeof Symbol.dispose === 'symbol') {
  TestIssuer.prototype[Symbol.dispose] = TestIssuer.prototype.close
}

module.exports = { TestIssuer }
