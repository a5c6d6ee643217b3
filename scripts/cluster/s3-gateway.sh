#!/usr/bin/env bash
# Stops or starts only the gateway (radosgw) of the S3 service s3-up.sh
# runs in $LODE_S3_DIR, leaving its monitor and OSD (and so the objects)
# in place: an object store outage, as the cluster tests make one.
#   s3-gateway.sh stop     SIGTERM by its pid file; waits until it is gone
#   s3-gateway.sh start    starts it again; waits until S3 answers
set -euo pipefail
dir=${LODE_S3_DIR:-/tmp/lode-cluster/s3}
port=${LODE_S3_PORT:-7480}
wait_s=${LODE_S3_WAIT:-60}
export CEPH_CONF=$dir/ceph.conf
[[ -f $CEPH_CONF ]] || { echo "s3-gateway: no S3 service in $dir" >&2; exit 1; }

alive() { [[ -n $1 && -r /proc/$1/stat ]] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"; }

case ${1:-} in
  stop)
    for file in "$dir"/run/client.rgw.*.pid; do
      [[ -e $file ]] || continue
      pid=$(cat "$file")
      alive "$pid" || continue
      kill -TERM "$pid"
      deadline=$(($(date +%s) + 10))
      while alive "$pid" && (($(date +%s) < deadline)); do sleep 0.05; done
      if alive "$pid"; then kill -KILL "$pid"; fi
    done
    exit 0
    ;;
  start)
    radosgw -n client.rgw.a </dev/null >>"$dir/log/daemons.out" 2>&1
    deadline=$(($(date +%s) + wait_s))
    until curl -fsS -m 2 -o /dev/null "http://127.0.0.1:$port/"; do
      (($(date +%s) < deadline)) || { echo "s3-gateway: no answer on port $port" >&2; exit 1; }
      sleep 0.1
    done
    ;;
  *)
    echo "usage: s3-gateway.sh stop|start" >&2
    exit 2
    ;;
esac
