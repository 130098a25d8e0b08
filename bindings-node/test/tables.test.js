'use strict'
// The binding against the core's tables (tests/vectors/options.json and
// error_codes.json): an option or an error code added to the core and not
// declared here makes these fail.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { readFileSync } = require('node:fs')
const { join } = require('node:path')
const { TokenSource, M2MAuthError } = require('..')
const { REPO } = require('./helpers.js')

const OPTIONS = JSON.parse(readFileSync(join(REPO, 'tests', 'vectors', 'options.json'), 'utf8'))
const ERRORS = JSON.parse(readFileSync(join(REPO, 'tests', 'vectors', 'error_codes.json'), 'utf8'))
const TYPES = readFileSync(join(__dirname, '..', 'index.d.ts'), 'utf8')

/** The member names of `interface name { … }` in index.d.ts, in order. */
function members(name) {
  const body = TYPES.match(new RegExp(`export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`))
  assert.ok(body, `index.d.ts declares ${name}`)
  return [...body[1].matchAll(/^ {2}(\w+)\?:/gm)].map((m) => m[1])
}

const nodeNames = (component) => OPTIONS.filter((o) => o.component === component).map((o) => o.node)

test('index.d.ts declares every option of the table, in table order', () => {
  assert.deepEqual(members('TokenSourceOptions'), nodeNames('token_source'))
  assert.deepEqual(members('VerifierOptions'), nodeNames('verifier'))
})

test('index.d.ts declares every error code of the table', () => {
  const declared = [...TYPES.match(/export type ErrorCode =([\s\S]*?)\n\n/)[1].matchAll(/'(\w+)'/g)].map((m) => m[1])
  assert.deepEqual(declared, ERRORS.codes.map((c) => c.name))
})

test('every option is accepted by its Node name, and errors use Node names', () => {
  for (const name of nodeNames('token_source')) {
    assert.throws(() => new TokenSource({ [name]: null }), (e) => {
      assert.ok(e instanceof M2MAuthError)
      assert.equal(e.code, 'CONFIG')
      assert.equal(e.field, 'tokenUrl', `${name} is known: ${e.message}`)
      return true
    })
  }
  assert.throws(() => new TokenSource({ tokenUrl: 'https://idp.example/t' }), { code: 'CONFIG', field: 'clientId' })
  assert.throws(() => new TokenSource({ client_sekret: 'x' }), (e) => e.code === 'CONFIG' && e.field === 'client_sekret' && !e.message.includes('client_secret,'))
  assert.throws(
    () => new TokenSource({ tokenUrl: 'http://idp.example/t', clientId: 'a', clientSecret: 'b' }),
    (e) => e.field === 'tokenUrl' && e.message.includes('or with allowInsecureHttp') && !e.message.includes('allow_insecure_http'),
  )
})
