#!/usr/bin/env bash
# Installs what is missing, builds everything once and runs every test with
# ctest. Tests that need PostgreSQL or Redis start their own throwaway servers.
#   WNO_SANITIZE=ON  run the suite under ASan + UBSan (separate build dir)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

if [[ "${WNO_SANITIZE:-OFF}" == "ON" ]]; then
  export BUILD_DIR=${BUILD_DIR:-build-asan}
  export WNO_BUILD_BENCH=OFF
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
else
  export BUILD_DIR=${BUILD_DIR:-build}
fi

start=$(date +%s)
scripts/build.sh
echo "test.sh: build took $(($(date +%s) - start)) s"

cd "$BUILD_DIR"
# ctest's summary must stay the last thing printed: CI reads its closing line.
exec ctest --output-on-failure -j "${JOBS:-2}" --timeout 600
