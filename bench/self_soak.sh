#!/usr/bin/env bash
# soak soaking soak. The inner soak is the SUT: it soaks the native example
# (healthy) under the built-in HTTP load, as a nightly job would. The outer
# soak judges the inner harness itself: rss=0.5MiB/h, fds=0/h, threads=0/h.
#
#   bench/self_soak.sh [DURATION] [OUT_DIR]     default 30m, self-soak-out
#
# Prints the outer verdict table and the inner harness's figures; exits with
# the outer soak's exit code (0 = the harness does not leak). Needs a build
# (scripts/build.sh soak soak_examples).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-30m}"
out="${2:-self-soak-out}"
build="${SOAK_BUILD_DIR:-build}"
soak="$build/soak"
server="$build/examples/native/leaky_server"
[ -x "$soak" ] && [ -x "$server" ] || { echo "self_soak: build first: scripts/build.sh soak soak_examples" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out"
port=$(( 20000 + RANDOM % 10000 ))
# The inner run outlives the outer one: the outer stops it (SIGTERM) at its
# end, and the inner soak then stops its SUT and writes its reports (exit 130).
inner_duration=24h

echo "self-soak: outer soak for $duration; inner soak of leaky_server on port $port at 200 req/s"
set +e
"$soak" run --duration "$duration" --out "$out/outer" --style basic \
  --budget rss=0.5MiB/h --budget fds=0/h --budget threads=0/h \
  -- "$soak" run --duration "$inner_duration" --out "$out/inner" --style basic \
       --ready "http://127.0.0.1:$port/healthz" \
       --workload "http://127.0.0.1:$port/api" --rate 200 --connections 8 \
       --budget rss=2MiB/h --budget fds=0/h --budget threads=0/h \
       -- "$server" --port "$port"
rc=$?
set -e
echo
echo "outer soak exit code: $rc (0 = the harness passed rss=0.5MiB/h, fds=0/h, threads=0/h)"
echo "outer summary: $out/outer/summary.json; report: $out/outer/report.html"
exit $rc
