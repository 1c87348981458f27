#!/usr/bin/env bash
# Installs the web tests' npm tools exactly as package-lock.json pins them
# (npm ci), skipping the install when node_modules already matches the lock,
# so a warm machine does not touch the network. No install scripts run: the
# tools need none, and puppeteer-core never downloads a browser (the tests
# drive Debian's chromium).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  echo "tests/web/install.sh: node and npm are needed for the web tests (OpenAPI contract, dashboard)" >&2
  exit 1
fi
# The lock's hash, written after a successful install, says what is there.
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f node_modules/.wno-lock-sha256 && "$(cat node_modules/.wno-lock-sha256)" == "$want" ]]; then
  echo "tests/web: node_modules matches package-lock.json"
  exit 0
fi
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
echo "$want" > node_modules/.wno-lock-sha256
