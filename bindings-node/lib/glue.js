'use strict'
// HTTP glue: `fetch` with the bearer token and one retry after a 401, and
// `authorize(headers)` for axios, undici and friends.
const { TokenSource } = require('./source.js')

/**
 * `fetch()` with `Authorization: Bearer <token>`. When the server answers 401,
 * drops that token and sends the request once more with a fresh one.
 */
TokenSource.prototype.fetch = async function fetchWithToken(input, init) {
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
 * `headers` with `Authorization: Bearer <token>` set: a `Headers` object is
 * updated; a plain object is copied.
 */
TokenSource.prototype.authorize = async function authorize(headers = {}) {
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

module.exports = { TokenSource }
