'use strict'
// Against an IdP someone else wrote and certified: panva's oidc-provider.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { TokenSource } = require('m2mauth')
const { startOidcProvider, sleep } = require('./helpers.js')

test('client_secret_basic via discovery, cached, one request for 1,000 callers', async () => {
  const idp = await startOidcProvider()
  try {
    const source = new TokenSource({ issuer: idp.issuer, clientId: 'basic-client', clientSecret: 'basic-secret', scopes: ['api:read'] })
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => source.token()))
    assert.equal(new Set(tokens.map((t) => t.accessToken)).size, 1)
    assert.deepEqual(tokens[0].scopes, ['api:read'])
    assert.match(tokens[0].accessToken, /^eyJ/)
    assert.equal(await idp.tokenRequests(), 1)
  } finally {
    idp.stop()
  }
})

test('client_secret_post with a resource', async () => {
  const idp = await startOidcProvider()
  try {
    const source = new TokenSource({
      tokenUrl: `${idp.issuer}/token`,
      clientId: 'post-client',
      clientSecret: 'post-secret',
      authMethod: 'client_secret_post',
      resource: 'https://api.example.test',
    })
    assert.equal((await source.token()).tokenType, 'Bearer')
    assert.equal(await idp.tokenRequests(), 1)
  } finally {
    idp.stop()
  }
})

test('refusals carry the provider codes', async () => {
  const idp = await startOidcProvider()
  try {
    const wrong = new TokenSource({ issuer: idp.issuer, clientId: 'basic-client', clientSecret: 'wrong' })
    await assert.rejects(wrong.token(), (e) => e.code === 'INVALID_CLIENT' && e.description === 'client authentication failed')
    const greedy = new TokenSource({ issuer: idp.issuer, clientId: 'basic-client', clientSecret: 'basic-secret', scopes: 'api:admin' })
    await assert.rejects(greedy.token(), (e) => e.code === 'INVALID_SCOPE')
  } finally {
    idp.stop()
  }
})

test('refresh-ahead with short-lived tokens', async () => {
  const idp = await startOidcProvider(4)
  try {
    const source = new TokenSource({ issuer: idp.issuer, clientId: 'basic-client', clientSecret: 'basic-secret' })
    const seen = new Set()
    const end = Date.now() + 9000
    while (Date.now() < end) {
      seen.add((await source.token()).accessToken)
      await sleep(20)
    }
    // Let a background refresh still on its way back land before counting.
    const settleBy = Date.now() + 5000
    while ((await idp.tokenRequests()) !== source.stats().fetches && Date.now() < settleBy) await sleep(10)
    const stats = source.stats()
    assert.ok(seen.size >= 3)
    assert.equal(stats.waits, 1, JSON.stringify(stats))
    assert.equal(await idp.tokenRequests(), stats.fetches)
  } finally {
    idp.stop()
  }
})
