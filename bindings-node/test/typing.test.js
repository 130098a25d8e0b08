'use strict'
// tsc --noEmit --strict accepts a sample that uses the typings, and rejects misuse.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const { join } = require('node:path')

const tsc = join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc')

test('the typings accept real use', () => {
  const result = spawnSync(process.execPath, [tsc, '-p', join(__dirname, 'tsconfig.json')], { encoding: 'utf8' })
  assert.equal(result.status, 0, result.stdout + result.stderr)
})

test('the typings reject misuse', () => {
  const result = spawnSync(
    process.execPath,
    [tsc, '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', join(__dirname, 'typing', 'misuse.ts')],
    { encoding: 'utf8' },
  )
  assert.notEqual(result.status, 0)
  assert.match(result.stdout, /misuse\.ts\(4,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/, 'timeoutMs takes a number')
  assert.match(result.stdout, /Promise<AccessToken>/)
  assert.match(result.stdout, /'number' is not assignable to parameter of type 'string \| AccessToken'/)
})
