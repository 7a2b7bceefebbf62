#!/usr/bin/env bash
# Configures and builds soak into ${SOAK_BUILD_DIR:-build}: everything
# (examples, tests, benchmarks), or only the targets named as arguments
# (e.g. `scripts/build.sh soak soak_examples`). Used by test.sh and demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${SOAK_BUILD_DIR:-build}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
if [ $# -gt 0 ]; then
  cmake --build "$build" -j"$(nproc)" --target "$@"
else
  cmake --build "$build" -j"$(nproc)"
fi
