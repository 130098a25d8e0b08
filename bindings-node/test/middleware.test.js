'use strict'
// verifier.middleware() with the real frameworks: Express and Fastify, answering
// as RFC 6750 §3 says and never echoing the token.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('node:events')
const express = require('express')
const Fastify = require('fastify')
const { TestIssuer } = require('../testing')

const API = 'https://api.example.com'
const now = () => Math.floor(Date.now() / 1000)

function tokens(issuer) {
  const claims = { iss: issuer.issuer, aud: API, sub: 'svc', exp: now() + 600, scope: 'read' }
  return {
    good: issuer.mint(claims),
    expired: issuer.mint({ ...claims, exp: 1000 }),
    forged: issuer.mint(claims, { forged: true }),
  }
}

async function check(base, { good, expired, forged }) {
  const get = (path, token) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  let response = await get('/read', good)
  assert.equal(response.status, 200)
  assert.deepEqual(await response.json(), { sub: 'svc' })
  response = await get('/read')
  assert.equal(response.status, 401)
  assert.match(response.headers.get('www-authenticate'), /^Bearer/)
  for (const bad of [expired, forged]) {
    response = await get('/read', bad)
    assert.equal(response.status, 401)
    const challenge = response.headers.get('www-authenticate')
    assert.match(challenge, /error="invalid_token"/)
    const text = await response.text()
    assert.ok(!text.includes(bad) && !challenge.includes(bad), 'the token is never echoed')
  }
  response = await get('/admin', good)
  assert.equal(response.status, 403)
  assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="api", error="insufficient_scope", scope="admin"')
}

test('Express middleware', async () => {
  const issuer = new TestIssuer()
  const verifier = issuer.verifier({ audience: API })
  const app = express()
  app.get('/read', verifier.middleware({ scopes: ['read'] }), (req, res) => res.json({ sub: req.auth.sub }))
  app.get('/admin', verifier.middleware({ scopes: ['admin'] }), (req, res) => res.json({ sub: req.auth.sub }))
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  try {
    await check(`http://127.0.0.1:${server.address().port}`, tokens(issuer))
  } finally {
    server.close()
    issuer.close()
  }
})

test('Fastify preHandler', async () => {
  const issuer = new TestIssuer()
  const verifier = issuer.verifier({ audience: API })
  const app = Fastify()
  app.decorateRequest('auth', null)
  app.get('/read', { preHandler: verifier.middleware({ scopes: ['read'] }) }, async (request) => ({ sub: request.auth.sub }))
  app.get('/admin', { preHandler: verifier.middleware({ scopes: ['admin'] }) }, async (request) => ({ sub: request.auth.sub }))
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  try {
    await check(base, tokens(issuer))
  } finally {
    await app.close()
    issuer.close()
  }
})

/** A DPoP-bound token through `path` of `base`: with its proof, replayed, and sent as Bearer. */
async function checkDpop(base, issuer) {
  const source = issuer.tokenSource({ dpop: true, audience: API, scopes: ['read'] })
  const url = `${base}/read`
  assert.equal((await source.fetch(url)).status, 200, 'the fetch glue sends the token and its proof')
  const token = await source.token()
  const proof = source.dpopProof('GET', url, token.accessToken)
  const headers = { authorization: token.authorizationHeader, dpop: proof }
  assert.equal((await fetch(url, { headers })).status, 200)
  const replayed = await fetch(url, { headers })
  assert.equal(replayed.status, 401)
  assert.match(replayed.headers.get('www-authenticate'), /^DPoP error="invalid_dpop_proof"/)
  const bearer = await fetch(url, { headers: { authorization: `Bearer ${token.accessToken}` } })
  assert.equal(bearer.status, 401)
  assert.match(bearer.headers.get('www-authenticate'), /^DPoP/)
}

test('DPoP-bound tokens need their proof: Express and Fastify', async () => {
  const issuer = new TestIssuer()
  const verifier = issuer.verifier({ audience: API })
  const app = express()
  app.get('/read', verifier.middleware({ scopes: ['read'] }), (req, res) => res.json({ sub: req.auth.sub }))
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const fastify = Fastify()
  fastify.decorateRequest('auth', null)
  fastify.get('/read', { preHandler: verifier.middleware({ scopes: ['read'] }) }, async (request) => ({ sub: request.auth.sub }))
  const fastifyBase = await fastify.listen({ port: 0, host: '127.0.0.1' })
  try {
    await checkDpop(`http://127.0.0.1:${server.address().port}`, issuer)
    await checkDpop(fastifyBase, issuer)
  } finally {
    server.close()
    await fastify.close()
    issuer.close()
  }
})
