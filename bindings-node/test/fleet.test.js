'use strict'
// The fleet cache from Node: sources and processes sharing one token
// request through a real redis-server (started here, stopped by PID).
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, execFile } = require('node:child_process')
const net = require('node:net')
const { promisify } = require('node:util')
const { TokenSource } = require('m2mauth')
const { TestIssuer } = require('m2mauth/testing')
const { sleep } = require('./helpers.js')

const KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='

async function freePort() {
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
    socket.on('data', (data) => { socket.destroy(); resolve(data.toString().startsWith('+PONG')) })
    socket.on('error', () => resolve(false))
  })
}

async function startRedis() {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  for (let i = 0; i < 500; i++) {
    if (await ping(port)) return { url: `redis://127.0.0.1:${port}/0`, stop: () => child.kill('SIGKILL') }
    await sleep(20)
  }
  child.kill('SIGKILL')
  throw new Error('redis-server did not start (apt-get install redis-server; scripts/setup.sh does)')
}

test('sources and processes share one token request', async () => {
  const redis = await startRedis()
  const issuer = new TestIssuer({ latencyMs: 300 })
  try {
    const options = { cacheUrl: redis.url, cacheEncryptionKey: KEY }
    const script = `const { TokenSource } = require('m2mauth'); TokenSource.fromEnv().token().then((t) => console.log(t.accessToken))`
    const env = { ...process.env, M2MAUTH_TOKEN_URL: issuer.tokenUrl, M2MAUTH_CLIENT_ID: issuer.clientId, M2MAUTH_CLIENT_SECRET: issuer.clientSecret, M2MAUTH_CACHE_URL: redis.url, M2MAUTH_CACHE_ENCRYPTION_KEY: KEY }
    const run = promisify(execFile)
    const children = [0, 1].map(() => run(process.execPath, ['-e', script], { env, cwd: __dirname }))
    const sources = [0, 1, 2].map(() => issuer.tokenSource(options))
    const local = await Promise.all(sources.flatMap((s) => [s.token(), s.token()]))
    const remote = (await Promise.all(children)).map((r) => r.stdout.trim())
    const tokens = new Set([...local.map((t) => t.accessToken), ...remote])
    assert.equal(tokens.size, 1)
    assert.equal(issuer.requestsServed, 1, 'one request for three sources and two processes')
    assert.ok(sources.reduce((n, s) => n + s.stats().l2Hits, 0) >= 2)
  } finally {
    issuer.close()
    redis.stop()
  }
})

test('Redis down is not the caller\'s problem; a missing key names the option', async () => {
  const redis = await startRedis()
  redis.stop()
  const issuer = new TestIssuer()
  try {
    const source = issuer.tokenSource({ cacheUrl: redis.url, cacheEncryptionKey: KEY })
    assert.ok((await source.token()).accessToken)
    assert.ok(source.stats().l2Errors >= 1)
    assert.throws(() => issuer.tokenSource({ cacheUrl: redis.url }), (e) => e.code === 'CONFIG' && e.field === 'cacheEncryptionKey')
  } finally {
    issuer.close()
  }
})

test('TokenSource from the shared JSON form takes the fleet options too', () => {
  const source = TokenSource.fromConfig({ token_url: 'https://idp.example/t', client_id: 'a', client_secret: 'b', cache_url: 'redis://127.0.0.1:1/0', cache_encryption_key: KEY })
  assert.ok(source)
})
