#!/usr/bin/env bash
# Builds the addon (debug, from the workspace's target/), installs the dev
# tools with npm ci, and runs the Node tests (node --test).
set -euo pipefail
cd "$(dirname "$0")"
cargo build --quiet -p m2mauth-node -p m2mauth-cli
node scripts/build-native.js --debug >/dev/null
npm ci --no-audit --no-fund --loglevel=error
timeout 600 node --test test/
