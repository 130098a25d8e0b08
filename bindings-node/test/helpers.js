'use strict'
// Shared by the tests: paths, the oidc-provider interop IdP, outcome lines.
const { spawn } = require('node:child_process')
const { once } = require('node:events')
const { existsSync } = require('node:fs')
const { join } = require('node:path')
const readline = require('node:readline')

const REPO = join(__dirname, '..', '..')
const VECTORS = join(REPO, 'tests', 'vectors', 'exchange')
const OIDC_PROVIDER = join(REPO, 'tests', 'interop', 'oidc-provider')
const KEYS = join(REPO, 'tests', 'vectors', 'keys')

/** panva's oidc-provider on 127.0.0.1; stop() kills it by PID. */
async function startOidcProvider(ttl = 3600, { tls = false } = {}) {
  if (!existsSync(join(OIDC_PROVIDER, 'node_modules', 'oidc-provider'))) {
    throw new Error('oidc-provider is not installed: run `npm ci --prefix tests/interop/oidc-provider`')
  }
  const child = spawn(process.execPath, [join(OIDC_PROVIDER, 'server.mjs')], {
    env: { ...process.env, PORT: '0', TTL: String(ttl), TLS: tls ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const lines = readline.createInterface({ input: child.stdout })
  const [line] = await once(lines, 'line')
  const { issuer, ca_file: caFile } = JSON.parse(line)
  return {
    issuer,
    caFile,
    async tokenRequests() {
      const response = await fetch(`${issuer}/__token_requests`)
      return (await response.json()).token_requests
    },
    stop() {
      child.kill()
    },
  }
}

/** The outcome line of the shared vector format (tests/vectors/README.md). */
function outcomeLine(token, error) {
  if (error) {
    const fields = [`error code=${error.code.toLowerCase()}`]
    if (error.status != null) fields.push(`status=${error.status}`)
    if (error.oauthError != null) fields.push(`oauth_error=${error.oauthError}`)
    if (error.retryAfter != null) fields.push(`retry_after=${Math.trunc(error.retryAfter)}`)
    if (error.field != null) fields.push(`field=${error.field}`)
    if (error.description != null) fields.push(`description=${error.description}`)
    return fields.join(' ')
  }
  const left = Math.round((token.expiresAt.getTime() - Date.now()) / 1000)
  return `token token_type=${token.tokenType} expires_in=${left} scopes=${token.scopes.join(',')} access_token=${token.accessToken}`
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

module.exports = { REPO, VECTORS, KEYS, OIDC_PROVIDER, startOidcProvider, outcomeLine, sleep }
