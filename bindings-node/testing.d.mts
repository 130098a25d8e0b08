export * from './testing.js'
declare const testing: typeof import('./testing.js')
export default testing
