#!/usr/bin/env bash
# The second README command: installs what is missing, builds, and runs every
# suite — core unit tests and golden fixtures (native), the same fixtures in
# core.wasm under Node, aisled black-box tests over loopback HTTP with real
# SQLite files, HTTPS with a local CA, and the browser end-to-end test in
# Debian's Chromium. Under CI the native suites also run under ASan + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
tools/install-deps.sh
tools/build.sh release

echo "==> unit, fixture (native + wasm) and server tests (ctest)"
(cd build && ctest --output-on-failure --timeout 600)

# Under CI (or AISLE_ASAN=1) the native suites run again under address + UB sanitizers.
if [[ "${CI:-}" == "true" || "${AISLE_ASAN:-}" == "1" ]]; then
  echo "==> native suites again under ASan + UBSan (build/asan)"
  cmake --preset asan >/dev/null
  cmake --build --preset asan
  # The pricing property test runs its full 3000 cases in the release build above; 1000 here
  # (the oracle is ~10x slower under the sanitizers).
  (cd build/asan && AISLE_PRICING_PROPERTY_CASES=1000 ctest --output-on-failure --timeout 600)
  asan_suites=$(cd build/asan && ctest -N | sed -n 's/^Total Tests: //p')
fi

echo "==> browser end-to-end test (Chromium via playwright-core)"
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error && AISLED="$PWD/../../build/aisled" node --test)

echo "==> all suites passed in $(( $(date +%s) - start )) s"
# Every suite above stops the script on failure (set -e), so reaching here means all passed.
ctest_suites=$(cd build && ctest -N | sed -n 's/^Total Tests: //p')
echo "suites: $((ctest_suites + ${asan_suites:-0} + 1)) passed, 0 failed"
