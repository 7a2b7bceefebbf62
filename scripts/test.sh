#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
cd "${SOAK_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 900 -j"${SOAK_TEST_JOBS:-2}"
