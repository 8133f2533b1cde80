#!/usr/bin/env bash
# Installs what building and testing Aisle needs on Debian 12, and nothing
# when it is all there already. Debian packages for the C++ side (and
# Chromium for the browser test); the web side's npm packages are installed
# by tools/build.sh with `npm ci`. Run as root or with sudo available.
set -euo pipefail

PACKAGES=(
  build-essential cmake ccache pkg-config git
  libboost-dev nlohmann-json3-dev libsqlite3-dev sqlite3 libsodium-dev libssl-dev openssl
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  emscripten node-acorn
  chromium fonts-wqy-microhei
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "==> installing Debian packages: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "==> Debian packages: all present"
fi

# Vite 7 needs Node.js >= 20.19; Debian 12's own nodejs is 18.
if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a==20&&b>=19)?0:1)'; then
  echo "error: Node.js >= 20.19 is needed for the web build (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "       Install it from https://nodejs.org or NodeSource, then run this again." >&2
  exit 1
fi
echo "==> node $(node --version), npm $(npm --version)"
