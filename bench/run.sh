#!/usr/bin/env bash
# Benchmarks: figures side by side with the floor and the peers, on release
# builds. Not pass/fail, and not part of `make test`.
#   bench/run.sh [rust|c|go|python|node|verify|fleet|sizes|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
what="${1:-all}"
want() { [ "$what" = all ] || [ "$what" = "$1" ]; }
issuer_pid=""
cleanup() { if [ -n "$issuer_pid" ]; then kill "$issuer_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT

start_issuer() {  # a release test issuer on 127.0.0.1; sets $issuer
  coproc ISSUER { exec "$target/release/m2mauth" issuer --json "$@"; }
  issuer_pid=$ISSUER_PID
  local line
  read -r line <&"${ISSUER[0]}"
  issuer=$(sed -E 's/.*"issuer":"([^"]+)".*/\1/' <<<"$line")
}
stop_issuer() { cleanup; issuer_pid=""; }

go_bench() {  # go test -bench "$1" in bench/go, linked with the release libm2mauth.a
  mkdir -p bindings-ffi/go/lib
  cp "$target/release/libm2mauth.a" bindings-ffi/go/lib/
  (cd bench/go && M2MAUTH_BIN="$PWD/../../$target/release/m2mauth" go test -bench "$1" -benchtime 2s -run '^$' | grep -E "^Benchmark")
  cp "$target/debug/libm2mauth.a" bindings-ffi/go/lib/ 2>/dev/null || true  # back to what the tests link
}

venv=.venv-bench
python_ready=""
python_env() {  # the bench venv: the pinned peers, and release wheels of m2mauth and the pyo3 floor (once)
  [ -z "$python_ready" ] || return 0
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r bench/python/requirements.txt
  rm -rf "$target/wheels"
  PATH="$PWD/$venv/bin:$PATH" maturin build --quiet --release -m bindings-python/Cargo.toml -o "$target/wheels"
  PATH="$PWD/$venv/bin:$PATH" maturin build --quiet --release -m bench/pyfloor/Cargo.toml -o "$target/wheels"
  "$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$target"/wheels/*.whl
  python_ready=1
}

cargo build --release --quiet -p m2mauth-ffi -p m2mauth-cli

if want rust; then
  echo "== Rust: cached token() hot path (criterion)"
  cargo bench --quiet -p m2mauth-bench --bench hot_path 2>&1 | grep -E "^cached|time:"
fi

if want c; then
  echo "== C ABI: cached token"
  cc -O2 -I bindings-ffi/include bench/c/bench_token.c "$target/release/libm2mauth.a" -lpthread -ldl -lm -o "$target/bench_token"
  start_issuer
  "$target/bench_token" "$issuer"
  cc -O2 -I bindings-ffi/include bench/c/rss_cycles.c "$target/release/libm2mauth.a" -lpthread -ldl -lm -o "$target/rss_cycles"
  "$target/rss_cycles" "$issuer"
  stop_issuer
fi

if want go; then
  echo "== Go: m2mauth vs golang.org/x/oauth2/clientcredentials (go test -bench)"
  go_bench '^Benchmark(CachedToken|CachedTokenParallel|ColdStampede)$'
fi

if want python; then
  echo "== Python: m2mauth vs httpx-auth and authlib, and the pyo3 floor"
  python_env
  "$venv/bin/python" bench/python/bench_token.py
  ls -l "$target"/wheels/m2mauth-*.whl | awk '{printf "wheel: %s, %.1f MiB\n", $9, $5/1048576}'
  "$venv/bin/python" - <<'PY'
import statistics, subprocess, sys, time
def median_ms(code):
    runs = []
    for _ in range(15):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)
base, imported = median_ms("pass"), median_ms("import m2mauth")
print(f"python -c 'import m2mauth': {imported:.1f} ms (interpreter alone {base:.1f} ms, import {imported - base:.1f} ms)")
PY
fi

if want node; then
  echo "== Node: m2mauth vs openid-client and simple-oauth2, and the napi floor"
  bench/node/run.sh
fi

if want verify; then
  echo "== Verify: m2mauth's Verifier vs PyJWT, jose and golang-jwt, and the bare signature checks"
  echo "-- Python"
  python_env
  "$venv/bin/python" bench/python/bench_verify.py
  echo "-- Node"
  bench/node/run.sh verify
  echo "-- Go (go test -bench)"
  go_bench '^BenchmarkVerify'
fi

if want fleet; then
  echo "== Fleet cache: token requests per lifetime for N processes, cold latency through Redis (Python binding)"
  python_env
  "$venv/bin/python" bench/python/bench_fleet.py
fi

if want sizes; then
  echo "== Sizes (release)"
  ls -l "$target/release/m2mauth" "$target/release/libm2mauth.so" "$target/release/libm2mauth.a" \
    | awk '{printf "  %-40s %6.1f MiB\n", $9, $5/1048576}'
fi
