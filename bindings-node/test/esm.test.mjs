// The package works as an ES module too (one instance shared with CommonJS).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import m2mauth, { TokenSource, M2MAuthError } from 'm2mauth'
import { TestIssuer } from 'm2mauth/testing'

const require = createRequire(import.meta.url)

test('ESM import gives the same classes as require', async () => {
  assert.equal(TokenSource, require('m2mauth').TokenSource)
  assert.equal(m2mauth.M2MAuthError, M2MAuthError)
  const issuer = new TestIssuer()
  try {
    const token = await issuer.tokenSource().token()
    assert.equal(token.tokenType, 'Bearer')
  } finally {
    issuer.close()
  }
})
