#!/usr/bin/env bash
# Builds the libFuzzer targets under fuzz/ with clang-14, ASan and UBSan into
# ${SOAK_FUZZ_BUILD_DIR:-build-fuzz} and runs each for SECONDS (default 60),
# or for SOAK_FUZZ_RUNS executions when that is set. Seeds come from the test
# data; the growing corpus is kept in the build dir between calls, and a crash
# is left as build-fuzz/artifacts/<target>/crash-*. Prints one line per target:
# executions, time, executions per second, corpus size, result.
#
#   scripts/fuzz.sh                      every target, 60 s each
#   scripts/fuzz.sh 600 prometheus_fuzz  one target, 10 minutes
#   SOAK_FUZZ_RUNS=10000000 scripts/fuzz.sh 0    ten million executions each
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
scripts/setup.sh clang-14 libclang-rt-14-dev
build="${SOAK_FUZZ_BUILD_DIR:-build-fuzz}"
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSOAK_BUILD_FUZZ=ON -DSOAK_BUILD_TESTS=OFF -DSOAK_BUILD_BENCH=OFF -DSOAK_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target soak_fuzzers

# Seeds per target: directories or files of the test data.
seeds_for() {
  local go=probes/testdata/go
  case "$1" in
    specs_fuzz) echo fuzz/seeds/specs ;;
    config_fuzz) echo examples/demo ci/soak-nightly.json ;;
    run_data_fuzz) echo fuzz/seeds/run_data ;;
    gctrace_fuzz) echo $go/gctrace-go1.19.txt $go/gctrace-variants.txt ;;
    pprof_fuzz) ls $go/*-goroutine.txt $go/*-heap.txt ;;
    expvar_fuzz) ls $go/*-vars.json ;;
    prometheus_fuzz) ls $go/metrics-*.txt ;;
    http_response_fuzz) echo fuzz/seeds/http_response ;;
    prom_api_fuzz) echo fuzz/seeds/prom_api ;;
    *) for d in fuzz/seeds/"${1%_fuzz}"; do [ -d "$d" ] && echo "$d"; done ;;
  esac
}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/*_fuzz.cc; do targets+=("$(basename "${f%.cc}")"); done
fi
runs_flag=()
[ -n "${SOAK_FUZZ_RUNS:-}" ] && runs_flag=(-runs="$SOAK_FUZZ_RUNS")
status=0
printf '%-18s %14s %8s %10s %8s  %s\n' target executions seconds exec/s corpus result
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  for s in $(seeds_for "$t"); do
    if [ -d "$s" ]; then cp -n "$s"/* "$corpus"/ 2>/dev/null || true; else cp -n "$s" "$corpus"/; fi
  done
  log="$build/$t.log"
  start=$(date +%s.%N)
  set +e
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/fuzz/$t" -max_total_time="$seconds" "${runs_flag[@]}" -print_final_stats=1 \
      -max_len=8192 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
  rc=$?
  set -e
  end=$(date +%s.%N)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
  result=ok
  if [ $rc -ne 0 ]; then result="FINDING (exit $rc): see $log and $artifacts"; status=1; fi
  printf '%-18s %14s %8.0f %10.0f %8s  %s\n' "$t" "${execs:-?}" "$elapsed" \
    "$(awk -v n="${execs:-0}" -v s="$elapsed" 'BEGIN { print (s > 0 ? n / s : 0) }')" \
    "$(ls "$corpus" | wc -l)" "$result"
done
exit $status
