# m2mauth: `make demo` runs the main job, `make test` runs every test and
# installs what it needs first. One debug build of the workspace serves
# every language's tests.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: demo test setup build test-rust test-ffi test-python test-node lint bench fuzz

## The main job: a token fetched and cached against the built-in test issuer,
## or against the IdP named by M2MAUTH_* variables when they are set.
demo:
	$(CARGO) run --quiet -p m2mauth-cli -- demo

## Every test, after installing what it needs.
test: setup lint test-rust test-ffi test-python test-node

setup:
	scripts/setup.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --quiet -- -D warnings
	$(CARGO) clippy -p m2mauth --no-default-features --quiet -- -D warnings

test-rust:
	$(CARGO) test --workspace --quiet

## The Python binding, installed with pip into .venv, under pytest.
test-python:
	bindings-python/test.sh

## The Node binding (napi-rs), under node --test.
test-node:
	bindings-node/test.sh

## The C ABI from C (and under valgrind), Go and C# (Mono). Reuses the debug
## build that test-rust made.
test-ffi:
	$(CARGO) build --quiet -p m2mauth-ffi -p m2mauth-cli
	bindings-ffi/tests/run.sh

## Benchmarks (figures, not pass/fail): see bench/README.md.
bench:
	$(CARGO) bench -p m2mauth-bench

## Every fuzz target of the sans-IO parsers for FUZZ_SECONDS each (default
## 60; nightly toolchain, cargo-fuzz installed when missing).
fuzz:
	fuzz/run.sh
