#!/bin/sh
# Re-captures the /proc files under this directory from a live machine:
#   capture.sh BUILD_DIR
# A wrapper.sh running leaky_server (sockets leaked) and a zombie. The fd
# directories are copied as symlinks with the same targets. Files are copied
# verbatim; malformed/ holds hand-damaged copies.
set -eu
build=${1:?usage: capture.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
"$build/examples/native/wrapper.sh" "$build/examples/native/leaky_server" --port 0 \
    --leak sockets --leak-per-s 20 >"$out" &
wrapper=$!
sleep 0.5
server=$(cat /proc/$wrapper/task/*/children 2>/dev/null || pgrep -P $wrapper)
python3 -c 'import os,time
if os.fork() == 0: os._exit(0)
time.sleep(3)' &
zparent=$!
sleep 0.5
zombie=$(pgrep -P $zparent)
rm -rf "$here"/[0-9]*
copy() {
  pid=$1
  rm -rf "$here/$pid"; mkdir -p "$here/$pid/fd" "$here/$pid/task"
  for f in stat status smaps_rollup; do
    cat /proc/$pid/$f >"$here/$pid/$f" 2>/dev/null || rm -f "$here/$pid/$f"  # zombies: ESRCH
  done
  for fd in $(ls /proc/$pid/fd); do ln -s "$(readlink /proc/$pid/fd/$fd)" "$here/$pid/fd/$fd"; done
  for t in $(ls /proc/$pid/task); do mkdir -p "$here/$pid/task/$t"; done
}
copy $wrapper; copy $server; copy $zombie
cat /proc/loadavg >"$here/loadavg"
echo "wrapper=$wrapper server=$server zombie=$zombie" >"$here/PIDS"
kill $wrapper; wait $wrapper || true; wait $zparent || true
rm -f "$out"
