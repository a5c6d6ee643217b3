#!/usr/bin/env bash
# `make cluster`: a whole lode cluster on this machine's loopback, for
# trying cluster mode out: a 3-node NATS JetStream cluster
# (scripts/cluster/nats-up.sh), a Ceph RGW bucket (scripts/cluster/s3-up.sh)
# and three lode members on ports 3101-3103, each with its own config,
# cache and log under $LODE_CLUSTER_DIR. Prints the members' URLs.
# Stop everything with cluster-down.sh (`make cluster-down`).
#
# Knobs: LODE_CLUSTER_DIR (default ./lode-cluster), LODE_BINARY (default
# build/lode), LODE_CLUSTER_PORT (first member's port, default 3101).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=$(mkdir -p "${LODE_CLUSTER_DIR:-./lode-cluster}" && cd "${LODE_CLUSTER_DIR:-./lode-cluster}" && pwd)
binary=${LODE_BINARY:-$here/../../build/lode}
first_port=${LODE_CLUSTER_PORT:-3101}
[ -x "$binary" ] || { echo "cluster-up: no lode binary at $binary (make build)" >&2; exit 1; }

export LODE_NATS_DIR=${LODE_NATS_DIR:-$dir/nats}
export LODE_S3_DIR=${LODE_S3_DIR:-$dir/s3}
bash "$here/nats-up.sh" >/dev/null
bash "$here/s3-up.sh" >/dev/null
# shellcheck disable=SC1091
. "$LODE_S3_DIR/s3.env"
nats_port=${LODE_NATS_CLIENT_PORT:-4222}
nats="nats://127.0.0.1:$nats_port, nats://127.0.0.1:$((nats_port + 1)), nats://127.0.0.1:$((nats_port + 2))"

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

i=0
for id in a b c; do
  port=$((first_port + i))
  i=$((i + 1))
  mkdir -p "$dir/$id"
  if running "$dir/$id/lode.pid"; then continue; fi
  cat > "$dir/$id/lode.yaml" <<YAML
cluster:
  node_id: $id
  advertise: 127.0.0.1:$port
  nats: [$nats]
  partitions: 16
  replicas: 3
  s3:
    endpoint: $S3_ENDPOINT
    bucket: lode
    region: us-east-1
    access_key: $AWS_ACCESS_KEY_ID
    secret_key: $AWS_SECRET_ACCESS_KEY
  cache_dir: $dir/$id/cache
  cache_max_bytes: 1GB
YAML
  nohup "$binary" serve --config "$dir/$id/lode.yaml" --data "$dir/$id/data" \
    --listen "127.0.0.1:$port" >>"$dir/$id/lode.log" 2>&1 </dev/null &
  echo $! > "$dir/$id/lode.pid"
done

deadline=$(( $(date +%s) + 60 ))
for i in 0 1 2; do
  port=$((first_port + i))
  until curl -fsS -m 1 "http://127.0.0.1:$port/ready" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "cluster-up: member on port $port is not ready; its log:" >&2
      tail -20 "$dir/$(echo a b c | cut -d' ' -f$((i + 1)))/lode.log" >&2
      exit 1
    fi
    sleep 0.2
  done
done

echo "lode cluster is up (state in $dir):"
for i in 0 1 2; do echo "  member $(echo a b c | cut -d' ' -f$((i + 1))): http://127.0.0.1:$((first_port + i))/"; done
echo "  NATS:  $nats"
echo "  S3:    $S3_ENDPOINT (bucket lode)"
echo "push to any member, e.g.  lode forward --url http://127.0.0.1:$first_port -l app=demo < some.log"
echo "stop with: make cluster-down"
