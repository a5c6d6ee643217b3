#!/usr/bin/env bash
# Starts a 3-node NATS JetStream cluster on loopback for cluster tests and
# development, and waits until every node it started says it is healthy.
#
#   scripts/cluster/nats-up.sh          # nodes 1, 2 and 3
#   scripts/cluster/nats-up.sh 2        # node 2 only: restarts it on its store
#
# Idempotent: a node that runs is left alone; a node whose process is gone
# (stopped, or killed by scripts/cluster/nats-down.sh --kill) starts again
# on its own store, as a failed server would come back. Prints the
# client URLs on its last line: NATS_URL=nats://...,nats://...,nats://...
#
# Node i (1..3) listens on the base ports + i - 1:
#   LODE_NATS_DIR           state: nI.conf, nI/ (store), nI.log, nI.pid
#                           (/tmp/lode-cluster/nats)
#   LODE_NATS_CLIENT_PORT   clients (4222)
#   LODE_NATS_ROUTE_PORT    routes between the nodes (6222)
#   LODE_NATS_MONITOR_PORT  HTTP monitoring: /healthz, /jsz (8222)
#   LODE_NATS_TIMEOUT       seconds to wait for a node to be healthy (30)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/nats-common.sh"

command -v nats-server >/dev/null || { echo "nats-up: nats-server is not installed" >&2; exit 1; }
command -v curl >/dev/null || { echo "nats-up: curl is not installed" >&2; exit 1; }
nodes=${*:-1 2 3}
mkdir -p "$dir"

write_config() {
  local i=$1
  cat >"$dir/n$i.conf" <<CONF
server_name: n$i
listen: 127.0.0.1:$((client_port + i - 1))
http: 127.0.0.1:$((monitor_port + i - 1))
pid_file: "$dir/n$i.pid"
log_file: "$dir/n$i.log"
jetstream {
  store_dir: "$dir/n$i"
  max_memory_store: 256MB
  max_file_store: 4GB
}
cluster {
  name: lode
  listen: 127.0.0.1:$((route_port + i - 1))
  routes: [
    nats-route://127.0.0.1:$route_port
    nats-route://127.0.0.1:$((route_port + 1))
    nats-route://127.0.0.1:$((route_port + 2))
  ]
}
CONF
}

for i in $nodes; do
  check_node "$i"
  if node_running "$i"; then
    echo "n$i runs (pid $(cat "$dir/n$i.pid"))"
    continue
  fi
  mkdir -p "$dir/n$i"
  write_config "$i"
  rm -f "$dir/n$i.pid"
  # A session of its own, and no descriptor of ours: a test runner that
  # waits for this script's output, or signals its process group, does
  # not wait for or stop the server.
  setsid nats-server -c "$dir/n$i.conf" >>"$dir/n$i.stdout" 2>&1 </dev/null &
  echo "n$i started (pid $!)"
done

# /healthz answers ok once the node's JetStream is up and has caught up
# with the cluster's meta leader (503 before).
for i in $nodes; do
  deadline=$(($(date +%s) + timeout))
  until curl -fsS -m 1 "http://127.0.0.1:$((monitor_port + i - 1))/healthz" 2>/dev/null | grep -q '"ok"'; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "nats-up: n$i is not healthy after ${timeout}s; the end of $dir/n$i.log:" >&2
      tail -20 "$dir/n$i.log" >&2 2>/dev/null || true
      exit 1
    fi
    sleep 0.1
  done
done
echo "NATS_URL=nats://127.0.0.1:$client_port,nats://127.0.0.1:$((client_port + 1)),nats://127.0.0.1:$((client_port + 2))"
