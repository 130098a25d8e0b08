// Uses the typings the way applications do; `tsc --noEmit --strict` checks it.
import { TokenSource, M2MAuthError, type AccessToken, type Stats, type ErrorCode } from 'm2mauth'
import { TestIssuer } from 'm2mauth/testing'

async function main(): Promise<void> {
  const issuer = new TestIssuer({ tokenLifetimeMs: 60_000 })
  const source = new TokenSource({
    tokenUrl: issuer.tokenUrl,
    clientId: issuer.clientId,
    clientSecret: issuer.clientSecret,
    scopes: ['read'],
    timeoutMs: 5_000,
    authMethod: 'client_secret_post',
  })
  const token: AccessToken = await source.token()
  const when: Date = token.expiresAt
  const scopes: readonly string[] = token.scopes
  const header: string = await source.authorizationHeader()
  const response: Response = await source.fetch(issuer.apiUrl, { method: 'GET' })
  const headers: Record<string, string> = await source.authorize({ accept: 'application/json' })
  const real: Headers = await source.authorize(new Headers())
  const stats: Stats = source.stats()
  try {
    TokenSource.fromEnv('NOT_SET')
  } catch (error) {
    if (error instanceof M2MAuthError) {
      const code: ErrorCode = error.code
      const field: string | undefined = error.field
      console.log(code, field)
    }
  }
  console.log(when, scopes, header, response.status, headers, real, stats.fetches, source.invalidate(token))
  issuer.close()
}

void main()
