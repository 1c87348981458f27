#!/usr/bin/env bash
# Builds the Debian packages for release: a Release build (no tests, no
# sanitizers) in build-deb/, then cpack -> build-deb/packages/
# wno-host_<version>_<arch>.deb and wno-host-dev_<version>_all.deb.
# (The deb_package test packages whatever build it runs in instead.)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build-deb} CMAKE_BUILD_TYPE=Release WNO_BUILD_TESTS=OFF WNO_BUILD_BENCH=OFF scripts/build.sh
cpack --config "${BUILD_DIR:-build-deb}/CPackConfig.cmake" -B "${BUILD_DIR:-build-deb}/packages"
lintian --fail-on error "${BUILD_DIR:-build-deb}"/packages/*.deb
ls -l "${BUILD_DIR:-build-deb}"/packages/*.deb
