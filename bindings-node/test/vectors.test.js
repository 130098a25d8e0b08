'use strict'
// Every shared conformance vector through the public Node API, judged by the issuer it armed.
const { test, after } = require('node:test')
const assert = require('node:assert/strict')
const { readdirSync, readFileSync } = require('node:fs')
const { join } = require('node:path')
const { TokenSource } = require('m2mauth')
const { TestIssuer } = require('m2mauth/testing')
const { VECTORS, outcomeLine } = require('./helpers.js')

const files = readdirSync(VECTORS).filter((f) => f.endsWith('.json')).sort()
const issuer = new TestIssuer()
after(() => issuer.close())

test('there are enough vectors', () => {
  assert.ok(files.length >= 40, `${files.length} vectors`)
})

for (const file of files) {
  const name = file.replace(/\.json$/, '')
  test(`vector ${name}`, async () => {
    const config = issuer.armVector(name, readFileSync(join(VECTORS, file), 'utf8'))
    let line
    try {
      line = outcomeLine(await TokenSource.fromConfig(config).token(), null)
    } catch (error) {
      assert.equal(error.name, 'M2MAuthError', String(error))
      line = outcomeLine(null, error)
    }
    assert.equal(issuer.judge(line), null)
  })
}
