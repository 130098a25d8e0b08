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
const { M2MAuthError } = require('./lib/errors.js')
const { AccessToken } = require('./lib/token.js')
const { TokenSource } = require('./lib/glue.js')
const { native } = require('./lib/source.js')
const { Verifier } = require('./lib/verifier.js')

module.exports = { AccessToken, M2MAuthError, TokenSource, Verifier, version: native.version() }
