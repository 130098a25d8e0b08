'use strict'
// The addon is context-aware: it loads and works in worker_threads, and a worker
// terminated in the middle of a fetch does not take the process down.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const { once } = require('node:events')
const { Worker } = require('node:worker_threads')
const { TestIssuer } = require('m2mauth/testing')
const { sleep } = require('./helpers.js')

const fetchInWorker = (config) => `
  const { parentPort, workerData } = require('node:worker_threads')
  const { TokenSource } = require('m2mauth')
  const source = new TokenSource(workerData)
  source.token().then((t) => parentPort.postMessage(t.tokenType), (e) => parentPort.postMessage('error ' + e.code))
`

test('a worker gets a token', async () => {
  const issuer = new TestIssuer()
  try {
    const config = { tokenUrl: issuer.tokenUrl, clientId: issuer.clientId, clientSecret: issuer.clientSecret }
    const worker = new Worker(fetchInWorker(), { eval: true, workerData: config })
    const [message] = await once(worker, 'message')
    assert.equal(message, 'Bearer')
    await worker.terminate()
  } finally {
    issuer.close()
  }
})

test('terminating a worker in the middle of a fetch leaves the process working', async () => {
  const issuer = new TestIssuer({ latencyMs: 500 })
  try {
    const config = { tokenUrl: issuer.tokenUrl, clientId: issuer.clientId, clientSecret: issuer.clientSecret }
    const workers = Array.from({ length: 4 }, () => new Worker(fetchInWorker(), { eval: true, workerData: config }))
    await sleep(200) // the fetches are in flight
    await Promise.all(workers.map((w) => w.terminate()))
    await sleep(700) // the fetches complete for workers that are gone
    const token = await issuer.tokenSource().token()
    assert.equal(token.tokenType, 'Bearer')
  } finally {
    issuer.close()
  }
})

test('a process whose only user of the addon was a terminated worker exits cleanly', () => {
  // In a fresh process the addon is loaded by a worker alone; the worker is
  // terminated mid-fetch while m2mauth's threads keep running.
  const script = `
    const { Worker } = require('node:worker_threads')
    const { spawn } = require('node:child_process')
    const code = ${JSON.stringify(fetchInWorker())}
    const issuer = spawn(process.argv[1], ['issuer', '--json', '--latency-ms', '300'], { stdio: ['ignore', 'pipe', 'inherit'] })
    issuer.stdout.once('data', async (line) => {
      const { token_url } = JSON.parse(String(line))
      const worker = new Worker(code, { eval: true, workerData: { tokenUrl: token_url, clientId: 'test-client', clientSecret: 'test-secret' } })
      await new Promise((r) => setTimeout(r, 100))
      await worker.terminate()
      await new Promise((r) => setTimeout(r, 600)) // the fetch finishes after the worker is gone
      issuer.kill()
      console.log('survived')
    })
  `
  const cli = require('node:path').join(__dirname, '..', '..', 'target', 'debug', 'm2mauth')
  const result = spawnSync(process.execPath, ['-e', script, cli], { cwd: __dirname, encoding: 'utf8', timeout: 20000 })
  assert.equal(result.status, 0, result.stderr)
  assert.match(result.stdout, /survived/)
})
