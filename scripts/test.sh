#!/usr/bin/env bash
# Installs what is missing, builds everything once and runs every test with
# ctest. Tests that need PostgreSQL or Redis start their own throwaway servers.
#   WNO_SANITIZE=ON  run the suite under ASan + UBSan (separate build dir)
#   CI=true          the suite under ASan + UBSan (WNO_SANITIZE defaults to
#                    ON: one build serves every test, and the unit and
#                    system tests run sanitized), after scripts/fuzz.sh (45 s
#                    per target)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# The web tests' npm tools, as tests/web/package-lock.json pins them.
tests/web/install.sh

if [[ "${CI:-}" == "true" ]]; then export WNO_SANITIZE=${WNO_SANITIZE:-ON}; fi

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

# CI also fuzzes the request and config parsers briefly (clang, build-fuzz/,
# FUZZ_SECONDS per target). A crash fails the run here, before ctest, so
# ctest's summary stays the last line.
#   WNO_FUZZ=ON|OFF  force it on or off (default: on when CI=true)
fuzz=${WNO_FUZZ:-}
if [[ -z "$fuzz" ]]; then
  if [[ "${CI:-}" == "true" ]]; then fuzz=ON; else fuzz=OFF; fi
fi
if [[ "$fuzz" == "ON" ]]; then
  start=$(date +%s)
  FUZZ_SECONDS=${FUZZ_SECONDS:-45} scripts/fuzz.sh
  echo "test.sh: fuzzing took $(($(date +%s) - start)) s"
fi

cd "$BUILD_DIR"
# ctest's summary must stay the last thing printed: CI reads its closing line.
exec ctest --output-on-failure -j "${JOBS:-2}" --timeout 600
