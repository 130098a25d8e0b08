'use strict'
// Verifier: tokens of every algorithm, forged and broken ones by the code of the
// rule they break, the JWKS cache's promises, introspection and revocation.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { Verifier, M2MAuthError } = require('..')
const { TestIssuer } = require('../testing')

const API = 'https://api.example.com'
const now = () => Math.floor(Date.now() / 1000)

function good(issuer, changes = {}) {
  const claims = { iss: issuer.issuer, aud: API, sub: 'svc', client_id: 'svc', iat: now(), exp: now() + 600, scope: 'read write', stt: 1 }
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete claims[name]
    else claims[name] = value
  }
  return claims
}

async function codeOf(verifier, token) {
  try {
    await verifier.verify(token)
  } catch (error) {
    assert.ok(error instanceof M2MAuthError)
    assert.ok(!error.message.includes(token), 'the token is never shown')
    return error.code
  }
  assert.fail('accepted')
}

test('tokens of every algorithm verify; claims are a frozen object', async () => {
  const issuer = new TestIssuer()
  try {
    const verifier = issuer.verifier({ audience: API })
    for (const alg of ['EdDSA', 'ES256', 'RS256', 'PS256']) {
      const claims = await verifier.verify(issuer.mint(good(issuer), { alg }))
      assert.equal(claims.sub, 'svc')
      assert.ok(Object.isFrozen(claims))
    }
    assert.equal(issuer.jwksRequests, 1)
  } finally {
    issuer.close()
  }
})

test('forged and broken tokens get the code of the rule they break', async () => {
  const issuer = new TestIssuer()
  try {
    const verifier = issuer.verifier({ audience: [API], requiredClaims: { stt: 1 } })
    const cases = [
      ['alg none', issuer.mint(good(issuer), { algHeader: 'none', unsigned: true }), 'TOKEN_ALGORITHM'],
      ['HS256 with the public key', issuer.mint(good(issuer), { algHeader: 'HS256' }), 'TOKEN_ALGORITHM'],
      ['a forged kid', issuer.mint(good(issuer), { forged: true }), 'TOKEN_UNKNOWN_KEY'],
      ['expired', issuer.mint(good(issuer, { exp: now() - 120 })), 'TOKEN_EXPIRED'],
      ['not yet valid', issuer.mint(good(issuer, { nbf: now() + 600 })), 'TOKEN_NOT_YET_VALID'],
      ['exp as a string', issuer.mint(good(issuer, { exp: String(now() + 600) })), 'TOKEN_CLAIM'],
      ['no aud', issuer.mint(good(issuer, { aud: undefined })), 'TOKEN_AUDIENCE'],
      ['another issuer', issuer.mint(good(issuer, { iss: 'https://evil.example' })), 'TOKEN_ISSUER'],
      ['an ID token', issuer.mint(good(issuer), { typ: 'id_token+jwt' }), 'TOKEN_TYPE'],
      ['stt 2', issuer.mint(good(issuer, { stt: 2 })), 'TOKEN_CLAIM'],
      ['not a JWT', 'opaque', 'TOKEN_MALFORMED'],
    ]
    for (const [what, token, code] of cases) assert.equal(await codeOf(verifier, token), code, what)
    const error = await verifier.verify(issuer.mint(good(issuer)), { scopes: ['admin'] }).catch((e) => e)
    assert.deepEqual([error.code, error.family, error.detail], ['INSUFFICIENT_SCOPE', 'invalid_token', 'admin'])
  } finally {
    issuer.close()
  }
})

test('a cold stampede makes one JWKS request; forged kids none; an outage is survived', async () => {
  const issuer = new TestIssuer()
  try {
    issuer.setJwksDelay(200)
    const verifier = issuer.verifier({ audience: API })
    const token = issuer.mint(good(issuer))
    const all = await Promise.all(Array.from({ length: 500 }, () => verifier.verify(token)))
    assert.ok(all.every((c) => c.sub === 'svc'))
    assert.equal(issuer.jwksRequests, 1)
    issuer.setJwksDelay(0)
    issuer.failJwks(503)
    for (let i = 0; i < 200; i++) {
      assert.equal(await codeOf(verifier, issuer.mint(good(issuer), { forged: true, kid: `forged-${i}` })), 'TOKEN_UNKNOWN_KEY')
      assert.equal((await verifier.verify(token)).sub, 'svc')
    }
    assert.ok(issuer.jwksRequests <= 2, `${issuer.jwksRequests} JWKS requests`)
    const cold = new Verifier({ jwksUrl: issuer.jwksUrl, audience: API, timeoutMs: 500 })
    assert.equal(await codeOf(cold, token), 'JWKS_UNAVAILABLE')
  } finally {
    issuer.close()
  }
})

test('opaque tokens are introspected; revocation shows', async () => {
  const issuer = new TestIssuer()
  try {
    issuer.setTokens({ format: 'opaque' })
    const source = issuer.tokenSource({ audience: API, revocationUrl: issuer.revocationUrl })
    const token = await source.token()
    const options = { audience: API, clientId: issuer.clientId, clientSecret: issuer.clientSecret }
    assert.equal((await issuer.verifier(options).verify(token.accessToken)).client_id, issuer.clientId)
    assert.equal((await issuer.verifier(options).introspect(token.accessToken)).active, true)
    await source.revoke(token)
    assert.equal(await codeOf(issuer.verifier(options), token.accessToken), 'TOKEN_INACTIVE')
    assert.deepEqual(await issuer.verifier(options).introspect(token.accessToken), { active: false })
  } finally {
    issuer.close()
  }
})

test('configuration errors name the option as Node spells it', () => {
  assert.throws(() => new Verifier({ issuer: 'https://idp.example' }), { code: 'CONFIG', field: 'audience' })
  assert.throws(() => new Verifier({ issuer: 'https://idp.example', audience: 'a', algorithms: ['none'] }), { code: 'CONFIG', field: 'algorithms' })
  assert.throws(() => new Verifier({ issuer: 'https://idp.example', audience: 'a', leewayMs: 'x' }), { code: 'CONFIG', field: 'leewayMs' })
  assert.throws(() => new Verifier({ audience: 'a' }), { code: 'CONFIG', field: 'issuer' })
})
