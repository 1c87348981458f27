#!/usr/bin/env bash
# Installs the Debian 12 packages wno needs to build, test and run, skipping
# what is already there (so a warm machine does not touch the network).
# chromium: the dashboard's browser tests (tests/web), driven headless.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build ccache pkg-config binutils curl python3
  libpoco-dev libssl-dev libboost-dev libboost-filesystem-dev nlohmann-json3-dev
  libpqxx-dev libhiredis-dev libsqlite3-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql redis-server wrk
  clang libclang-rt-14-dev
  libsystemd-dev systemd
  prometheus lintian dpkg-dev file
  chromium
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
