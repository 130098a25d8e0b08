// ESM entry of m2mauth/testing.
import testing from './testing.js'

export const { TestIssuer } = testing
export default testing
