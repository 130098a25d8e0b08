'use strict'
// AccessToken: what token() resolves to. The token's text is a plain
// (non-enumerable) property, so reading it costs what reading any property
// costs; JSON.stringify and util.inspect never show it.
const { inspect } = require('node:util')

const hidden = (value) => ({ value, enumerable: false, writable: false, configurable: false })

/** An access token. `JSON.stringify` and `util.inspect` never show the token itself. */
class AccessToken {
  constructor(token) {
    Object.defineProperties(this, {
      /** The access token itself. */
      accessToken: hidden(token.accessToken),
      /** `Bearer <token>` (or `DPoP <token>`), for an Authorization header. */
      authorizationHeader: hidden(`${token.tokenType} ${token.accessToken}`),
    })
    /** The token type, normally `Bearer`. */
    this.tokenType = token.tokenType
    /** When the IdP says the token expires. */
    this.expiresAt = new Date(token.expiresAtMs)
    /** The scopes granted. */
    this.scopes = Object.freeze([...token.scopes])
    Object.freeze(this)
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

module.exports = { AccessToken }
