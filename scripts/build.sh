#!/usr/bin/env bash
# Configures and builds soak (and its examples, tests, benchmarks) into
# ${SOAK_BUILD_DIR:-build}. Used by test.sh and demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${SOAK_BUILD_DIR:-build}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
