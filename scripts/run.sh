#!/usr/bin/env bash
# Installs what is missing, builds the host and plugins, and runs wno-host on
# the embedded default config (127.0.0.1:8080, no external server).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
WNO_BUILD_TESTS=OFF WNO_BUILD_BENCH=OFF BUILD_DIR=${BUILD_DIR:-build-run} scripts/build.sh
mkdir -p data
exec "${BUILD_DIR:-build-run}/bin/wno-host" --config config/default.json "$@"
