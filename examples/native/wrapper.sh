#!/bin/sh
# wrapper.sh CMD [ARGS...]: runs CMD as a child (not exec), forwards SIGTERM,
# SIGINT and SIGHUP to it, waits, and exits with its exit status (128+N when
# it died of signal N). Used to test that probes walk the whole process tree.
if [ $# -eq 0 ]; then
  echo "usage: wrapper.sh CMD [ARGS...]" >&2
  exit 2
fi
"$@" &
child=$!
forward() { kill -s "$1" "$child" 2>/dev/null; }
trap 'forward TERM' TERM
trap 'forward INT' INT
trap 'forward HUP' HUP
# wait returns early (status > 128) when a trapped signal arrives; keep
# waiting until the child is really gone to report its own status.
while :; do
  wait "$child"
  code=$?
  kill -0 "$child" 2>/dev/null || break
done
exit "$code"
