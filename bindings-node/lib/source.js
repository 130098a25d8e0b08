'use strict'
// TokenSource: the options go to the core as they are (camelCase keys,
// durations as …Ms); the core validates them and names them in its errors.
const { inspect } = require('node:util')
const native = require('../native.js').load()
const { created, errorFrom, internalError } = require('./errors.js')
const { AccessToken } = require('./token.js')

/** The cached path: a raw N-API function taking a source's handle (see src/hot.rs). */
const cachedTokenId = native.cachedTokenIdFunction()

/**
 * A cached, self-refreshing source of access tokens for one client and one set of
 * scopes. Concurrent callers on a cold cache share one request; from 80 % of a
 * token's lifetime the next caller gets it at once while a background refresh runs.
 */
class TokenSource {
  #native
  #handle
  /** The current token, its fetch id and an already-resolved promise of it. */
  #current = null

  constructor(options, nativeSource) {
    if (nativeSource instanceof native.NativeSource) {
      this.#native = nativeSource
    } else {
      if (options === null || typeof options !== 'object') {
        throw new TypeError('new TokenSource(options): options must be an object such as { tokenUrl, clientId, clientSecret }')
      }
      this.#native = created(native.NativeSource.create(JSON.stringify(options), true), native.NativeSource)
    }
    this.#handle = native.hotHandle(this.#native)
  }

  /** A source configured from `<prefix>_*` environment variables (`M2MAUTH_TOKEN_URL`, `SSOJET_CLIENT_ID`, …). */
  static fromEnv(prefix = 'M2MAUTH') {
    return new TokenSource(undefined, created(native.NativeSource.fromEnv(String(prefix)), native.NativeSource))
  }

  /** A source from the JSON form every m2mauth language shares (snake_case keys, e.g. from a config file). */
  static fromConfig(config) {
    return new TokenSource(undefined, created(native.NativeSource.create(JSON.stringify(config), false), native.NativeSource))
  }

  /**
   * A valid token. A cached token comes back as an already-resolved promise (the
   * same one while the token is unchanged); otherwise one fetch, shared by all
   * concurrent callers, runs off the event loop.
   */
  token() {
    let id
    try {
      id = cachedTokenId(this.#handle)
    } catch (error) {
      return Promise.reject(internalError(error))
    }
    if (id !== null && this.#current !== null && this.#current.id === id) return this.#current.promise
    return this.#slow(id)
  }

  #slow(id) {
    try {
      if (id !== null) {
        const token = this.#native.cachedToken()
        if (token !== null) return this.#remember(token).promise
      }
      // The core shares one fetch among every caller; each gets its outcome.
      return this.#native.fetch().then(
        (outcome) => {
          if (outcome.error) throw errorFrom(outcome.error)
          return this.#remember(outcome.token).token
        },
        (error) => {
          throw internalError(error)
        },
      )
    } catch (error) {
      return Promise.reject(internalError(error))
    }
  }

  #remember(nativeToken) {
    if (this.#current === null || this.#current.id !== nativeToken.fetchId) {
      const token = new AccessToken(nativeToken)
      this.#current = { id: nativeToken.fetchId, token, promise: Promise.resolve(token) }
    }
    return this.#current
  }

  /** `Bearer <token>`, ready for an Authorization header. */
  async authorizationHeader() {
    return (await this.token()).authorizationHeader
  }

  /**
   * Drops `token` (an AccessToken or its text) after an API rejected it with 401,
   * so the next call fetches a new one. Only that exact token is dropped, once;
   * returns whether it was still cached.
   */
  invalidate(token) {
    const text = typeof token === 'string' ? token : token?.accessToken
    if (typeof text !== 'string') throw new TypeError('invalidate() takes an AccessToken or its text')
    if (this.#current !== null && this.#current.token.accessToken === text) this.#current = null
    return this.#native.invalidate(text)
  }

  /**
   * Revokes `token` (an AccessToken or its text) at the IdP (RFC 7009) and drops it
   * from the cache.
   */
  async revoke(token) {
    const text = typeof token === 'string' ? token : token?.accessToken
    if (typeof text !== 'string') throw new TypeError('revoke() takes an AccessToken or its text')
    if (this.#current !== null && this.#current.token.accessToken === text) this.#current = null
    let done
    try {
      done = await this.#native.revoke(text)
    } catch (error) {
      throw internalError(error)
    }
    if (done.error) throw errorFrom(done.error)
  }

  /**
   * The `DPoP` header (RFC 9449) for a `method` request to `url` carrying
   * `accessToken`, or `null` when DPoP is off. Send it with
   * `Authorization: DPoP <token>` (the token's `authorizationHeader`).
   */
  dpopProof(method, url, accessToken) {
    if (typeof method !== 'string' || typeof url !== 'string') {
      throw new TypeError('dpopProof() takes a method and a URL')
    }
    const proof = this.#native.dpopProof(method, url, accessToken ?? null)
    if (proof !== null && typeof proof === 'object') throw errorFrom(proof)
    return proof ?? null
  }

  /** Remembers the `DPoP-Nonce` a server at `url` answered with. */
  recordDpopNonce(url, nonce) {
    this.#native.recordDpopNonce(String(url), String(nonce))
  }

  /**
   * Whether a response is a `401` asking for a DPoP nonce (which is then
   * recorded): send the request again with a new proof, same token.
   */
  acceptDpopChallenge(url, status, wwwAuthenticate, dpopNonce) {
    return this.#native.acceptDpopChallenge(String(url), Number(status) >>> 0, wwwAuthenticate ?? null, dpopNonce ?? null)
  }

  /** What the source has done so far. */
  stats() {
    const stats = this.#native.stats()
    return { ...stats, lastError: stats.lastError ?? null }
  }

  [inspect.custom]() {
    return `TokenSource(${this.#native.describe()})`
  }
}

module.exports = { TokenSource, native }
