'use strict'
// fetch() glue and authorize() against a real local API that checks the token.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { TestIssuer } = require('m2mauth/testing')

test('fetch adds the token and retries once after a 401', async () => {
  const issuer = new TestIssuer()
  try {
    const source = issuer.tokenSource()
    assert.equal((await source.fetch(issuer.apiUrl)).status, 200)
    issuer.revokeIssuedTokens()
    const response = await source.fetch(issuer.apiUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ invoice: 1 }),
    })
    assert.equal(response.status, 200)
    assert.equal((await response.json()).sub, issuer.clientId)
    assert.equal(issuer.requestsServed, 2, 'one new token after the 401')
    assert.equal(issuer.apiRequests, 3, '200, then 401 and its single retry')
  } finally {
    issuer.close()
  }
})

test('fetch returns the second 401 rather than retrying forever', async () => {
  const issuer = new TestIssuer()
  try {
    const source = issuer.tokenSource()
    issuer.failAlways(200, { body: '{"access_token":"not-a-jwt","expires_in":3600}' })
    const response = await source.fetch(issuer.apiUrl)
    assert.equal(response.status, 401)
    assert.equal(issuer.apiRequests, 2)
  } finally {
    issuer.close()
  }
})

test('authorize sets the header on Headers and on plain objects', async () => {
  const issuer = new TestIssuer()
  try {
    const source = issuer.tokenSource()
    const token = await source.token()
    const headers = await source.authorize({ accept: 'application/json', Authorization: 'stale' })
    assert.deepEqual(headers, { accept: 'application/json', authorization: token.authorizationHeader })
    const real = await source.authorize(new Headers({ accept: 'text/plain' }))
    assert.equal(real.get('authorization'), token.authorizationHeader)
    const response = await fetch(issuer.apiUrl, { headers: await source.authorize() })
    assert.equal(response.status, 200)
  } finally {
    issuer.close()
  }
})
