'use strict'
// TokenSource against the test issuer: caching, concurrency, refresh-ahead, error codes,
// configuration, redaction. Assertions count requests; nothing asserts on timing.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { inspect } = require('node:util')
const { TokenSource, M2MAuthError, AccessToken, version } = require('m2mauth')
const { TestIssuer } = require('m2mauth/testing')
const { sleep } = require('./helpers.js')

function withIssuer(options, body) {
  return async () => {
    const issuer = new TestIssuer(options)
    try {
      await body(issuer)
    } finally {
      issuer.close()
    }
  }
}

async function rejection(promise) {
  try {
    await promise
  } catch (error) {
    return error
  }
  assert.fail('expected a rejection')
}

test('fetches once, then serves the same token from an already-resolved promise', withIssuer({}, async (issuer) => {
  const source = issuer.tokenSource({ scopes: ['read', 'write'] })
  const first = await source.token()
  const cached = source.token()
  assert.equal(cached, source.token(), 'the same promise while the token is unchanged')
  assert.equal(await cached, first)
  assert.ok(first instanceof AccessToken)
  assert.equal(issuer.requestsServed, 1)
  assert.equal(first.tokenType, 'Bearer')
  assert.deepEqual(first.scopes, ['read', 'write'])
  assert.ok(first.expiresAt instanceof Date)
  assert.ok(first.expiresIn > 3590 && first.expiresIn <= 3600)
  assert.equal(await source.authorizationHeader(), `Bearer ${first.accessToken}`)
  const stats = source.stats()
  assert.deepEqual([stats.fetches, stats.waits, stats.failures, stats.lastError], [1, 1, 0, null])
  assert.ok(stats.cacheHits >= 2)
  assert.match(version, /^\d+\.\d+\.\d+/)
}))

test('Promise.all of 1,000 cold calls makes one request', withIssuer({ latencyMs: 200 }, async (issuer) => {
  const source = issuer.tokenSource()
  const tokens = await Promise.all(Array.from({ length: 1000 }, () => source.token()))
  assert.equal(new Set(tokens.map((t) => t.accessToken)).size, 1)
  assert.equal(issuer.requestsServed, 1)
}))

test('refresh-ahead across expiry: nobody waits after the cold start', withIssuer({ tokenLifetimeMs: 4000, latencyMs: 50 }, async (issuer) => {
  const source = issuer.tokenSource()
  const seen = new Set()
  const end = Date.now() + 9000
  while (Date.now() < end) {
    const token = await source.token()
    assert.ok(token.expiresIn > 0, 'never an expired token')
    seen.add(token.accessToken)
    await sleep(20)
  }
  // A background refresh may still be on its way back (the issuer counts it
  // on arrival, the source once it lands): let it land.
  const settleBy = Date.now() + 5000
  while (issuer.requestsServed !== source.stats().fetches && Date.now() < settleBy) await sleep(10)
  const stats = source.stats()
  assert.ok(seen.size >= 3, `${seen.size} tokens`)
  assert.equal(stats.waits, 1, JSON.stringify(stats))
  assert.ok(stats.refreshes >= 2)
  assert.equal(issuer.requestsServed, stats.fetches)
}))

test('invalid_client is INVALID_CLIENT with the IdP words and no secret', withIssuer({}, async (issuer) => {
  const error = await rejection(issuer.tokenSource({ clientSecret: 'wrong-secret-value' }).token())
  assert.ok(error instanceof M2MAuthError)
  assert.equal(error.code, 'INVALID_CLIENT')
  assert.equal(error.oauthError, 'invalid_client')
  assert.equal(error.description, 'client authentication failed')
  assert.equal(error.status, 401)
  assert.ok(!error.message.includes('wrong-secret-value'))
  assert.ok(!inspect(error).includes('wrong-secret-value'))
  assert.ok(!JSON.stringify(error).includes('wrong-secret-value'))
}))

test('a 429 with Retry-After is RATE_LIMITED with retryAfter', withIssuer({}, async (issuer) => {
  issuer.failNext(429, { retryAfter: 120, body: '{"error":"slow_down"}' })
  const error = await rejection(issuer.tokenSource().token())
  assert.equal(error.code, 'RATE_LIMITED')
  assert.equal(error.retryAfter, 120)
}))

test('a malformed body is MALFORMED_RESPONSE', withIssuer({}, async (issuer) => {
  issuer.failNext(200, { body: '<html>sign in</html>', contentType: 'text/html' })
  const error = await rejection(issuer.tokenSource().token())
  assert.equal(error.code, 'MALFORMED_RESPONSE')
  assert.match(error.message, /not JSON/)
}))

test('a hanging IdP is TIMEOUT, and the event loop keeps turning meanwhile', withIssuer({}, async (issuer) => {
  issuer.hangNext()
  let ticks = 0
  const timer = setInterval(() => ticks++, 10)
  const error = await rejection(issuer.tokenSource({ timeoutMs: 500 }).token())
  clearInterval(timer)
  assert.equal(error.code, 'TIMEOUT')
  assert.ok(ticks >= 10, `the interval fired ${ticks} times while waiting`)
}))

test('the event loop stays responsive while a slow IdP is waited on', withIssuer({ latencyMs: 1000 }, async (issuer) => {
  let ticks = 0
  const timer = setInterval(() => ticks++, 10)
  await issuer.tokenSource().token()
  clearInterval(timer)
  assert.ok(ticks >= 20, `the interval fired ${ticks} times during a 1 s fetch`)
}))

test('invalidate drops that token once', withIssuer({}, async (issuer) => {
  const source = issuer.tokenSource()
  const first = await source.token()
  assert.equal(source.invalidate(first), true)
  assert.equal(source.invalidate(first), false)
  const second = await source.token()
  assert.notEqual(second.accessToken, first.accessToken)
  assert.equal(source.invalidate(second.accessToken), true, 'the text works too')
  assert.equal(issuer.requestsServed, 2)
}))

test('construction errors name the option', withIssuer({}, async (issuer) => {
  const configError = (options) => {
    try {
      new TokenSource(options)
    } catch (error) {
      return error
    }
    assert.fail('expected a CONFIG error')
  }
  let error = configError({ clientId: 'a', clientSecret: 'b' })
  assert.deepEqual([error.code, error.field], ['CONFIG', 'tokenUrl'])
  assert.match(error.message, /tokenUrl is required/)
  error = configError({ tokenUrl: 'http://idp.example.com/t', clientId: 'a', clientSecret: 'b' })
  assert.equal(error.field, 'tokenUrl')
  assert.match(error.message, /https/)
  error = configError({ tokenUrl: issuer.tokenUrl, clientId: 'a', clientSecret: 'b', clientSekret: 'x' })
  assert.equal(error.field, 'clientSekret')
  error = configError({ tokenUrl: issuer.tokenUrl, clientId: 'a', clientSecret: 'b', timeoutMs: 'soon' })
  assert.equal(error.field, 'timeoutMs')
  error = configError({ tokenUrl: issuer.tokenUrl, clientId: 'a', clientSecret: 'b', scopes: ['bad"quote'] })
  assert.equal(error.field, 'scopes')
  assert.throws(() => new TokenSource(), TypeError)
}))

test('fromEnv reads prefixed variables and names a bad one', withIssuer({}, async (issuer) => {
  const saved = { ...process.env }
  try {
    Object.assign(process.env, {
      SSOJET_TOKEN_URL: issuer.tokenUrl,
      SSOJET_CLIENT_ID: issuer.clientId,
      SSOJET_CLIENT_SECRET: issuer.clientSecret,
      SSOJET_API_AUDIENCE: 'https://api.example.com',
    })
    await TokenSource.fromEnv('SSOJET').token()
    assert.match(issuer.recordedRequests()[0].body, /audience=https%3A%2F%2Fapi.example.com/)
    process.env.SSOJET_TIMEOUT = 'soon'
    assert.throws(() => TokenSource.fromEnv('SSOJET'), (e) => e.code === 'CONFIG' && e.field === 'SSOJET_TIMEOUT')
  } finally {
    process.env = saved
  }
}))

test('no secret in inspect, JSON, spread or the source', withIssuer({}, async (issuer) => {
  const source = issuer.tokenSource()
  const token = await source.token()
  for (const shown of [inspect(token), JSON.stringify(token), JSON.stringify({ ...token }), inspect(source), String(token)]) {
    assert.ok(!shown.includes(token.accessToken), shown)
    assert.ok(!shown.includes(issuer.clientSecret), shown)
  }
  assert.match(inspect(token), /redacted/)
}))

test('a Rust panic becomes a JavaScript error, not an abort', () => {
  const native = require('../native.js').load()
  assert.throws(() => native.panicForTests('boom'), /boom/)
})

test('the raw cached path rejects foreign values instead of crashing', () => {
  const native = require('../native.js').load()
  const cachedTokenId = native.cachedTokenIdFunction()
  for (const foreign of [undefined, null, {}, 42, 'handle', new native.NativeTestIssuer()]) {
    assert.throws(() => cachedTokenId(foreign), TypeError)
  }
})
