#!/usr/bin/env bash
# Stops what alertmanager-up.sh or prometheus-up.sh started in DIR, by the
# pid it wrote: SIGTERM, then SIGKILL after 10 s.
#   down.sh DIR NAME     (NAME: alertmanager or prometheus)
set -euo pipefail
dir=${1:?usage: down.sh DIR NAME}
name=${2:?usage: down.sh DIR NAME}
pidfile="$dir/$name.pid"
[[ -f $pidfile ]] || exit 0
pid=$(cat "$pidfile")
if kill "$pid" 2>/dev/null; then
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
fi
rm -f "$pidfile"
