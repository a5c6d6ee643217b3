#!/usr/bin/env bash
# Starts Prometheus Alertmanager (Debian's prometheus-alertmanager) on
# loopback for the ruler's tests and for trying alerts by hand:
#   alertmanager-up.sh DIR PORT
# Its data, config, log and pid file go in DIR; it routes every alert to a
# receiver that does nothing, so alerts are only listed by its API. Waits
# at most 30 s for /-/ready; fails (and stops it) if it is not ready.
set -euo pipefail
dir=${1:?usage: alertmanager-up.sh DIR PORT}
port=${2:?usage: alertmanager-up.sh DIR PORT}
bin=$(command -v prometheus-alertmanager || command -v alertmanager || true)
[[ -n $bin ]] || { echo "alertmanager-up: prometheus-alertmanager is not installed (make deps)" >&2; exit 1; }
mkdir -p "$dir/data"
cat > "$dir/alertmanager.yml" <<YAML
route:
  receiver: none
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: none
YAML
# No cluster gossip: one instance, nothing else on the network.
"$bin" --config.file="$dir/alertmanager.yml" --storage.path="$dir/data" \
  --web.listen-address="127.0.0.1:$port" --cluster.listen-address= \
  > "$dir/alertmanager.log" 2>&1 &
echo $! > "$dir/alertmanager.pid"
for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$port/-/ready" > /dev/null 2>&1; then exit 0; fi
  if ! kill -0 "$(cat "$dir/alertmanager.pid")" 2>/dev/null; then break; fi
  sleep 0.1
done
echo "alertmanager-up: not ready on port $port; its log:" >&2
tail -20 "$dir/alertmanager.log" >&2 || true
kill "$(cat "$dir/alertmanager.pid")" 2>/dev/null || true
exit 1
