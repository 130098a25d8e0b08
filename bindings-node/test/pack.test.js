'use strict'
// `npm pack` makes a tarball that installs in an empty folder and works there,
// through require() and import, with the native addon for this platform.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync, spawnSync } = require('node:child_process')
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')

test('npm pack → npm install → require and import', () => {
  const work = mkdtempSync(join(tmpdir(), 'm2mauth-pack-'))
  try {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: join(__dirname, '..'), encoding: 'utf8' }))
    const files = packed[0].files.map((f) => f.path)
    assert.ok(files.some((f) => f.endsWith('.node')), `the native addon is packed: ${files}`)
    writeFileSync(join(work, 'package.json'), '{"name":"consumer","private":true}')
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(work, packed[0].filename)], { cwd: work, stdio: 'pipe' })
    const cjs = spawnSync(process.execPath, ['-e', "const m = require('m2mauth'); const t = require('m2mauth/testing'); console.log(typeof m.TokenSource, typeof t.TestIssuer)"], { cwd: work, encoding: 'utf8' })
    assert.equal(cjs.stdout.trim(), 'function function', cjs.stderr)
    const esm = spawnSync(process.execPath, ['--input-type=module', '-e', "import { TokenSource } from 'm2mauth'; console.log(typeof TokenSource)"], { cwd: work, encoding: 'utf8' })
    assert.equal(esm.stdout.trim(), 'function', esm.stderr)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
})
