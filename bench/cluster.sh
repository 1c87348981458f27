# Sourced by the HTTP load scripts (mixed_load.sh, soak.sh): throwaway
# redis-server and PostgreSQL on loopback, and wno-host processes on
# config/production.example.json sharing them, as docs/operations.md
# describes a deployment. Everything started here is stopped by the EXIT trap.
#   BUILD      build dir holding bin/wno-host and lib/wno/plugins (set by the caller)
# Every URL a host is given is on 127.0.0.1: the example's external
# endpoints (Solana RPC, webhooks) are pointed at a closed loopback port.

CLUSTER_WORK=$(mktemp -d)
CLUSTER_PIDS=()
CLUSTER_PG_DIR=""
declare -A CLUSTER_HOST_PID

cluster_cleanup() {
  for p in "${CLUSTER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${CLUSTER_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ -n "$CLUSTER_PG_DIR" ]]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$CLUSTER_PG_DIR" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$CLUSTER_WORK"
}
trap cluster_cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cluster_start_redis() {
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$CLUSTER_WORK" \
    --loglevel warning >"$CLUSTER_WORK/redis.log" 2>&1 &
  CLUSTER_PIDS+=($!)
  for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.05; done
  echo "redis-server did not start" >&2; cat "$CLUSTER_WORK/redis.log" >&2; exit 1
}

# CLUSTER_PG_OPTIONS: more server options ("-c name=value ...").
cluster_start_postgres() {
  PG_PORT=$(free_port)
  CLUSTER_PG_DIR="$CLUSTER_WORK/pg"
  mkdir -p "$CLUSTER_PG_DIR" && chown postgres: "$CLUSTER_WORK" "$CLUSTER_PG_DIR"
  runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$CLUSTER_PG_DIR" -U postgres --auth=trust >/dev/null
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$CLUSTER_PG_DIR" -w -l "$CLUSTER_PG_DIR/log" \
    -o "-p $PG_PORT -k $CLUSTER_WORK -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off ${CLUSTER_PG_OPTIONS:-}" \
    start >/dev/null
}

# cluster_start_host NAME [--set ...]: a host on the production example with
# this cluster's Redis and PostgreSQL. Rate limits and shedding are off (a
# benchmark measures the data path, and a busy shared machine would trip the
# shedder); the access log is off and the log level is warn.
cluster_start_host() {
  local name=$1; shift
  local port
  port=$(free_port)
  local closed
  closed=$(free_port)  # nothing listens there: outbound calls fail fast, locally
  WNO_PORT=$port \
  WNO_ADMIN_KEY=bench-admin-key \
  WNO_CURSOR_SECRET=bench-cursor-secret \
  WNO_WORKER_ID="bench-$name" \
  WNO_PLUGIN_DIR="$PWD/$BUILD/lib/wno/plugins" \
  WNO_DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres" \
  WNO_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" \
  WNO_SOLANA_RPC_URL="http://127.0.0.1:$closed" \
  WNO_NOTIFICATION_WEBHOOK_URL="" WNO_ALERT_WEBHOOK_URL="" \
    "$BUILD/bin/wno-host" --config config/production.example.json \
    --set /http/host='"127.0.0.1"' --set /http/access_log=false --set /log/level='"warn"' \
    --set /protection/rate_limits='[]' --set /protection/shedding/enabled=false \
    "$@" >"$CLUSTER_WORK/host-$name.log" 2>&1 &
  local pid=$!
  CLUSTER_PIDS+=($pid)
  CLUSTER_HOST_PID[$name]=$pid
  for _ in $(seq 1 200); do
    if curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
      eval "PORT_$name=$port"
      return
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "host $name did not become ready" >&2; cat "$CLUSTER_WORK/host-$name.log" >&2; exit 1
}

# cluster_seed PORT N: N battles through the bulk endpoint (ids 1..N on a fresh database).
cluster_seed() {
  python3 - "$1" "$2" <<'PY'
import json, sys, urllib.request
port, n = int(sys.argv[1]), int(sys.argv[2])
for start in range(0, n, 500):
    rows = [{"title": f"battle {i}", "creator_id": i % 100, "status": "active"} for i in range(start, min(n, start + 500))]
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/battles/bulk", json.dumps(rows).encode(),
                                 {"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
PY
}

# Resident set size of a process in KiB.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
