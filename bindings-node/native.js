'use strict'
// Loads the native addon for this platform (internal; use index.js).
const { join } = require('node:path')

function libc() {
  if (process.platform !== 'linux') return ''
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
  return report?.header?.glibcVersionRuntime ? '-gnu' : '-musl'
}

/** The addon's file name for this platform, as `napi build --platform` names it. */
function addonFile() {
  return `m2mauth.${process.platform}-${process.arch}${libc()}.node`
}

function load() {
  const path = process.env.M2MAUTH_NATIVE_LIBRARY_PATH || join(__dirname, addonFile())
  try {
    return require(path)
  } catch (error) {
    const message = `m2mauth: cannot load its native addon ${path} (${error.message}); ` +
      'run `npm run build` (or `node scripts/build-native.js`) in the package with a Rust toolchain'
    throw Object.assign(new Error(message, { cause: error }), { code: 'INTERNAL' })
  }
}

module.exports = { addonFile, load }
