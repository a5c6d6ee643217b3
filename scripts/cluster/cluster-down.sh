#!/usr/bin/env bash
# `make cluster-down`: stops what cluster-up.sh started, by pid files:
# the lode members (SIGTERM: each hands its partitions over), then NATS
# and the S3 service. State stays in $LODE_CLUSTER_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${LODE_CLUSTER_DIR:-./lode-cluster}
[ -d "$dir" ] || { echo "cluster-down: no cluster in $dir"; exit 0; }
dir=$(cd "$dir" && pwd)
for id in a b c; do
  pidfile="$dir/$id/lode.pid"
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
done
LODE_NATS_DIR=${LODE_NATS_DIR:-$dir/nats} bash "$here/nats-down.sh" || true
LODE_S3_DIR=${LODE_S3_DIR:-$dir/s3} bash "$here/s3-down.sh" || true
echo "cluster stopped"
