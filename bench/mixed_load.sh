#!/usr/bin/env bash
# Mixed HTTP load (bench/mixed.lua: 80 % cached entity reads, 15 % list
# pages, 5 % writes) on 1 host and on 2 hosts sharing one PostgreSQL and one
# Redis (L1 + L2 + backplane, config/production.example.json), all started
# here on loopback. Prints one JSON line per configuration.
#   bench/mixed_load.sh [build dir]   (default: build-bench)
#   WRK_DURATION=20s WRK_THREADS=2 WRK_CONNECTIONS=32 SEED_ROWS=1000
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-bench}
DURATION=${WRK_DURATION:-20s}
THREADS=${WRK_THREADS:-2}
CONNECTIONS=${WRK_CONNECTIONS:-32}
SEED_ROWS=${SEED_ROWS:-1000}
source bench/cluster.sh

cluster_start_redis
cluster_start_postgres
cluster_start_host a
cluster_seed "$PORT_a" "$SEED_ROWS"

run_mixed() {  # figure, ports (comma-separated)
  # Warm the caches first, so the 80 % really are cached reads.
  WNO_PORTS=$2 WNO_HOT_IDS=$SEED_ROWS WNO_FIGURE=warmup wrk -t"$THREADS" -c"$CONNECTIONS" -d3s \
    -s bench/mixed.lua "http://127.0.0.1:${2%%,*}" >/dev/null
  WNO_PORTS=$2 WNO_HOT_IDS=$SEED_ROWS WNO_FIGURE=$1 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
    -s bench/mixed.lua "http://127.0.0.1:${2%%,*}" | grep '^{"figure"'
}

run_mixed "mixed.1_host" "$PORT_a"
cluster_start_host b
run_mixed "mixed.2_hosts" "$PORT_a,$PORT_b"
