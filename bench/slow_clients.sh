#!/usr/bin/env bash
# What slow clients cost: starts a host on the embedded default with a
# connection cap above the load, opens 10,000 idle and 1,000 trickling
# connections (bench/slow_clients.py), and reports /livez latency and the
# host's RSS while they are open. One JSON line per figure.
#   bench/slow_clients.sh [build dir]   (default: build)
#   IDLE=10000 TRICKLING=1000 SECONDS=8
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
work=$(mktemp -d)
host_pid=""
cleanup() {
  [[ -n "$host_pid" ]] && kill "$host_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The head deadline (10 s by default) would end the trickling clients'
# requests during a longer run; the run is shorter than it on purpose, so
# what is measured is the cost of holding them.
(cd "$work" && exec "${HOST_BIN:-$OLDPWD/$BUILD/bin/wno-host}" --config "$OLDPWD/config/default.json" --set /http/port="$port" \
  --set /http/access_log=false --set /http/max_connections=20000 --set /log/level='"warn"' > "$work/host.log" 2>&1) &
host_pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/livez" >/dev/null 2>&1 && break; sleep 0.1; done
# The subshell exec'd the host: $! is wno-host itself.
python3 bench/slow_clients.py "$port" "$host_pid" "${IDLE:-10000}" "${TRICKLING:-1000}" "${SECONDS_OPEN:-8}"
