#!/usr/bin/env bash
# The first README command: installs what is missing, builds, then runs
# aisled with the demo chain on an embedded SQLite database (./data) and
# serves the web terminal. Extra arguments go to aisled, e.g.
#   tools/run-demo.sh --port 9090 --bind 0.0.0.0
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh release
echo "==> starting aisled: open http://localhost:${AISLE_PORT:-8080}/ (Ctrl-C stops it cleanly)"
exec build/aisled --demo --data-dir "${AISLE_DATA_DIR:-data}" "$@"
