#!/usr/bin/env bash
# How fast the lode CLI starts and answers, beside other process starts
# measured in the same run: /bin/true, sqlite3 --version, rg --version,
# and curl asking the same server the same query.
#
# Usage: bench/cli_start.sh [RUNS]   (default 100 runs of each command)
# Environment: BUILD_DIR (default build).
# Prints a markdown table, also written to bench/out/cli_start.md: the
# median and 90th percentile wall time of each whole command, and the
# server's own time for the query (its stats.summary.execTime).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-100}
BUILD=$(realpath "${BUILD_DIR:-build}")
lode="$BUILD/lode"
OUT=bench/out
mkdir -p "$OUT"
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
url="http://127.0.0.1:$port"
"$lode" serve --data "$work/data" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  if curl -sf "$url/ready" >/dev/null 2>&1; then break; fi
  sleep 0.05
done
curl -sf "$url/ready" >/dev/null || { echo "lode serve did not start" >&2; exit 1; }

# 10,000 lines in one stream, one of them the needle.
now=$(date +%s%N)
python3 - "$now" >"$work/push.json" <<'PY'
import json, sys
now = int(sys.argv[1])
values = [[str(now - (10000 - i) * 1000000), f"level=info msg=\"request served\" id={i} took={i % 97}ms"] for i in range(10000)]
values[5000][1] = "level=error msg=\"zqxneedle found\" id=5000"
print(json.dumps({"streams": [{"stream": {"app": "bench"}, "values": values}]}))
PY
curl -sf -XPOST -H 'Content-Type: application/json' --data-binary @"$work/push.json" \
  "$url/loki/api/v1/push"
query='{app="bench"} |= "zqxneedle"'
enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$query")
qurl="$url/loki/api/v1/query_range?query=$enc&limit=100"
# Warm: the query answers from the page cache, as a repeated query does.
"$lode" query --url "$url" "$query" | grep -q zqxneedle

# Median and p90 in ms of RUNS runs of a command (one warm-up run first),
# started from Python (vfork and exec; a bash loop's own fork costs more
# than the commands measured).
time_cmd() {
  python3 - "$RUNS" "$@" <<'PY'
import subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
t = []
for _ in range(runs):
    a = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.append((time.perf_counter() - a) * 1000)
t.sort()
print("%.2f | %.2f" % (t[(len(t) - 1) // 2], t[int(len(t) * 0.9) - 1]))
PY
}

server_ms=$(for _ in $(seq 20); do curl -s "$qurl"; echo; done | python3 -c '
import json, statistics, sys
t = [json.loads(l)["data"]["stats"]["summary"]["execTime"] for l in sys.stdin if l.strip()]
print("%.3f" % (statistics.median(t) * 1000))')

table="$OUT/cli_start.md"
{
  echo "## Process start and a warm needle query ($RUNS runs each, wall time of the whole command)"
  echo
  echo "| command | median ms | p90 ms |"
  echo "|---|---|---|"
  echo "| \`/bin/true\` (a bare process start) | $(time_cmd /bin/true) |"
  if command -v sqlite3 >/dev/null; then echo "| \`sqlite3 --version\` | $(time_cmd sqlite3 --version) |"; fi
  if command -v rg >/dev/null; then echo "| \`rg --version\` | $(time_cmd rg --version) |"; fi
  echo "| \`lode --version\` | $(time_cmd "$lode" --version) |"
  echo "| \`curl\` of the query's URL | $(time_cmd curl -s "$qurl") |"
  echo "| \`lode query '$query'\` (1 of 10,000 lines) | $(time_cmd "$lode" query --url "$url" "$query") |"
  echo
  echo "The server's own time for the query (median stats.summary.execTime): $server_ms ms."
  echo "lode $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)."
} >"$table"
cat "$table"
