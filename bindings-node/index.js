'use strict'
/**
 * m2mauth: OAuth 2.0 client credentials tokens, fetched once, cached,
 * refreshed ahead of expiry and shared by every caller.
 *
 *   const { TokenSource } = require('m2mauth')
 *   const source = new TokenSource({ tokenUrl, clientId, clientSecret, scopes: ['read'] })
 *   const token = await source.token()          // cached calls resolve at once
 *   await source.fetch('https://api.example.com/invoices')   // bearer header, 401 → one retry
 */
const { inspect } = require('node:util')
const native = require('./native.js').load()
/** The cached path: a raw N-API function taking a source's handle (see src/hot.rs). */
const cachedTokenId = native.cachedTokenIdFunction()

/** Option names (camelCase here) → the JSON form every m2mauth language shares. */
const OPTIONS = {
  tokenUrl: 'token_url',
  issuer: 'issuer',
  clientId: 'client_id',
  clientSecret: 'client_secret',
  clientSecretFile: 'client_secret_file',
  scopes: 'scopes',
  audience: 'audience',
  resource: 'resource',
  extraParams: 'extra_params',
  authMethod: 'auth_method',
  bodyFormat: 'body_format',
  timeoutMs: 'timeout',
  retries: 'retries',
  defaultLifetimeMs: 'default_lifetime',
  allowInsecureHttp: 'allow_insecure_http',
}
const MILLISECONDS = new Set(['timeoutMs', 'defaultLifetimeMs'])
const OPTION_OF_FIELD = Object.fromEntries(Object.entries(OPTIONS).map(([option, field]) => [field, option]))

/** Every m2mauth error: a stable `code`, the IdP's words where it sent some, never a secret. */
class M2MAuthError extends Error {
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'M2MAuthError'
    /** `CONFIG`, `INVALID_CLIENT`, `INVALID_SCOPE`, `ACCESS_DENIED`, `RATE_LIMITED`, `TIMEOUT`, … */
    this.code = details.code || 'INTERNAL'
    if (details.oauthError != null) this.oauthError = details.oauthError
    if (details.description != null) this.description = details.description
    if (details.status != null) this.status = details.status
    if (details.retryAfter != null) this.retryAfter = details.retryAfter
    if (details.field != null) this.field = details.field
  }
}

/** An M2MAuthError from the addon's plain error; `camelCase` renames option fields. */
function errorFrom(error, camelCase) {
  let { message, field } = error
  if (camelCase && field && OPTION_OF_FIELD[field]) {
    message = message.replace(`: ${field} `, `: ${OPTION_OF_FIELD[field]} `)
    field = OPTION_OF_FIELD[field]
  }
  return new M2MAuthError(message, { ...error, message: undefined, field })
}

/** A failure inside the addon itself (a caught panic, a broken installation). */
function internalError(cause) {
  return new M2MAuthError(`m2mauth: internal error: ${cause?.message ?? cause}`, { code: 'INTERNAL', cause })
}

function configError(option, problem) {
  return new M2MAuthError(`invalid configuration: ${option} ${problem}`, { code: 'CONFIG', field: option })
}

/** An access token. `JSON.stringify` and `util.inspect` never show the token itself. */
class AccessToken {
  #accessToken
  #authorizationHeader

  constructor(token) {
    this.#accessToken = token.accessToken
    this.#authorizationHeader = `${token.tokenType} ${token.accessToken}`
    /** The token type, normally `Bearer`. */
    this.tokenType = token.tokenType
    /** When the IdP says the token expires. */
    this.expiresAt = new Date(token.expiresAtMs)
    /** The scopes granted. */
    this.scopes = Object.freeze([...token.scopes])
    Object.freeze(this)
  }

  /** The access token itself. */
  get accessToken() {
    return this.#accessToken
  }

  /** `Bearer <token>`, for an Authorization header. */
  get authorizationHeader() {
    return this.#authorizationHeader
  }

  /** Seconds until the token expires (negative once it has). */
  get expiresIn() {
    return (this.expiresAt.getTime() - Date.now()) / 1000
  }

  toJSON() {
    return { tokenType: this.tokenType, expiresAt: this.expiresAt.toISOString(), scopes: this.scopes, accessToken: '[redacted]' }
  }

  [inspect.custom](depth, options, inspectValue) {
    const shown = { tokenType: this.tokenType, expiresAt: this.expiresAt, scopes: this.scopes, accessToken: '[redacted]' }
    return `AccessToken ${inspectValue(shown, options)}`
  }
}

function created(result, camelCase) {
  if (result instanceof native.NativeSource) return result
  throw errorFrom(result, camelCase)
}

/** The options as the shared JSON form; rejects unknown options by name. */
function configJson(options) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('new TokenSource(options): options must be an object such as { tokenUrl, clientId, clientSecret }')
  }
  const config = {}
  for (const [option, value] of Object.entries(options)) {
    const field = OPTIONS[option]
    if (field === undefined) {
      throw configError(option, `is not a known option (known: ${Object.keys(OPTIONS).join(', ')})`)
    }
    if (value === undefined || value === null) continue
    if (MILLISECONDS.has(option)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw configError(option, 'must be a number of milliseconds')
      config[field] = value / 1000
    } else {
      config[field] = value
    }
  }
  return JSON.stringify(config)
}

/**
 * A cached, self-refreshing source of access tokens for one client and one set of
 * scopes. Concurrent callers on a cold cache share one request; from 80 % of a
 * token's lifetime the next caller gets it at once while a background refresh runs.
 */
class TokenSource {
  #native
  #handle
  #camelCase
  /** The current token, its fetch id and an already-resolved promise of it. */
  #current = null
  /** The fetch every cold caller of this source waits for. */
  #pending = null

  constructor(options, nativeSource) {
    if (nativeSource instanceof native.NativeSource) {
      this.#native = nativeSource
      this.#camelCase = false
    } else {
      this.#native = created(native.NativeSource.create(configJson(options)), true)
      this.#camelCase = true
    }
    this.#handle = native.hotHandle(this.#native)
  }

  /** A source configured from `<prefix>_*` environment variables (`M2MAUTH_TOKEN_URL`, `SSOJET_CLIENT_ID`, …). */
  static fromEnv(prefix = 'M2MAUTH') {
    return new TokenSource(undefined, created(native.NativeSource.fromEnv(String(prefix)), false))
  }

  /** A source from the JSON form every m2mauth language shares (snake_case keys, e.g. from a config file). */
  static fromConfig(config) {
    return new TokenSource(undefined, created(native.NativeSource.create(JSON.stringify(config)), false))
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
      if (this.#pending === null) {
        const done = () => {
          this.#pending = null
        }
        this.#pending = this.#native.fetch().then(
          (outcome) => {
            done()
            if (outcome.error) throw errorFrom(outcome.error, false)
            return this.#remember(outcome.token).token
          },
          (error) => {
            done()
            throw internalError(error)
          },
        )
      }
      return this.#pending
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

  /** What the source has done so far. */
  stats() {
    const stats = this.#native.stats()
    return { ...stats, lastError: stats.lastError ?? null }
  }

  /**
   * `fetch()` with `Authorization: Bearer <token>`. When the server answers 401,
   * drops that token and sends the request once more with a fresh one.
   */
  async fetch(input, init) {
    const request = new Request(input, init)
    const spare = request.clone() // the body, teed, for a retry
    const token = await this.token()
    request.headers.set('authorization', token.authorizationHeader)
    const response = await fetch(request)
    if (response.status !== 401) {
      await spare.body?.cancel()
      return response
    }
    this.invalidate(token)
    const fresh = await this.token()
    spare.headers.set('authorization', fresh.authorizationHeader)
    await response.body?.cancel()
    return fetch(spare)
  }

  /**
   * `headers` with `Authorization: Bearer <token>` set, for axios, undici and
   * friends: a `Headers` object is updated; a plain object is copied.
   */
  async authorize(headers = {}) {
    const token = await this.token()
    if (typeof Headers !== 'undefined' && headers instanceof Headers) {
      headers.set('authorization', token.authorizationHeader)
      return headers
    }
    const copy = {}
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() !== 'authorization') copy[name] = value
    }
    copy.authorization = token.authorizationHeader
    return copy
  }

  [inspect.custom]() {
    return `TokenSource(${this.#native.describe()})`
  }
}

module.exports = { AccessToken, M2MAuthError, TokenSource, version: native.version() }
