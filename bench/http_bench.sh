#!/usr/bin/env bash
# HTTP throughput with wrk: GET /api/v1/battles/{id} (cached) and a list page
# (cached, and with list caching off so every request reaches the database),
# on the embedded default (SQLite, L1) and on PostgreSQL + Redis (L1 + L2),
# each server a throwaway on loopback. Prints one JSON line per figure.
#   bench/http_bench.sh [build dir]   (default: build)
# Rate limits, shedding and the access log are off: this measures the data
# path, not the protection middleware.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
HOST_BIN=$BUILD/bin/wno-host
DURATION=${WRK_DURATION:-10s}
THREADS=${WRK_THREADS:-2}
CONNECTIONS=${WRK_CONNECTIONS:-32}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -d "$work/pg" ]]; then runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_host() {  # port, extra --set arguments...
  local port=$1; shift
  "$HOST_BIN" --config config/default.json --set /http/port="$port" --set /http/access_log=false \
    --set /protection/rate_limits='[]' --set /protection/shedding/enabled=false \
    --set /log/level='"warn"' "$@" > "$work/host-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "host on $port did not start" >&2; cat "$work/host-$port.log" >&2; exit 1
}

seed() {  # port: 1,000 battles
  python3 - "$1" <<'PY'
import json, sys, urllib.request
rows = [{"title": f"battle {i}", "creator_id": i % 100} for i in range(1000)]
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/api/v1/battles/bulk", json.dumps(rows).encode(),
                             {"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
PY
}

measure() {  # name, url
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$2")
  local rps p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  echo "{\"figure\":\"$1\",\"requests_per_s\":$rps,\"p99\":\"$p99\",\"non_2xx\":${non2xx:-0}}"
}

# --- embedded default: SQLite + L1 ---
port=$(free_port)
mkdir -p "$work/data"
start_host "$port" --set /data/repositories/0/config/path="\"$work/data/wno.db\"" \
  --set /jobs/store/config/path="\"$work/data/jobs.db\""
seed "$port"
measure "embedded.get_battle_cached" "http://127.0.0.1:$port/api/v1/battles/500"
measure "embedded.list_battles_20_cached" "http://127.0.0.1:$port/api/v1/battles?limit=20&sort=-created_at"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
# The same page with list caching off: every request reaches SQLite.
port=$(free_port)
start_host "$port" --set /data/repositories/0/config/path="\"$work/data/wno.db\"" \
  --set /jobs/store/config/path="\"$work/data/jobs.db\"" --set /data/collections/battles/cache/lists=false
measure "embedded.list_battles_20_uncached" "http://127.0.0.1:$port/api/v1/battles?limit=20&sort=-created_at"

# --- PostgreSQL + Redis: L1 + L2 ---
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --loglevel warning &
pids+=($!)
pg_port=$(free_port)
mkdir -p "$work/pg" && chown postgres: "$work" "$work/pg"
runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$work/pg" -U postgres --auth=trust >/dev/null
runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$work/pg" -w -l "$work/pg/log" \
  -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1 -c max_connections=100" start >/dev/null
port=$(free_port)
pg_host() {  # extra --set arguments...
  start_host "$port" --set /plugins/load/-='{"name":"redis"}' --set /plugins/load/-='{"name":"postgres"}' \
    --set /jobs/store/config/path="\"$work/data/jobs-pg.db\"" \
    --set /cache/levels/-='{"name":"l2","backend":"redis","timeout_ms":50,"config":{"url":"redis://127.0.0.1:'"$redis_port"'/0"}}' \
    --set /data/repositories/0='{"name":"main","type":"postgres","config":{"url":"postgresql://postgres@127.0.0.1:'"$pg_port"'/postgres","pool_size":16}}' \
    "$@"
}
pg_host
seed "$port"
measure "pg_redis.get_battle_cached" "http://127.0.0.1:$port/api/v1/battles/500"
measure "pg_redis.list_battles_20_cached" "http://127.0.0.1:$port/api/v1/battles?limit=20&sort=-created_at"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
port=$(free_port)
pg_host --set /data/collections/battles/cache/lists=false
measure "pg_redis.list_battles_20_uncached" "http://127.0.0.1:$port/api/v1/battles?limit=20&sort=-created_at"
