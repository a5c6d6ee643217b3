#!/usr/bin/env bash
# Stops nodes that scripts/cluster/nats-up.sh started, found by their pid
# files only (same LODE_NATS_* settings).
#
#   scripts/cluster/nats-down.sh              # all nodes; deletes the state
#   scripts/cluster/nats-down.sh --keep       # all nodes; keeps the stores
#   scripts/cluster/nats-down.sh 2            # node 2; keeps its store
#   scripts/cluster/nats-down.sh --kill 2     # SIGKILL node 2 at once, as a
#                                             # crash would (nats-up.sh 2
#                                             # restarts it on its store)
#
# Otherwise a node gets SIGTERM and 10 s to stop, then SIGKILL.
# Idempotent: a node that does not run is skipped.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/nats-common.sh"

signal=TERM
keep=0
nodes=()
for arg in "$@"; do
  case $arg in
    --kill) signal=KILL ;;
    --keep) keep=1 ;;
    *) check_node "$arg"; nodes+=("$arg") ;;
  esac
done
if [ ${#nodes[@]} -gt 0 ]; then keep=1; else nodes=(1 2 3); fi
[ -d "$dir" ] || exit 0

pids=()
for i in "${nodes[@]}"; do
  if node_running "$i"; then
    pid=$(cat "$dir/n$i.pid")
    kill -"$signal" "$pid" && pids+=("$pid") && echo "n$i stopping (pid $pid, SIG$signal)"
  fi
done

deadline=$(($(date +%s) + 10))
for pid in "${pids[@]}"; do
  while pid_running "$pid"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      kill -KILL "$pid" 2>/dev/null
      break
    fi
    sleep 0.05
  done
done
for pid in "${pids[@]}"; do
  for ((t = 0; t < 100; t++)); do pid_running "$pid" || break; sleep 0.05; done
done

if [ $keep = 1 ]; then
  for i in "${nodes[@]}"; do rm -f "$dir/n$i.pid"; done
else
  rm -rf "$dir"
fi
exit 0
