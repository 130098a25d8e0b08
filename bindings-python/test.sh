#!/usr/bin/env bash
# Builds the binding (debug, reusing the workspace's target/), installs it
# with pip into .venv as users install it, lints it, and runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${M2MAUTH_VENV:-.venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
export PATH="$PWD/$venv/bin:$PATH"
pip install -q --disable-pip-version-check -r bindings-python/requirements-test.txt
pip install -q --disable-pip-version-check --no-build-isolation --force-reinstall --no-deps \
  ./bindings-python -C build-args="--profile dev"
(cd bindings-python && ruff check python tests && ruff format --check python tests)
cd bindings-python
timeout 600 python -m pytest tests -q -p no:cacheprovider
