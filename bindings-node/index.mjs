// ESM entry: the CommonJS module's exports (one module instance for both).
import m2mauth from './index.js'

export const { AccessToken, M2MAuthError, TokenSource, Verifier, version } = m2mauth
export default m2mauth
