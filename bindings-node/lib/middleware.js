'use strict'
// HTTP glue for the Verifier: one handler for Express and Fastify, answering
// as RFC 6750 §3 says and never echoing the token.

const quoted = (text) => String(text).replace(/["\\]/g, "'")

/** The Authorization header if it carries a Bearer or DPoP token, or null. */
function credentials(header) {
  if (typeof header !== 'string') return null
  return /^\s*(bearer|dpop)\s+\S+\s*$/i.test(header) ? header : null
}

/** The URL the client used: Express (`req.protocol`, `req.get`) or Fastify (`request.protocol`, `request.host`). */
function requestUrl(request) {
  const host = typeof request.get === 'function' ? request.get('host') : (request.host ?? request.headers?.host)
  const path = request.originalUrl ?? request.url ?? '/'
  return `${request.protocol ?? 'http'}://${host}${path}`
}

/** What to answer for a refused request: status, headers, JSON body. */
function refusal(error, authorization = '') {
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
  const dpopScheme = /^\s*dpop\s/i.test(authorization)
  if (error.code === 'DPOP_PROOF' || (dpopScheme && error.family === 'invalid_token')) {
    // RFC 9449 §7.1: the DPoP scheme's own challenge.
    const code = error.code === 'DPOP_PROOF' ? 'invalid_dpop_proof' : 'invalid_token'
    return {
      status: 401,
      headers: { 'www-authenticate': `DPoP error="${code}", error_description="${quoted(error.message)}", algs="ES256 EdDSA RS256 PS256 ES384"` },
      body: { error: code, error_description: error.message },
    }
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
    const authorization = credentials(request.headers?.authorization)
    if (authorization === null) {
      send(response, refusal(null))
      return
    }
    const dpop = request.headers?.dpop ?? null
    verifier.verifyRequest({ authorization, dpop, method: request.method, url: requestUrl(request) }, { scopes: required }).then(
      (claims) => {
        request.auth = claims
        next()
      },
      (error) => send(response, refusal(error, authorization)),
    )
  }
}

module.exports = { middleware, credentials }
