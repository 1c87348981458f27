#!/usr/bin/env bash
# Soak: one host on config/production.example.json (PostgreSQL + Redis
# started here on loopback) under the mixed load of bench/mixed.lua for
# SOAK_MINUTES, its RSS sampled every SOAK_SAMPLE_S seconds. Fails when the
# RSS keeps growing: the average of the last third of the samples more than
# SOAK_MAX_GROWTH_PCT above the average of the first third. Not part of CI.
#   bench/soak.sh [build dir]   (default: build-bench)
#   SOAK_MINUTES=10 SOAK_SAMPLE_S=10 SOAK_WARMUP_S=30 SOAK_MAX_GROWTH_PCT=10
#   WRK_THREADS=2 WRK_CONNECTIONS=16 SEED_ROWS=1000
# The warm-up (load, no samples) lets the caches, pools and allocator arenas
# reach their working size first: growth after it is what a leak looks like.
# Output: one JSON line per sample, then one summary line; exit 1 on growth,
# on a host that died, or on load that got no 2xx answers.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-bench}
MINUTES=${SOAK_MINUTES:-10}
SAMPLE_S=${SOAK_SAMPLE_S:-10}
WARMUP_S=${SOAK_WARMUP_S:-30}
MAX_GROWTH_PCT=${SOAK_MAX_GROWTH_PCT:-10}
THREADS=${WRK_THREADS:-2}
CONNECTIONS=${WRK_CONNECTIONS:-16}
SEED_ROWS=${SEED_ROWS:-1000}
source bench/cluster.sh

cluster_start_redis
cluster_start_postgres
cluster_start_host soak
cluster_seed "$PORT_soak" "$SEED_ROWS"
pid=${CLUSTER_HOST_PID[soak]}

total_s=$((WARMUP_S + MINUTES * 60))
WNO_PORTS=$PORT_soak WNO_HOT_IDS=$SEED_ROWS WNO_FIGURE=soak \
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${total_s}s" --timeout 5s -s bench/mixed.lua "http://127.0.0.1:$PORT_soak" \
  >"$CLUSTER_WORK/wrk.out" 2>&1 &
wrk_pid=$!
CLUSTER_PIDS+=($wrk_pid)

sleep "$WARMUP_S"
samples=()
start=$(date +%s)
while (($(date +%s) - start < MINUTES * 60)); do
  kill -0 "$pid" 2>/dev/null || { echo "soak: the host died" >&2; tail -n 20 "$CLUSTER_WORK/host-soak.log" >&2; exit 1; }
  rss=$(rss_kib "$pid")
  samples+=("$rss")
  echo "{\"figure\":\"soak.rss\",\"t_s\":$(($(date +%s) - start)),\"rss_kib\":$rss}"
  sleep "$SAMPLE_S"
done
wait "$wrk_pid" || true
load=$(grep '^{"figure"' "$CLUSTER_WORK/wrk.out" || true)
[[ -n "$load" ]] || { echo "soak: wrk printed no summary" >&2; cat "$CLUSTER_WORK/wrk.out" >&2; exit 1; }

python3 - "$MAX_GROWTH_PCT" "$load" "${samples[@]}" <<'PY'
import json, sys
limit, load, samples = float(sys.argv[1]), json.loads(sys.argv[2]), [int(s) for s in sys.argv[3:]]
if len(samples) < 3:
    print(json.dumps({"figure": "soak.summary", "ok": False, "reason": "fewer than 3 samples"}))
    sys.exit(1)
third = len(samples) // 3
first, last = samples[:third], samples[-third:]
first_avg, last_avg = sum(first) / len(first), sum(last) / len(last)
growth = (last_avg - first_avg) / first_avg * 100
ok = growth <= limit and load["requests"] > load["non_2xx"] + load["socket_errors"]
print(json.dumps({"figure": "soak.summary", "ok": ok, "samples": len(samples),
                  "first_third_avg_kib": round(first_avg), "last_third_avg_kib": round(last_avg),
                  "growth_pct": round(growth, 2), "max_growth_pct": limit,
                  "min_kib": min(samples), "max_kib": max(samples), "load": load}))
sys.exit(0 if ok else 1)
PY
