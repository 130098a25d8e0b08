'use strict'
// Verifier: checks the tokens a service receives. The options go to the core
// as they are (camelCase keys, durations as …Ms); claims come back as a
// frozen plain object.
const { inspect } = require('node:util')
const { native } = require('./source.js')
const { created, errorFrom, internalError } = require('./errors.js')
const { middleware } = require('./middleware.js')

function settled(outcome) {
  if (outcome.error) throw errorFrom(outcome.error)
  return Object.freeze(JSON.parse(outcome.json))
}

/**
 * Checks the tokens a service receives: JWTs against the issuer's JWKS (fetched
 * once, refreshed in the background, kept through outages; forged `kid`s never
 * flood the IdP), opaque tokens by introspection. Rejections are `M2MAuthError`s
 * with a `code` such as `TOKEN_EXPIRED`, `TOKEN_AUDIENCE` or `INSUFFICIENT_SCOPE`.
 */
class Verifier {
  #native

  constructor(options, nativeVerifier) {
    if (nativeVerifier instanceof native.NativeVerifier) {
      this.#native = nativeVerifier
      return
    }
    if (options === null || typeof options !== 'object') {
      throw new TypeError('new Verifier(options): options must be an object such as { issuer, audience }')
    }
    this.#native = created(native.NativeVerifier.create(JSON.stringify(options), true), native.NativeVerifier)
  }

  /** A verifier from `<prefix>_ISSUER`, `<prefix>_AUDIENCE`, `<prefix>_JWKS_URL`, … */
  static fromEnv(prefix = 'M2MAUTH') {
    return new Verifier(undefined, created(native.NativeVerifier.fromEnv(String(prefix)), native.NativeVerifier))
  }

  /** A verifier from the JSON form every m2mauth language shares (snake_case keys). */
  static fromConfig(config) {
    return new Verifier(undefined, created(native.NativeVerifier.create(JSON.stringify(config), false), native.NativeVerifier))
  }

  /**
   * The claims of `token` (without `Bearer `) if it passes every check and carries
   * every scope of `scopes` (beyond the configured `requiredScopes`).
   */
  async verify(token, { scopes = [] } = {}) {
    if (typeof token !== 'string') throw new TypeError('verify() takes the token as a string')
    const wanted = [...scopes].map(String)
    let outcome
    try {
      // Once the keys are cached, on this thread: no hop to a library thread and back.
      outcome = this.#native.verifyNow(token, wanted) ?? (await this.#native.verify(token, wanted))
    } catch (error) {
      throw internalError(error)
    }
    return settled(outcome)
  }

  /**
   * The claims of a request's token: `authorization` is its Authorization header
   * (`Bearer …` or `DPoP …`); a token bound to a DPoP key (`cnf.jkt`) also needs
   * `dpop`, the DPoP header's proof for this `method` and `url` (RFC 9449).
   */
  async verifyRequest({ authorization, dpop = null, method, url }, { scopes = [] } = {}) {
    if (typeof authorization !== 'string' || typeof method !== 'string' || typeof url !== 'string') {
      throw new TypeError('verifyRequest() takes { authorization, dpop, method, url } as strings')
    }
    let outcome
    try {
      outcome = await this.#native.verifyRequest(authorization, dpop ?? null, method, url, [...scopes].map(String))
    } catch (error) {
      throw internalError(error)
    }
    return settled(outcome)
  }

  /** The IdP's introspection answer (RFC 7662) about `token`, as it is. */
  async introspect(token) {
    if (typeof token !== 'string') throw new TypeError('introspect() takes the token as a string')
    let outcome
    try {
      outcome = await this.#native.introspect(token)
    } catch (error) {
      throw internalError(error)
    }
    return settled(outcome)
  }

  /**
   * A request handler for Express (`(req, res, next)`) that is also a Fastify
   * `preHandler` (`(request, reply, done)`): it sets `req.auth` to the claims of a
   * valid bearer token carrying every scope of `scopes`, or answers as RFC 6750 §3
   * says (401 `invalid_token`, 403 `insufficient_scope`), never echoing the token.
   */
  middleware({ scopes = [] } = {}) {
    return middleware(this, scopes)
  }

  [inspect.custom]() {
    return `Verifier(${this.#native.describe()})`
  }
}

module.exports = { Verifier }
