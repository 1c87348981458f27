#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang in their own build dir
# and runs each on its corpus for FUZZ_SECONDS. Fails when any target finds a
# crash, a leak, a sanitizer report or a timeout; the input that did it is
# kept under $FUZZ_BUILD_DIR/fuzz-artifacts/ and its log tail is printed.
#   FUZZ_BUILD_DIR  clang build dir (default: build-fuzz)
#   FUZZ_SECONDS    seconds per target (default: 60)
#   FUZZ_TARGETS    space-separated subset (default: every target)
#   JOBS            ninja parallelism (default: 2)
# New inputs that reach new code go to $FUZZ_BUILD_DIR/fuzz-corpus/<target>/
# (kept between runs); the seeds in tests/fuzz/corpus/<target>/ are only read.
# To keep one of them, copy it there and commit it.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
ALL_TARGETS=(fuzz_list_query fuzz_cursor fuzz_config fuzz_collection_body fuzz_job_request)
read -r -a TARGETS <<<"${FUZZ_TARGETS:-${ALL_TARGETS[*]}}"

# Same compile cache rules as scripts/build.sh, so clang objects are cached too.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}

start=$(date +%s)
if [[ ! -f "$FUZZ_BUILD_DIR/build.ninja" ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$FUZZ_BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DWNO_BUILD_FUZZ=ON -DWNO_BUILD_TESTS=OFF -DWNO_BUILD_BENCH=OFF -DWNO_SANITIZE=OFF >/dev/null
fi
ninja -C "$FUZZ_BUILD_DIR" -j "${JOBS:-2}" wno_fuzz >"$FUZZ_BUILD_DIR/fuzz-build.log" 2>&1 || {
  tail -n 40 "$FUZZ_BUILD_DIR/fuzz-build.log" >&2
  echo "fuzz.sh: the fuzz build failed" >&2
  exit 1
}
echo "fuzz.sh: build took $(($(date +%s) - start)) s"

mkdir -p "$FUZZ_BUILD_DIR/fuzz-artifacts" "$FUZZ_BUILD_DIR/fuzz-logs"
failed=()
for target in "${TARGETS[@]}"; do
  binary="$FUZZ_BUILD_DIR/bin/$target"
  seeds="tests/fuzz/corpus/$target"
  [[ -x "$binary" ]] || { echo "fuzz.sh: no target $target" >&2; exit 1; }
  [[ -d "$seeds" ]] || { echo "fuzz.sh: no seed corpus $seeds" >&2; exit 1; }
  work="$FUZZ_BUILD_DIR/fuzz-corpus/$target"
  log="$FUZZ_BUILD_DIR/fuzz-logs/$target.log"
  mkdir -p "$work"
  # -max_len: bodies and config files bigger than libFuzzer's 4 KiB default
  # reach more nesting and longer lists. -timeout: one input taking 10 s is a
  # hang. -rss_limit_mb: well under what the machine can spare.
  status=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    "$binary" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$FUZZ_BUILD_DIR/fuzz-artifacts/$target-" \
    "$work" "$seeds" >"$log" 2>&1 || status=$?
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | awk '{print $2}' || true)
  corpus=$(find "$work" -type f | wc -l)
  if ((status != 0)); then
    failed+=("$target")
    echo "fuzz.sh: $target FAILED (exit $status) after ${runs:-?} runs; log $log" >&2
    grep -E 'ERROR: |SUMMARY: |runtime error|fuzz contract broken|Test unit written' "$log" | head -n 20 >&2 || true
  else
    echo "fuzz.sh: $target ok: ${runs:-?} runs in ${SECONDS_PER_TARGET} s, coverage ${cov:-?}, corpus $corpus"
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzz.sh: ${#failed[@]} target(s) failed: ${failed[*]} (inputs in $FUZZ_BUILD_DIR/fuzz-artifacts/)" >&2
  exit 1
fi
