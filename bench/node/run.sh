#!/usr/bin/env bash
# The Node benchmarks on release builds (called by bench/run.sh node / verify).
#   bench/node/run.sh [token|verify]   (default: token)
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
what="${1:-token}"
cargo build --release --quiet -p m2mauth-node -p m2mauth-bench-napifloor
(cd bindings-node && node scripts/build-native.js >/dev/null)   # the release addon
cp "$target/release/libm2mauth_bench_napifloor.so" "$target/release/m2mauth_bench_napifloor.node"
(cd bench/node && npm install --no-audit --no-fund --loglevel=error)
if [ "$what" = verify ]; then
  node bench/node/verify.mjs
else
  NAPI_FLOOR="$PWD/$target/release/m2mauth_bench_napifloor.node" node bench/node/bench.mjs
  ls -l bindings-node/m2mauth.*.node | awk '{printf "addon: %s, %.1f MiB\n", $9, $5/1048576}'
  node -e "
  const { execFileSync } = require('node:child_process')
  const time = (code) => { const runs = []; for (let i = 0; i < 15; i++) { const s = process.hrtime.bigint(); execFileSync(process.execPath, ['-e', code], { cwd: 'bindings-node' }); runs.push(Number(process.hrtime.bigint() - s) / 1e6) } return runs.sort((a, b) => a - b)[7] }
  const base = time(''), loaded = time(\"require('./index.js')\")
  console.log(\`node -e \"require('m2mauth')\": \${loaded.toFixed(1)} ms (node alone \${base.toFixed(1)} ms, require \${(loaded - base).toFixed(1)} ms)\`)
  "
fi
node bindings-node/scripts/build-native.js --debug >/dev/null   # back to the debug addon the tests use
