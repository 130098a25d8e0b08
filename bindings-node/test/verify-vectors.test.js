'use strict'
// The shared verification vectors (tests/vectors/verify) through Verifier.fromConfig:
// each token gives the vector's claims or its exact error code. Vectors that depend on
// a fixed clock (leeway edges) are replayed by the Rust suite only, excluded by name here.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { readdirSync, readFileSync } = require('node:fs')
const { join } = require('node:path')
const { Verifier, M2MAuthError } = require('m2mauth')

const folder = join(__dirname, '..', '..', 'tests', 'vectors', 'verify')
const all = readdirSync(folder)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ name: f.replace(/\.json$/, ''), ...JSON.parse(readFileSync(join(folder, f), 'utf8')) }))
const clockFree = all.filter((v) => v.clock_free)

test('the vectors are there', () => {
  assert.ok(all.length >= 35 && clockFree.length >= 30, `${all.length} vectors`)
})

for (const vector of clockFree) {
  test(`verify vector ${vector.name}`, async () => {
    const verifier = Verifier.fromConfig(vector.options)
    if (vector.expect.error !== undefined) {
      await assert.rejects(verifier.verify(vector.token), (error) => {
        assert.ok(error instanceof M2MAuthError, String(error))
        assert.equal(error.code, vector.expect.error.toUpperCase(), error.message)
        assert.ok(!error.message.includes(vector.token), 'the token is never echoed')
        return true
      })
    } else {
      const claims = await verifier.verify(vector.token)
      for (const [name, value] of Object.entries(vector.expect.claims)) assert.deepEqual(claims[name], value, name)
    }
  })
}
