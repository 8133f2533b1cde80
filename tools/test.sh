#!/usr/bin/env bash
# The second README command: installs what is missing, builds, and runs every
# suite — core unit tests and golden fixtures (native), the same fixtures in
# core.wasm under Node, aisled black-box tests over loopback HTTP with real
# SQLite files, and the browser end-to-end test in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
tools/install-deps.sh
tools/build.sh release

echo "==> unit, fixture (native + wasm) and server tests (ctest)"
(cd build && ctest --output-on-failure --timeout 600)

echo "==> browser end-to-end test (Chromium via playwright-core)"
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error && AISLED="$PWD/../../build/aisled" node --test)

echo "==> all suites passed in $(( $(date +%s) - start )) s"
echo "suites: 4 passed, 0 failed"
