#!/usr/bin/env bash
# Runs the tests matching a ctest regex N times in a row and counts passes,
# for flakiness and fault tests (issue 12 used it on PostgresRestart):
#   scripts/repeat-ctest.sh BUILD_DIR REGEX RUNS [LOG_PREFIX]
# Each run's verbose output (its [system] figures included) goes to
# LOG_PREFIX-<i>.log (default /tmp/repeat-ctest); one line per run to
# LOG_PREFIX.summary with the load average. WNO_TEST_KEEP_PG_LOGS=<dir>
# keeps each throwaway PostgreSQL's log too.
set -uo pipefail
build=${1:?build dir}; regex=${2:?ctest regex}; runs=${3:?runs}; prefix=${4:-/tmp/repeat-ctest}
cd "$build" || exit 2
pass=0; fail=0
for i in $(seq "$runs"); do
  if ctest -V -R "$regex" --timeout 600 > "$prefix-$i.log" 2>&1; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
  echo "$(date +%T) run $i pass=$pass fail=$fail load=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$prefix.summary"
done
[[ $fail -eq 0 ]]
