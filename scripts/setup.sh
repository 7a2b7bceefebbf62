#!/usr/bin/env bash
# Installs the Debian packages soak needs. Idempotent: when every package is
# already present it returns in well under a second without touching apt.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-filesystem1.81-dev libssl-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libre2-dev libdw-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-matplotlib python3-yaml
  chromium
  golang-go
  wrk
  prometheus
)
# Extra packages named as arguments (scripts/fuzz.sh: clang-14 ...).
PACKAGES+=("$@")

missing=()
# Everything the tests need is installed (the browser test needs chromium,
# the workflow test python3-yaml): a test that cannot run is shown as skipped.
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
