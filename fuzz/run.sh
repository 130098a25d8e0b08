#!/usr/bin/env bash
# Runs every fuzz target for FUZZ_SECONDS (default 60) each, seeded from
# tests/vectors/, and prints each target's executions per second. Crashes
# are kept in fuzz/artifacts/<target>/ (rerun one with
# `cargo +nightly fuzz run <target> <file>`). Needs the nightly toolchain;
# installs cargo-fuzz when missing.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
python3 seed.py
targets=(token_response discovery retry_after config_json config_env jwks jwt introspection)
cargo +nightly fuzz build
failed=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  log="$(mktemp)"
  if cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" \
      -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    status=ok
  else
    status=CRASH
    failed=1
    grep -E "panicked|ERROR|SUMMARY" "$log" | head -5
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  printf '%-15s %-6s %10s runs %8s execs/s\n' "$target" "$status" "${runs:-?}" "${rate:-?}"
  rm -f "$log"
done
exit "$failed"
