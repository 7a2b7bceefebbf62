#!/bin/sh
# wrapper.sh CMD [ARGS...]: runs CMD as a child (not exec), forwards SIGTERM,
# SIGINT and SIGHUP to it, waits, and exits with its exit status (128+N when
# it died of signal N). Used to test that probes walk the whole process tree.
if [ $# -eq 0 ]; then
  echo "usage: wrapper.sh CMD [ARGS...]" >&2
  exit 2
fi
# Traps first: a signal that arrives while the child starts must not kill
# the wrapper with its default action.
child=
pending=
forward() {
  got=$1
  if [ -n "$child" ]; then kill -s "$1" "$child" 2>/dev/null; else pending=$1; fi
}
trap 'forward TERM' TERM
trap 'forward INT' INT
trap 'forward HUP' HUP
"$@" &
child=$!
[ -z "$pending" ] || kill -s "$pending" "$child" 2>/dev/null
# wait returns early (status > 128) when a trapped signal arrives: wait
# again then, until a wait returns because the child ended. The shell keeps
# the status of its reaped child until a wait reports it.
code=0
while :; do
  got=
  wait "$child"
  status=$?
  # 127: the child's status was already reported (a signal arrived just
  # after the previous wait returned); keep that status.
  [ -n "$got" ] && [ "$status" -eq 127 ] && break
  code=$status
  [ -n "$got" ] || break
done
exit "$code"
