'use strict'
// Canaries: a unique secret and key through every error path, with an IdP that echoes the
// request back. No form of the secret the SDK sends (raw, form-urlencoded, percent-encoded,
// the base64 Basic pair, JSON-escaped) and no slice of the key may appear in an error's
// message, stack, util.inspect or JSON, nor in the inspect/JSON of a source or token.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { readFileSync } = require('node:fs')
const { join } = require('node:path')
const { inspect } = require('node:util')
const { M2MAuthError } = require('m2mauth')
const { TestIssuer } = require('m2mauth/testing')
const { KEYS } = require('./helpers.js')

const SECRET = 'canary-s3cret/+=&%'

function forms(clientId, secret) {
  const plus = (s) => encodeURIComponent(s).replace(/%20/g, '+')
  return [
    secret,
    plus(secret),
    encodeURIComponent(secret),
    Buffer.from(`${plus(clientId)}:${plus(secret)}`).toString('base64'),
    JSON.stringify(secret).slice(1, -1),
  ]
}

function shown(value) {
  const texts = [inspect(value, { depth: 5, showHidden: true }), JSON.stringify(value) ?? '']
  if (value instanceof Error) texts.push(value.message, value.stack ?? '', String(value))
  return texts
}

async function fault(issuer, spec) {
  const response = await fetch(`${issuer.issuer}/_testkit/fault`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  })
  assert.equal(response.status, 200)
}

async function refusal(promise) {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof M2MAuthError, String(error))
    return error
  }
  assert.fail('no error')
}

test('no canary escapes from any error path', async () => {
  const issuer = new TestIssuer({ clientSecret: SECRET })
  try {
    const seen = []
    let source = issuer.tokenSource({ timeoutMs: 2000, retries: 0 })
    const token = await source.token()
    seen.push(...shown(source), ...shown(token), ...shown(source.stats()))
    const basic = forms(issuer.clientId, SECRET)[3]
    const specs = [
      { echo: true },
      { status: 401, body: JSON.stringify({ error: 'invalid_client', error_description: SECRET }) },
      { status: 400, body: JSON.stringify({ error: 'invalid_request', error_description: basic }) },
      { status: 503, retry_after: '1' },
      { status: 200, body: `not json ${SECRET}` },
      { hang: true },
    ]
    for (const spec of specs) {
      source = issuer.tokenSource({ timeoutMs: 2000, retries: 0 })
      await fault(issuer, spec)
      seen.push(...shown(await refusal(source.token())))
      issuer.clearFaults()
    }
    const wrong = issuer.tokenSource({ clientSecret: `${SECRET}-wrong`, timeoutMs: 2000, retries: 0 })
    const refused = await refusal(wrong.token())
    assert.equal(refused.code, 'INVALID_CLIENT')
    seen.push(...shown(refused), ...shown(wrong))
    assert.ok(seen.some((text) => text.includes('invalid_client')), 'the error paths really ran')
    const leaks = seen.flatMap((text) => forms(issuer.clientId, SECRET).filter((form) => text.includes(form)))
    assert.deepEqual(leaks, [])
  } finally {
    issuer.close()
  }
})

test('no key material in errors or inspect output', async () => {
  const pem = readFileSync(join(KEYS, 'rsa-2048.pem'), 'utf8')
  const body = pem.split('\n').filter((line) => !line.startsWith('-----')).join('')
  const canaries = [body.slice(40, 80), body.slice(-80, -40)]
  const issuer = new TestIssuer()
  try {
    const source = issuer.tokenSource({ authMethod: 'private_key_jwt', privateKey: pem, clientSecret: undefined, timeoutMs: 2000, retries: 0 })
    const seen = [...shown(source), ...shown(await refusal(source.token()))]
    try {
      issuer.tokenSource({ authMethod: 'private_key_jwt', privateKey: pem.slice(0, -200), clientSecret: undefined })
      assert.fail('a broken key is refused')
    } catch (error) {
      assert.equal(error.code, 'CONFIG')
      seen.push(...shown(error))
    }
    assert.deepEqual(canaries.filter((c) => seen.some((text) => text.includes(c))), [])
  } finally {
    issuer.close()
  }
})
