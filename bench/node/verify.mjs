// Access-token verification cost and cold-start JWKS request counts, side by
// side, in one process against one local issuer (m2mauth/testing), for RS256,
// ES256 and EdDSA tokens it mints:
//   m2mauth  await new Verifier({ issuer, audience }).verify(token), JWKS cache warm
//   jose     jwtVerify(token, createLocalJWKSet(jwks), { issuer, audience, algorithms }),
//            and the same with createRemoteJWKSet (its cache warm)
//   floor    node:crypto crypto.verify() of the signature over the signing input,
//            everything decoded beforehand: no base64, no JSON, no claims
// Run it with bench/run.sh verify (release builds). Prints medians of 7 runs;
// BENCH_CALLS and BENCH_RUNS shrink them for a smoke run.
import crypto from 'node:crypto'
import { Verifier } from 'm2mauth'
import { TestIssuer } from 'm2mauth/testing'
import * as jose from 'jose'

const CALLS = Number(process.env.BENCH_CALLS ?? 5_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 7)
const STAMPEDE = 1_000
const AUDIENCE = 'https://api.example.com'
const ALGS = ['RS256', 'ES256', 'EdDSA']

async function perCall(call) {
  const samples = []
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < CALLS; i++) await call()
    samples.push(Number(process.hrtime.bigint() - start) / CALLS / 1000)
  }
  return samples.sort((a, b) => a - b)[RUNS >> 1]
}

// The bare signature check of `token` with node:crypto.
function floorFor(token, jwk, alg) {
  const [header, payload, signature] = token.split('.')
  const signingInput = Buffer.from(`${header}.${payload}`)
  const sig = Buffer.from(signature, 'base64url')
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' })
  if (alg === 'RS256') return () => crypto.verify('sha256', signingInput, key, sig)
  if (alg === 'ES256') {
    const es = { key, dsaEncoding: 'ieee-p1363' }
    return () => crypto.verify('sha256', signingInput, es, sig)
  }
  return () => crypto.verify(null, signingInput, key, sig)
}

function claims(issuer) {
  const now = Math.floor(Date.now() / 1000)
  return { iss: issuer.issuer, aud: AUDIENCE, sub: 'svc', client_id: 'svc', iat: now, exp: now + 3600, scope: 'read write' }
}

// JWKS requests (and failed calls) for STAMPEDE callers at once.
async function stampede(issuer, call) {
  const before = issuer.jwksRequests
  const results = await Promise.allSettled(Array.from({ length: STAMPEDE }, () => call()))
  return [issuer.jwksRequests - before, results.filter((r) => r.status === 'rejected').length]
}

const issuer = new TestIssuer()
try {
  const tokens = Object.fromEntries(ALGS.map((alg) => [alg, issuer.mint(claims(issuer), { alg })]))
  const jwks = await (await fetch(issuer.jwksUrl)).json()
  const byKid = new Map(jwks.keys.map((k) => [k.kid, k]))
  const verifier = new Verifier({ issuer: issuer.issuer, audience: AUDIENCE })
  const localSet = jose.createLocalJWKSet(jwks)
  const remoteSet = jose.createRemoteJWKSet(new URL(issuer.jwksUrl))

  const rows = new Map()
  const row = (name, alg, us) => {
    if (!rows.has(name)) rows.set(name, {})
    rows.get(name)[alg] = us
  }
  for (const alg of ALGS) {
    const token = tokens[alg]
    const jwk = byKid.get(jose.decodeProtectedHeader(token).kid)
    const options = { issuer: issuer.issuer, audience: AUDIENCE, algorithms: [alg] }
    const floor = floorFor(token, jwk, alg)
    const [m, local, remote] = await Promise.all([
      verifier.verify(token),
      jose.jwtVerify(token, localSet, options),
      jose.jwtVerify(token, remoteSet, options),
    ])
    if (!floor() || m.sub !== 'svc' || local.payload.sub !== 'svc' || remote.payload.sub !== 'svc') throw new Error(`${alg}: a contender refused the token`)
    row('floor: node:crypto crypto.verify() of the signing input', alg, await perCall(floor))
    row('m2mauth await verifier.verify()', alg, await perCall(() => verifier.verify(token)))
    row('jose jwtVerify + createLocalJWKSet', alg, await perCall(() => jose.jwtVerify(token, localSet, options)))
    row('jose jwtVerify + createRemoteJWKSet (cached)', alg, await perCall(() => jose.jwtVerify(token, remoteSet, options)))
  }
  const floor = rows.get('floor: node:crypto crypto.verify() of the signing input')
  console.log(`verify a JWT access token, us/verify (median of ${RUNS} x ${CALLS.toLocaleString('en')} awaited calls), issuer ${issuer.issuer}`)
  console.log(`  ${''.padEnd(58)}${ALGS.map((alg) => alg.padStart(20)).join('')}`)
  for (const [name, figures] of rows) {
    const cells = ALGS.map((alg) => ` ${figures[alg].toFixed(1).padStart(9)} us ${(figures[alg] / floor[alg]).toFixed(2).padStart(5)}x`).join('')
    console.log(`  ${name.padEnd(58)}${cells}`)
  }
  const m = rows.get('m2mauth await verifier.verify()')
  console.log(`  verifications/s, one caller: ${ALGS.map((alg) => `${alg} m2mauth ${Math.round(1e6 / m[alg]).toLocaleString('en')}`).join(', ')}`)

  // Cold starts: 1,000 callers at once on a cold verifier, a 50 ms JWKS.
  issuer.setJwksDelay(50)
  const token = tokens.RS256
  const options = { issuer: issuer.issuer, audience: AUDIENCE, algorithms: ['RS256'] }
  console.log(`JWKS requests for ${STAMPEDE.toLocaleString('en')} concurrent verifications, cold verifier, 50 ms JWKS (failures)`)
  const coldVerifier = new Verifier({ issuer: issuer.issuer, audience: AUDIENCE })
  const [mRequests, mFailed] = await stampede(issuer, () => coldVerifier.verify(token))
  console.log(`  ${'m2mauth await verifier.verify()'.padEnd(58)} ${String(mRequests).padStart(5)} (${mFailed})`)
  const coldSet = jose.createRemoteJWKSet(new URL(issuer.jwksUrl))
  const [jRequests, jFailed] = await stampede(issuer, () => jose.jwtVerify(token, coldSet, options))
  console.log(`  ${'jose jwtVerify + createRemoteJWKSet'.padEnd(58)} ${String(jRequests).padStart(5)} (${jFailed})`)
  issuer.setJwksDelay(0)
} finally {
  issuer.close()
}
