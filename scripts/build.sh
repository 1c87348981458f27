#!/usr/bin/env bash
# Configures (once) and builds wno with ninja + ccache.
#   BUILD_DIR   build directory (default: build)
#   WNO_SANITIZE=ON  ASan + UBSan build
#   extra arguments are ninja targets (default: everything)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
# Hash paths relative to the checkout, so a fresh clone (as CI makes) reuses
# the compile cache of an earlier one.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
SANITIZE=${WNO_SANITIZE:-OFF}
BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo}

if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
    -DWNO_SANITIZE="$SANITIZE" \
    -DWNO_BUILD_TESTS="${WNO_BUILD_TESTS:-ON}" \
    -DWNO_BUILD_BENCH="${WNO_BUILD_BENCH:-ON}"
fi
# Two cores: keep the machine responsive for the tests that follow.
ninja -C "$BUILD_DIR" -j "${JOBS:-2}" "$@"
