'use strict'
// Builds the native addon with cargo and puts it where native.js looks for it.
//   node scripts/build-native.js [--debug] [--if-missing]
// --if-missing (the npm install hook) does nothing when the addon is already
// there, as it is in a packed tarball; otherwise it needs a Rust toolchain.
const { execFileSync } = require('node:child_process')
const { copyFileSync, existsSync } = require('node:fs')
const { join, resolve } = require('node:path')
const { addonFile } = require('../native.js')

const args = new Set(process.argv.slice(2))
const destination = join(__dirname, '..', addonFile())
if (args.has('--if-missing') && existsSync(destination)) process.exit(0)

const manifest = resolve(__dirname, '..', 'Cargo.toml')
if (!existsSync(manifest)) {
  console.error(`m2mauth: no prebuilt addon (${addonFile()}) for this platform, and no Rust sources to build one`)
  process.exit(1)
}
const profile = args.has('--debug') ? 'debug' : 'release'
const cargoArgs = ['build', '--manifest-path', manifest, '-p', 'm2mauth-node']
if (profile === 'release') cargoArgs.push('--release')
execFileSync('cargo', cargoArgs, { stdio: 'inherit' })
const metadata = JSON.parse(
  execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps', '--manifest-path', manifest], { encoding: 'utf8' })
)
const library = { linux: 'libm2mauth_node.so', darwin: 'libm2mauth_node.dylib', win32: 'm2mauth_node.dll' }[process.platform]
copyFileSync(join(metadata.target_directory, profile, library), destination)
console.log(`m2mauth: built ${destination}`)
