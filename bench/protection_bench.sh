#!/usr/bin/env bash
# Overhead of the protection middleware on GET /livez, measured with wrk in
# one run, one host process per variant on the embedded default config:
#   off        /protection/enabled=false: no middleware on the request path
#   local      shedding on (load stays low, nothing is shed) and a rate limit
#              rule over the health group that never denies, so every request
#              takes the full path: shed check, GCRA step, five headers
#   shared     as local, with the limit shared through a throwaway
#              redis-server (one EVALSHA round trip per request)
# Each variant runs ROUNDS times, interleaved, so drift on a shared machine
# hits all of them alike. Prints one JSON line per measurement.
#   bench/protection_bench.sh [build dir]   (default: build)
#   WRK_DURATION=10s WRK_THREADS=2 WRK_CONNECTIONS=32 ROUNDS=2
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
HOST_BIN=$BUILD/bin/wno-host
DURATION=${WRK_DURATION:-10s}
THREADS=${WRK_THREADS:-2}
CONNECTIONS=${WRK_CONNECTIONS:-32}
ROUNDS=${ROUNDS:-2}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --loglevel warning \
  > "$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done

never_denies='[{"name":"bench","groups":["health"],"limit":1000000000,"window_ms":1000}]'

declare -A ports
start_host() {  # variant, extra --set arguments...
  local variant=$1; shift
  local port
  port=$(free_port)
  mkdir -p "$work/$variant"
  "$HOST_BIN" --config config/default.json --set /http/port="$port" --set /http/access_log=false \
    --set /log/level='"warn"' --set /data/repositories/0/config/path="\"$work/$variant/wno.db\"" \
    "$@" > "$work/host-$variant.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { echo "host $variant did not start" >&2; cat "$work/host-$variant.log" >&2; exit 1; }
  ports[$variant]=$port
}

start_host off --set /protection/enabled=false
start_host local --set /protection/shedding/enabled=true --set /protection/rate_limits="$never_denies"
start_host shared --set /protection/shedding/enabled=true --set /protection/rate_limits="$never_denies" \
  --set /protection/shared/redis_url="\"redis://127.0.0.1:$redis_port/0\"" --set /protection/shared/timeout_ms=1000

# The shared variant must really go through Redis, or the figure means nothing.
curl -fsi "http://127.0.0.1:${ports[shared]}/livez" | grep -qi '^RateLimit-Policy' || { echo "no RateLimit headers" >&2; exit 1; }

measure() {  # variant, round
  local out rps p50 p99 non2xx
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:${ports[$1]}/livez")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  echo "{\"figure\":\"livez.protection_$1\",\"round\":$2,\"requests_per_s\":$rps,\"p50\":\"$p50\",\"p99\":\"$p99\",\"non_2xx\":${non2xx:-0}}"
}

for round in $(seq 1 "$ROUNDS"); do
  for variant in off local shared; do measure "$variant" "$round"; done
done
shared_decisions=$(curl -fs "http://127.0.0.1:${ports[shared]}/metrics" | awk '/^wno_rate_limit_shared_decisions_total/ {print $2}')
fallbacks=$(curl -fs "http://127.0.0.1:${ports[shared]}/metrics" | awk '/^wno_rate_limit_fallback_total/ {s += $2} END {print s + 0}')
echo "{\"figure\":\"livez.protection_shared.check\",\"shared_decisions\":${shared_decisions:-0},\"fallbacks\":$fallbacks}"
