// Cached-token cost and cold-start request counts, side by side, in one process
// against one local issuer (m2mauth/testing):
//   m2mauth        await source.token()
//   openid-client  clientCredentialsGrant() behind the smallest cache its docs leave
//                  to the user (refetch when expiresIn() < 30 s)
//   simple-oauth2  getToken() behind `if (!token || token.expired(30))`
//   floors         await of a trivial napi-rs method returning a cached string,
//                  and of a raw N-API function reading a tagged external
// Run it with bench/run.sh node (release builds). Prints medians of 7 runs.
import { createRequire } from 'node:module'
import { TokenSource } from 'm2mauth'
import { TestIssuer } from 'm2mauth/testing'
import * as client from 'openid-client'
import simpleOauth2 from 'simple-oauth2'

const require = createRequire(import.meta.url)
const { Floor, rawHandle, rawFunction } = require(process.env.NAPI_FLOOR)

const CALLS = 200_000
const RUNS = 7

async function perCall(call) {
  const samples = []
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < CALLS; i++) await call()
    samples.push(Number(process.hrtime.bigint() - start) / CALLS)
  }
  return samples.sort((a, b) => a - b)[RUNS >> 1]
}

function openidClient(issuer) {
  const config = new client.Configuration(
    { issuer: issuer.issuer, token_endpoint: issuer.tokenUrl },
    issuer.clientId,
    undefined,
    client.ClientSecretBasic(issuer.clientSecret),
  )
  client.allowInsecureRequests(config)
  let tokens
  return async () => {
    if (!tokens || tokens.expiresIn() < 30) tokens = await client.clientCredentialsGrant(config)
    return tokens.access_token
  }
}

function simpleOAuth2(issuer) {
  const cc = new simpleOauth2.ClientCredentials({
    client: { id: issuer.clientId, secret: issuer.clientSecret },
    auth: { tokenHost: issuer.issuer, tokenPath: '/oauth2/token' },
  })
  let token
  return async () => {
    if (!token || token.expired(30)) token = await cc.getToken({})
    return token.token.access_token
  }
}

async function stampede(issuer, call) {
  const before = issuer.requestsServed
  await Promise.all(Array.from({ length: 100 }, () => call()))
  return issuer.requestsServed - before
}

const issuer = new TestIssuer({ latencyMs: 50 })
try {
  const source = new TokenSource({ tokenUrl: issuer.tokenUrl, clientId: issuer.clientId, clientSecret: issuer.clientSecret })
  const oidc = openidClient(issuer)
  const simple = simpleOAuth2(issuer)
  await source.token()
  await oidc()
  await simple()
  const floor = new Floor('eyJ-a-cached-token')
  const rawGet = rawFunction()
  const handle = rawHandle(7)

  const rows = [
    ['floor: await of a napi-rs method returning a cached string', await perCall(() => floor.get())],
    ['floor: await of a raw N-API function (tagged external)', await perCall(() => rawGet(handle))],
    ['floor: await of an async closure returning a string', await perCall(async () => 'eyJ-a-cached-token')],
    ['m2mauth (await source.token()).accessToken', await perCall(async () => (await source.token()).accessToken)],
    ['openid-client clientCredentialsGrant + cache', await perCall(oidc)],
    ['simple-oauth2 getToken + expired()', await perCall(simple)],
  ]
  const floorNs = rows[0][1]
  console.log(`cached token, ns/call (median of ${RUNS} x ${CALLS.toLocaleString('en')} awaited calls), issuer ${issuer.issuer}`)
  for (const [name, ns] of rows) {
    console.log(`  ${name.padEnd(58)} ${ns.toFixed(1).padStart(8)} ns   ${(ns / floorNs).toFixed(2).padStart(5)}x floor`)
  }
  const sync = await perCall(() => { source.token() })
  console.log(`  ${'m2mauth source.token() without await'.padEnd(58)} ${sync.toFixed(1).padStart(8)} ns`)

  console.log('token requests for 100 concurrent cold callers (50 ms IdP)')
  console.log(`  ${'m2mauth'.padEnd(58)} ${String(await stampede(issuer, (() => { const s = new TokenSource({ tokenUrl: issuer.tokenUrl, clientId: issuer.clientId, clientSecret: issuer.clientSecret }); return () => s.token() })())).padStart(5)}`)
  console.log(`  ${'openid-client + cache'.padEnd(58)} ${String(await stampede(issuer, openidClient(issuer))).padStart(5)}`)
  console.log(`  ${'simple-oauth2 + expired()'.padEnd(58)} ${String(await stampede(issuer, simpleOAuth2(issuer))).padStart(5)}`)
} finally {
  issuer.close()
}
