'use strict'
// Key-based client authentication, DPoP and mTLS from Node: against the test
// issuer (which checks assertions, proofs and certificates itself) and
// against oidc-provider.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { readFileSync, writeFileSync, mkdtempSync } = require('node:fs')
const { join } = require('node:path')
const { tmpdir } = require('node:os')
const { TokenSource, M2MAuthError } = require('m2mauth')
const { TestIssuer } = require('m2mauth/testing')
const { KEYS, OIDC_PROVIDER, startOidcProvider } = require('./helpers.js')

const jwk = (name) => JSON.parse(readFileSync(join(KEYS, name), 'utf8'))

test('privateKeyJwt with a PEM file and an inline JWK', async () => {
  const issuer = new TestIssuer()
  try {
    issuer.registerClientKey(jwk('ec-p384.jwk.json'))
    issuer.registerClientKey(jwk('rsa-2048.jwk.json'))
    const fromFile = issuer.tokenSource({
      clientSecret: undefined,
      authMethod: 'private_key_jwt',
      privateKeyFile: join(KEYS, 'ec-p384-sec1.pem'),
    })
    assert.equal((await fromFile.token()).tokenType, 'Bearer')
    const inline = issuer.tokenSource({
      clientSecret: undefined,
      authMethod: 'private_key_jwt',
      privateKey: readFileSync(join(KEYS, 'rsa-2048.jwk.json'), 'utf8'),
      signingAlg: 'PS256',
    })
    await inline.token()
    const body = Buffer.from(issuer.recordedRequests()[1].body).toString()
    assert.match(body, /client_assertion=/)
    assert.doesNotMatch(body, /client_secret/)
  } finally {
    issuer.close()
  }
})

test('bad keys are CONFIG errors naming the option as Node spells it', () => {
  const pem = readFileSync(join(KEYS, 'ec-p256.pem'), 'utf8')
  assert.throws(
    () => new TokenSource({ tokenUrl: 'https://idp.example/t', clientId: 'a', authMethod: 'private_key_jwt', privateKeyFile: join(KEYS, 'rsa-1024.pem') }),
    (e) => e instanceof M2MAuthError && e.code === 'CONFIG' && e.field === 'privateKeyFile' && /2048/.test(e.message),
  )
  assert.throws(
    () => new TokenSource({ tokenUrl: 'https://idp.example/t', clientId: 'a', authMethod: 'private_key_jwt', privateKey: pem, signingAlg: 'RS256' }),
    (e) => e.field === 'signingAlg' && !e.message.includes(pem.slice(30, 70)),
  )
})

test('fetch sends DPoP proofs and answers a nonce challenge with a new proof', async () => {
  const issuer = new TestIssuer()
  try {
    issuer.requireDpopNonce(true)
    const source = issuer.tokenSource({ dpop: true })
    assert.equal((await source.fetch(issuer.apiUrl)).status, 200)
    issuer.rotateDpopNonce()
    const response = await source.fetch(issuer.apiUrl, { method: 'POST', body: 'x' })
    assert.equal(response.status, 200)
    assert.equal((await source.token()).tokenType, 'DPoP')
    assert.equal(issuer.requestsServed, 2, 'the token endpoint nonce round trip; the token was kept')
    const headers = await source.authorize({}, { method: 'GET', url: issuer.apiUrl })
    assert.match(headers.authorization, /^DPoP /)
    assert.equal(headers.dpop.split('.').length, 3)
    assert.equal(issuer.tokenSource().dpopProof('GET', issuer.apiUrl), null, 'no DPoP, no proof')
  } finally {
    issuer.close()
  }
})

test('mTLS with certificates from the HTTPS test issuer', async () => {
  const issuer = new TestIssuer({ tls: true })
  try {
    const dir = mkdtempSync(join(tmpdir(), 'm2mauth-node-mtls-'))
    writeFileSync(join(dir, 'ca.pem'), issuer.caPem)
    for (const [authMethod, selfSigned] of [['tls_client_auth', false], ['self_signed_tls_client_auth', true]]) {
      const { cert, key } = issuer.clientCertificate({ selfSigned })
      writeFileSync(join(dir, `${authMethod}.pem`), cert)
      writeFileSync(join(dir, `${authMethod}-key.pem`), key)
      const source = issuer.tokenSource({
        clientSecret: undefined,
        authMethod,
        clientCertFile: join(dir, `${authMethod}.pem`),
        clientKeyFile: join(dir, `${authMethod}-key.pem`),
        caFile: join(dir, 'ca.pem'),
      })
      assert.ok((await source.token()).accessToken)
    }
  } finally {
    issuer.close()
  }
})

test('interop: private_key_jwt, DPoP with a required nonce, mTLS', async () => {
  const idp = await startOidcProvider()
  try {
    const ec = new TokenSource({
      issuer: idp.issuer,
      clientId: 'ec-key-client',
      authMethod: 'private_key_jwt',
      privateKeyFile: join(KEYS, 'ec-p256.jwk.json'),
      resource: ['https://api.example.test'],
    })
    assert.match((await ec.token()).accessToken, /^eyJ/)
    const dpop = new TokenSource({ issuer: idp.issuer, clientId: 'dpop-client', clientSecret: 'dpop-secret', dpop: true })
    assert.equal((await dpop.token()).tokenType, 'DPoP')
    assert.equal(await idp.tokenRequests(), 3)
  } finally {
    idp.stop()
  }
  const tlsIdp = await startOidcProvider(3600, { tls: true })
  try {
    const tls = join(OIDC_PROVIDER, 'tls')
    const source = new TokenSource({
      issuer: tlsIdp.issuer,
      clientId: 'mtls-client',
      authMethod: 'tls_client_auth',
      clientCertFile: join(tls, 'mtls-client.pem'),
      clientKeyFile: join(tls, 'mtls-client-key.pem'),
      caFile: tlsIdp.caFile,
      resource: ['https://api.example.test'],
    })
    assert.ok((await source.token()).accessToken)
  } finally {
    tlsIdp.stop()
  }
})
