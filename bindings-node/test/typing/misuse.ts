// Must NOT compile: the typings catch these mistakes.
import { TokenSource } from 'm2mauth'

const source = new TokenSource({ tokenUrl: 'https://idp.example.com/t', timeoutMs: '10' })
const wrong: string = source.token()
source.invalidate(42)
