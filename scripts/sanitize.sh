#!/usr/bin/env bash
# Builds the unit tests (every module's soak_*_tests, and the example services
# some of them run) with AddressSanitizer and UndefinedBehaviorSanitizer into
# ${SOAK_ASAN_BUILD_DIR:-build-asan} and runs them. Not part of .ci/run: the
# second full build would push CI past its 15-minute budget (docs/fuzzing.md).
#
#   scripts/sanitize.sh                 every unit-test binary
#   scripts/sanitize.sh soak_probes_tests --gtest_filter='Prom*'
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build="${SOAK_ASAN_BUILD_DIR:-build-asan}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOAK_SANITIZE=ON \
  -DSOAK_BUILD_BENCH=OFF >/dev/null
all=(soak_common_tests soak_analysis_tests soak_net_tests soak_probes_tests soak_workloads_tests
     soak_reports_tests soak_harness_tests)
if [ $# -gt 0 ]; then targets=("$1"); shift; else targets=("${all[@]}"); fi
cmake --build "$build" -j"$(nproc)" --target soak soak_examples "${targets[@]}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export SOAK_BUILD_DIR="$(cd "$build" && pwd)" SOAK_SOURCE_DIR="$PWD"  # absolute or relative SOAK_ASAN_BUILD_DIR
failed=()
for t in "${targets[@]}"; do
  echo "== $t"
  "$build/$t" "$@" || failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "sanitize: failed: ${failed[*]}" >&2
  exit 1
fi
echo "sanitize: ${#targets[@]} test binaries passed under ASan+UBSan"
