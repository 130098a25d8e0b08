export * from './index.js'
declare const m2mauth: typeof import('./index.js')
export default m2mauth
