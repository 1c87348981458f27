#!/usr/bin/env bash
# The SQLite job store's drain on the embedded default (config/default.json,
# no server), measured the way ../shared/peer-bench/jobs-compare.sh measures
# the PostgreSQL store: JOBS no-op jobs enqueued by an enqueue-only host, then
# drained by a worker host with queue concurrency CONCURRENCY; drain jobs/s =
# completed / (last finished_at - first started_at) read from the store.
#   bench/jobs_sqlite_drain.sh <build dir> [ROUNDS=3]
# Knobs: JOBS (20000), CONCURRENCY (50), ENQUEUE_CMD (default: the bulk client,
# bench/jobs_bulk_enqueue.py; node ../shared/peer-bench/host/enqueue.js POSTs
# one job a request), NOOP_PLUGIN (default: the .so jobs-compare.sh builds).
# One JSON line per round, then a summary line with medians.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(cd "$1" && pwd -P); ROUNDS=${2:-3}
export JOBS=${JOBS:-20000} WNO_JOB_CONCURRENCY=${CONCURRENCY:-50}
export WNO_NOOP_PLUGIN=${NOOP_PLUGIN:-$(find /tmp/wno-peer-bench/bench_noop -name 'wno_bench_noop.so' 2>/dev/null | head -1)}
[ -f "$WNO_NOOP_PLUGIN" ] || { echo "no bench_noop plugin: run jobs-compare.sh once or set NOOP_PLUGIN" >&2; exit 1; }
export WNO_PLUGIN_DIR=$(dirname "$(find -L "$BUILD" -name 'wno_memory_cache.so' | head -1)")
export WNO_CURSOR_SECRET=bench-secret-0123456789abcdef WNO_ADMIN_KEY=bench-admin
WORK=$(mktemp -d /tmp/wno-sqlite-drain.XXXXXX)
PORT=${PORT:-18401}
HOST_PID=
stop() { [ -n "$HOST_PID" ] && { kill -TERM "$HOST_PID" 2>/dev/null || true; wait "$HOST_PID" 2>/dev/null || true; }; HOST_PID=; }
trap 'stop; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
start() { # workers
  WNO_PORT=$PORT WNO_JOB_WORKERS=$1 "$BUILD/bin/wno-host" --config config/default.json \
    --config bench/jobs-sqlite-overlay.json >>"$WORK/host.log" 2>&1 &
  HOST_PID=$!
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$HOST_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "wno-host did not become ready" >&2; tail -20 "$WORK/host.log" >&2; exit 1
}
for r in $(seq 1 "$ROUNDS"); do
  export WNO_JOBS_DB=$WORK/jobs-$r.db
  start false
  enq=$(${ENQUEUE_CMD:-python3 bench/jobs_bulk_enqueue.py} "http://127.0.0.1:$PORT" "$JOBS" 32)
  stop
  t0=$SECONDS
  start true
  while [ "$(sqlite3 "$WNO_JOBS_DB" "select count(*) from wno_jobs where state in ('waiting','active')")" != 0 ]; do
    sleep 0.05; if (( SECONDS - t0 > 300 )); then echo "drain timed out" >&2; break; fi
  done
  stop
  sqlite3 "$WNO_JOBS_DB" "select json_object('system','wno-host-sqlite','jobs',count(*) filter (where state='completed'),
      'seconds', round((max(finished_at_ms)-min(started_at_ms))/1000.0, 3),
      'jobs_per_s', cast(round(count(*) filter (where state='completed') / max((max(finished_at_ms)-min(started_at_ms))/1000.0, 0.001)) as int),
      'enqueue_per_s', json_extract('$enq', '\$.enqueue_per_s'), 'round', $r) from wno_jobs" | tee -a "$WORK/all.jsonl"
done
python3 - "$WORK/all.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(json.dumps({"summary": "jobs-sqlite", "rounds": len(rows),
                  "jobs_per_s": round(statistics.median(r["jobs_per_s"] for r in rows)),
                  "enqueue_per_s": round(statistics.median(r["enqueue_per_s"] or 0 for r in rows))}))
PY
