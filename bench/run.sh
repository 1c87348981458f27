#!/usr/bin/env bash
# Every benchmark in one command: builds the bench targets in a Release
# build dir, runs each capability's benchmarks and prints ONE JSON line per
# figure on stdout, each with "capability", "source" and "figure" (progress
# and the benchmarks' own logs go to stderr and $BENCH_BUILD_DIR/bench-logs/).
#   cache       cache_bench (L1 store and cache service), l2_bench (Redis L2)
#   data        data_bench (PostgreSQL keyset vs OFFSET, bulk create), http_bench.sh (wrk)
#   jobs        jobs_e2e_bench (through wno-host processes), job_store_bench (stores via the ABI)
#   protection  protection_bench (load factor, probes, GCRA, breaker), protection_bench.sh (wrk)
#   mixed       mixed_load.sh: 80/15/5 reads/lists/writes on 1 and 2 hosts (PostgreSQL + Redis)
# Every server is a throwaway on loopback, started by the benchmark itself.
#   bench/run.sh > results.jsonl
#   BENCH_BUILD_DIR=build-bench  BENCH_ONLY="cache data jobs protection mixed"
#   BENCH_JOBS=20000 (jobs_e2e_bench --jobs)  BENCH_MIN_TIME=0.5 (Google Benchmark seconds per run)
#   WRK_DURATION=10s (http_bench.sh, protection_bench.sh; mixed_load.sh uses MIXED_DURATION=20s)
# Exit status: non-zero if a build or any benchmark failed (the others still run).
set -uo pipefail
cd "$(dirname "$0")/.."
B=${BENCH_BUILD_DIR:-build-bench}
ONLY=${BENCH_ONLY:-cache data jobs protection mixed}
MIN_TIME=${BENCH_MIN_TIME:-0.5}
LOGS="$B/bench-logs"

log() { echo "bench/run.sh: $*" >&2; }
wants() { [[ " $ONLY " == *" $1 "* ]]; }

log "building the bench targets in $B (Release)"
BUILD_DIR=$B CMAKE_BUILD_TYPE=Release scripts/build.sh \
  wno-host wno_memory_cache wno_redis wno_sqlite wno_postgres wno_system_probes wno_memory_job_store \
  wno_process_content wno_send_notification wno_verify_token_holdings wno_compute_user_stats wno_test_jobs \
  cache_bench l2_bench data_bench job_store_bench protection_bench jobs_e2e_bench >&2 || { log "build failed"; exit 1; }
mkdir -p "$LOGS"

failed=()
# gbench CAPABILITY BINARY [args...]: a Google Benchmark binary, its JSON report converted.
gbench() {
  local capability=$1 name=$2; shift 2
  log "$capability: $name"
  local report="$LOGS/$name.json"
  if "$B/bin/$name" --benchmark_min_time="$MIN_TIME" --benchmark_out="$report" --benchmark_out_format=json "$@" \
      >"$LOGS/$name.log" 2>&1; then
    python3 bench/jsonl.py gbench "$capability" "$name" "$report"
  else
    log "$name failed; see $LOGS/$name.log"
    failed+=("$name")
  fi
}
# lines CAPABILITY NAME COMMAND...: a benchmark that prints JSON lines itself.
lines() {
  local capability=$1 name=$2; shift 2
  log "$capability: $name"
  if "$@" 2>"$LOGS/$name.log" | python3 bench/jsonl.py lines "$capability" "$name"; then :; else
    log "$name failed; see $LOGS/$name.log"
    failed+=("$name")
  fi
}

if wants cache; then
  gbench cache cache_bench
  gbench cache l2_bench
fi
if wants data; then
  gbench data data_bench
  lines data http_bench.sh bench/http_bench.sh "$B"
fi
if wants jobs; then
  lines jobs jobs_e2e_bench "$B/bin/jobs_e2e_bench" --jobs "${BENCH_JOBS:-20000}"
  gbench jobs job_store_bench
fi
if wants protection; then
  gbench protection protection_bench
  lines protection protection_bench.sh bench/protection_bench.sh "$B"
fi
if wants mixed; then
  WRK_DURATION=${MIXED_DURATION:-20s} lines mixed mixed_load.sh bench/mixed_load.sh "$B"
fi

if ((${#failed[@]} > 0)); then
  log "${#failed[@]} benchmark(s) failed: ${failed[*]}"
  exit 1
fi
log "done"
