'use strict'
// HTTP glue for the Verifier: one handler for Express and Fastify, answering
// as RFC 6750 §3 says and never echoing the token.

const quoted = (text) => String(text).replace(/["\\]/g, "'")

/** The token of an `Authorization: Bearer …` header, or null. */
function bearerToken(header) {
  if (typeof header !== 'string') return null
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header)
  return match ? match[1] : null
}

/** What to answer for a refused request: status, headers, JSON body. */
function refusal(error) {
  if (error === null) {
    return { status: 401, headers: { 'www-authenticate': 'Bearer realm="api"' }, body: { error: 'invalid_request' } }
  }
  if (error.code === 'INSUFFICIENT_SCOPE') {
    const scope = error.detail ?? ''
    return {
      status: 403,
      headers: { 'www-authenticate': `Bearer realm="api", error="insufficient_scope", scope="${quoted(scope)}"` },
      body: { error: 'insufficient_scope', scope },
    }
  }
  if (error.code === 'JWKS_UNAVAILABLE') {
    // Not the client's fault: the issuer's keys could not be had.
    return { status: 503, headers: { 'retry-after': '5' }, body: { error: 'temporarily_unavailable' } }
  }
  if (error.family === 'invalid_token') {
    return {
      status: 401,
      headers: { 'www-authenticate': `Bearer realm="api", error="invalid_token", error_description="${quoted(error.message)}"` },
      body: { error: 'invalid_token', error_description: error.message },
    }
  }
  return { status: 500, headers: {}, body: { error: 'server_error' } }
}

/** Answers `answer` through an Express `res` or a Fastify `reply`. */
function send(response, answer) {
  if (typeof response.code === 'function' && typeof response.header === 'function') {
    response.code(answer.status)
    for (const [name, value] of Object.entries(answer.headers)) response.header(name, value)
    response.send(answer.body)
    return
  }
  response.status(answer.status)
  for (const [name, value] of Object.entries(answer.headers)) response.set(name, value)
  response.json(answer.body)
}

function middleware(verifier, scopes) {
  const required = [...scopes]
  return function m2mauthRequireToken(request, response, next) {
    const token = bearerToken(request.headers?.authorization)
    if (token === null) {
      send(response, refusal(null))
      return
    }
    verifier.verify(token, { scopes: required }).then(
      (claims) => {
        request.auth = claims
        next()
      },
      (error) => send(response, refusal(error)),
    )
  }
}

module.exports = { middleware, bearerToken }
