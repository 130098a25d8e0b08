#!/usr/bin/env bash
# Installs what `make test` needs on a fresh machine, idempotently.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '== %s\n' "$*"; }

step "oidc-provider (interop IdP, pinned in tests/interop/oidc-provider)"
if [ ! -d tests/interop/oidc-provider/node_modules/oidc-provider ]; then
  npm ci --prefix tests/interop/oidc-provider --no-audit --no-fund --loglevel=error
fi
