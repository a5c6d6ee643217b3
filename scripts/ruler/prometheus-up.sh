#!/usr/bin/env bash
# Starts Prometheus (Debian's prometheus) on loopback with its remote write
# receiver on, for the ruler's tests and for trying recording rules by
# hand:
#   prometheus-up.sh DIR PORT
# Its data, config, log and pid file go in DIR; it scrapes nothing. Waits
# at most 60 s for /-/ready; fails (and stops it) if it is not ready.
set -euo pipefail
dir=${1:?usage: prometheus-up.sh DIR PORT}
port=${2:?usage: prometheus-up.sh DIR PORT}
command -v prometheus > /dev/null || { echo "prometheus-up: prometheus is not installed (make deps)" >&2; exit 1; }
mkdir -p "$dir/data"
cat > "$dir/prometheus.yml" <<YAML
global:
  scrape_interval: 1m
scrape_configs: []
YAML
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
  --web.listen-address="127.0.0.1:$port" --web.enable-remote-write-receiver \
  > "$dir/prometheus.log" 2>&1 &
echo $! > "$dir/prometheus.pid"
for _ in $(seq 1 600); do
  if curl -fsS "http://127.0.0.1:$port/-/ready" > /dev/null 2>&1; then exit 0; fi
  if ! kill -0 "$(cat "$dir/prometheus.pid")" 2>/dev/null; then break; fi
  sleep 0.1
done
echo "prometheus-up: not ready on port $port; its log:" >&2
tail -20 "$dir/prometheus.log" >&2 || true
kill "$(cat "$dir/prometheus.pid")" 2>/dev/null || true
exit 1
