#!/usr/bin/env bash
# Builds everything: the C++ side (core, core.wasm, aisled, aisle, tests,
# benchmarks) with CMake into build/, then the web app into web/dist/.
# Usage: tools/build.sh [cmake preset, default release]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"

echo "==> C++: cmake --preset $preset"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"

echo "==> web: npm ci && npm run build"
(cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build)
echo "==> built: build/aisled, build/aisle, build/wasm/core.wasm, web/dist/"
