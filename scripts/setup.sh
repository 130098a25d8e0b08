#!/usr/bin/env bash
# Installs what `make test` needs on a fresh machine, idempotently.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '== %s\n' "$*"; }

step "oidc-provider (interop IdP, pinned in tests/interop/oidc-provider)"
if [ ! -d tests/interop/oidc-provider/node_modules/oidc-provider ]; then
  npm ci --prefix tests/interop/oidc-provider --no-audit --no-fund --loglevel=error
fi

step "Mono (C# compiler and runtime) and valgrind for the C ABI tests, redis-server for the fleet cache tests (Debian)"
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v mcs >/dev/null || missing+=(mono-mcs)
command -v mono >/dev/null || missing+=(mono-runtime)
[ -e /usr/lib/mono/4.5/System.Net.Http.dll ] || missing+=(libmono-system-net-http4.0-cil)
command -v valgrind >/dev/null || missing+=(valgrind)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "Go modules (golang.org/x/oauth2) for bindings-ffi/go"
(cd bindings-ffi/go && go mod download)
