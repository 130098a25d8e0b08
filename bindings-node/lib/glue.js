'use strict'
// HTTP glue: `fetch` with the token (and a DPoP proof for DPoP tokens), one
// retry after a 401, and `authorize(headers)` for axios, undici and friends.
const { TokenSource } = require('./source.js')

/** Sets `authorization` (and `dpop` for a DPoP token) on `headers` for `method url`. */
function authorizeRequest(source, headers, token, method, url) {
  headers.set('authorization', token.authorizationHeader)
  const proof = token.tokenType === 'DPoP' ? source.dpopProof(method, url, token.accessToken) : null
  if (proof === null) headers.delete('dpop')
  else headers.set('dpop', proof)
}

/**
 * `fetch()` with `Authorization: Bearer <token>` (for a DPoP source,
 * `Authorization: DPoP <token>` and a `DPoP` proof). When the server answers
 * 401, sends the request once more: with a new proof when it asked for a DPoP
 * nonce, else with a fresh token.
 */
TokenSource.prototype.fetch = async function fetchWithToken(input, init) {
  const request = new Request(input, init)
  const spare = request.clone() // the body, teed, for a retry
  const token = await this.token()
  authorizeRequest(this, request.headers, token, request.method, request.url)
  const response = await fetch(request)
  const nonce = response.headers.get('dpop-nonce')
  const challenged = this.acceptDpopChallenge(request.url, response.status, response.headers.get('www-authenticate'), nonce)
  if (nonce !== null && !challenged && token.tokenType === 'DPoP') this.recordDpopNonce(request.url, nonce)
  if (response.status !== 401) {
    await spare.body?.cancel()
    return response
  }
  let retryWith = token
  if (!challenged) {
    this.invalidate(token)
    retryWith = await this.token()
  }
  authorizeRequest(this, spare.headers, retryWith, spare.method, spare.url)
  await response.body?.cancel()
  return fetch(spare)
}

/**
 * `headers` with `Authorization: Bearer <token>` set: a `Headers` object is
 * updated; a plain object is copied. For a DPoP source, pass the request's
 * `method` and `url` in `request` to get its `DPoP` proof too.
 */
TokenSource.prototype.authorize = async function authorize(headers = {}, request = {}) {
  const token = await this.token()
  const proof =
    token.tokenType === 'DPoP' && typeof request.url === 'string'
      ? this.dpopProof(request.method ?? 'GET', request.url, token.accessToken)
      : null
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    headers.set('authorization', token.authorizationHeader)
    if (proof !== null) headers.set('dpop', proof)
    return headers
  }
  const copy = {}
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (lower !== 'authorization' && lower !== 'dpop') copy[name] = value
  }
  copy.authorization = token.authorizationHeader
  if (proof !== null) copy.dpop = proof
  return copy
}

module.exports = { TokenSource }
