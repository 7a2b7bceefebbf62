#!/usr/bin/env bash
# The main job: installs what is missing, builds soak, then soaks the bundled
# Go example service under soak's built-in HTTP load twice: once healthy
# (a cache that fills, then stays flat) and once leaking a goroutine per
# request. Prints each run directory and report. Exits 0 when soak reached
# the expected verdicts (pass, then fail with exit code 1), else 1.
#
#   ./scripts/demo.sh [DURATION]     default 5m per run (a young Go service's RSS creeps for
#                                    about two minutes: a shorter run cannot tell that from a leak)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-5m}"
scripts/setup.sh
scripts/build.sh soak soak_examples
out="${SOAK_DEMO_OUT:-demo-out}"
mkdir -p "$out"

run() {  # NAME CONFIG EXPECTED_EXIT
  local name="$1" config="$2" expected="$3" code=0
  echo
  echo "=== soak run --config $config --duration $duration --out $out/$name"
  build/soak run --config "$config" --duration "$duration" --out "$out/$name" --force --style basic || code=$?
  echo "--- $name: exit code $code (expected $expected); report: $out/$name/report.html"
  [ "$code" -eq "$expected" ]
}

ok=0
run healthy examples/demo/healthy.json 0 || ok=1
run leaking examples/demo/leaking.json 1 || ok=1
echo
echo "Run directories: $(cd "$out" && pwd)/healthy  $(cd "$out" && pwd)/leaking"
if [ "$ok" -eq 0 ]; then echo "demo: verdicts as expected (healthy passed, leak failed)"; else echo "demo: unexpected verdict"; fi
exit "$ok"
