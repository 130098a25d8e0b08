#!/usr/bin/env bash
# Tests every consumer of the C ABI against the debug build of the workspace:
# C (then again under valgrind), Go (cgo, static library) and C# (Mono, P/Invoke).
# Each runner prints its own summary. Expects `cargo build -p m2mauth-ffi -p m2mauth-cli`.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
# Absolute, so that it holds in every directory below (CARGO_TARGET_DIR may be either).
lib="$(cd "$target/debug" && pwd)"
vectors=tests/vectors/exchange
issuer_pid=""
stop_issuer() {
  if [ -n "$issuer_pid" ]; then
    kill "$issuer_pid" 2>/dev/null || true
    wait "$issuer_pid" 2>/dev/null || true
    issuer_pid=""
  fi
}
trap stop_issuer EXIT

echo "== C: bindings-ffi/tests/c against the static library"
mkdir -p "$target/c-tests"
cc -std=c11 -Wall -Wextra -Werror -O1 -g -I bindings-ffi/include \
  bindings-ffi/tests/c/test_m2mauth.c "$lib/libm2mauth.a" -lpthread -ldl -lm -o "$target/c-tests/test_m2mauth"
coproc ISSUER { exec "$lib/m2mauth" issuer --json; }
issuer_pid=$ISSUER_PID
read -r line <&"${ISSUER[0]}"
issuer=$(sed -E 's/.*"issuer":"([^"]+)".*/\1/' <<<"$line")
timeout 120 "$target/c-tests/test_m2mauth" "$issuer" "$vectors" all

echo "== C under valgrind: create/get/free cycles, threads, errors (no error, no leak)"
timeout 300 valgrind -q --leak-check=full --errors-for-leak-kinds=definite,possible --error-exitcode=1 \
  "$target/c-tests/test_m2mauth" "$issuer" "$vectors" leaks
stop_issuer

echo "== Go: bindings-ffi/go (go test)"
mkdir -p bindings-ffi/go/lib
cp "$lib/libm2mauth.a" bindings-ffi/go/lib/
(cd bindings-ffi/go && M2MAUTH_BIN="$lib/m2mauth" timeout 300 go test -count=1 ./...)

echo "== C#: bindings-ffi/dotnet on Mono"
mkdir -p "$target/dotnet"
mcs -langversion:7.2 -target:library -nowarn:1591 -warnaserror -out:"$target/dotnet/M2MAuth.dll" \
  -r:System.Net.Http.dll bindings-ffi/dotnet/src/*.cs
mcs -langversion:7.2 -warnaserror -out:"$target/dotnet/M2MAuth.Tests.exe" -r:"$target/dotnet/M2MAuth.dll" \
  -r:System.Net.Http.dll bindings-ffi/dotnet/tests/*.cs
LD_LIBRARY_PATH="$lib" MONO_PATH="$target/dotnet" timeout 300 mono "$target/dotnet/M2MAuth.Tests.exe" "$lib/m2mauth" "$vectors"
