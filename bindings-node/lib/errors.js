'use strict'
// Errors: every failure is an M2MAuthError with a stable `code` (the core's
// error table, in UPPER_CASE) and, where the IdP said something, its words.
// Messages come from the core and never contain a secret.

/** Every m2mauth error: a stable `code`, the IdP's words where it sent some, never a secret. */
class M2MAuthError extends Error {
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'M2MAuthError'
    /** `CONFIG`, `INVALID_CLIENT`, `RATE_LIMITED`, `TIMEOUT`, `TOKEN_EXPIRED`, … */
    this.code = details.code || 'INTERNAL'
    /** `config`, `refused`, `transient`, `malformed`, `invalid_token` or `internal`. */
    this.family = details.family || 'internal'
    if (details.oauthError != null) this.oauthError = details.oauthError
    if (details.description != null) this.description = details.description
    if (details.status != null) this.status = details.status
    if (details.retryAfter != null) this.retryAfter = details.retryAfter
    if (details.field != null) this.field = details.field
    if (details.detail != null) this.detail = details.detail
  }
}

/** An M2MAuthError from the addon's plain error object. */
function errorFrom(error) {
  return new M2MAuthError(error.message, { ...error, message: undefined })
}

/** A failure inside the addon itself (a caught panic, a broken installation). */
function internalError(cause) {
  return new M2MAuthError(`m2mauth: internal error: ${cause?.message ?? cause}`, { code: 'INTERNAL', cause })
}

/** The native object a `create…` call returned, or the error it returned instead. */
function created(result, NativeClass) {
  if (result instanceof NativeClass) return result
  throw errorFrom(result)
}

module.exports = { M2MAuthError, created, errorFrom, internalError }
