#!/usr/bin/env bash
# Cluster mode beside a single node, on this machine: ingest rates through
# one and three members, durable acknowledgement latency (JetStream R3 vs
# a single node's fsync), and a needle and a count over parts read cold
# from the bucket, warm from the block cache, and from a single node's
# local disk.
#
# Usage: bench/cluster.sh [--lines N]   (default 400000 lines)
# Starts its own NATS JetStream (3 servers) and Ceph RGW on bench ports
# (24222-24224, 27480), all on the same 2 cores as lode and the load
# generator, and stops them at the end. Writes bench/out/cluster.md.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=400000
while [ $# -gt 0 ]; do
  case "$1" in
    --lines) LINES=$2; shift 2 ;;
    *) echo "usage: bench/cluster.sh [--lines N]" >&2; exit 2 ;;
  esac
done
BUILD=$(realpath "${BUILD_DIR:-build}")
OUT=bench/out
mkdir -p "$OUT"
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cmake --build "$BUILD" --target lode lode_ingest_bench lode_gen_corpus >/dev/null
fi
work=$(mktemp -d)
export LODE_NATS_DIR=$work/nats LODE_NATS_CLIENT_PORT=24222 LODE_NATS_ROUTE_PORT=26222
export LODE_NATS_MONITOR_PORT=28222
export LODE_S3_DIR=$work/s3 LODE_S3_PORT=27480 LODE_S3_MON_PORT=23300 LODE_S3_MON_PORT_V1=26789
export LODE_S3_OSD_PORT_MIN=26800 LODE_S3_OSD_PORT_MAX=26899 LODE_S3_MEMORY=4294967296
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  bash scripts/cluster/nats-down.sh >/dev/null 2>&1 || true
  bash scripts/cluster/s3-down.sh >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "-- $*" >&2; }

say "services"
bash scripts/cluster/nats-up.sh >/dev/null
bash scripts/cluster/s3-up.sh >/dev/null 2>&1
# shellcheck disable=SC1091
. "$LODE_S3_DIR/s3.env"
NATS="nats://127.0.0.1:24222, nats://127.0.0.1:24223, nats://127.0.0.1:24224"

corpus="$work/corpus.log"
"$BUILD/lode_gen_corpus" --bytes 200M --seed 7 --out "$work/full.log" >/dev/null
head -n "$LINES" "$work/full.log" >"$corpus"
rm -f "$work/full.log"
LINES=$(wc -l <"$corpus")
bytes=$(stat -c %s "$corpus")
# A needle: the longest word of the middle line, and how many lines hold it.
needle=$(sed -n "$((LINES / 2))p" "$corpus" | grep -o '[A-Za-z0-9_.-]\{6,\}' | awk '{ print length, $0 }' |
  sort -rn | head -1 | cut -d' ' -f2)
needle_lines=$(grep -cF -- "$needle" "$corpus" || true)

# start_member NAME ID PORT [cluster yaml...]: a member of cluster NAME.
start_member() {
  local name=$1 id=$2 port=$3
  mkdir -p "$work/$name-$id"
  cat >"$work/$name-$id/lode.yaml" <<YAML
cluster:
  name: $name
  node_id: $id
  advertise: 127.0.0.1:$port
  nats: [$NATS]
  partitions: 16
  replicas: 3
  s3: {endpoint: $S3_ENDPOINT, bucket: $name, access_key: $AWS_ACCESS_KEY_ID, secret_key: $AWS_SECRET_ACCESS_KEY}
  cache_dir: $work/$name-$id/cache
  head_max_age: ${HEAD_AGE:-5m}
YAML
  "$BUILD/lode" serve --config "$work/$name-$id/lode.yaml" --data "$work/$name-$id/data" \
    --listen "127.0.0.1:$port" 2>"$work/$name-$id/log" &
  pids+=($!)
  echo $! >"$work/$name-$id/pid"
  for _ in $(seq 1 300); do
    curl -fsS -m 1 "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "member $id did not start" >&2
  cat "$work/$name-$id/log" >&2
  exit 1
}
stop_pid() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
metric_sum() { # metric ports...
  local m=$1; shift
  for p in "$@"; do curl -sS "http://127.0.0.1:$p/metrics"; done |
    awk -v m="$m" '$1 == m { s += $2 } END { print s + 0 }'
}
wait_owned() { # ports... — every partition owned, each member its share
  local share=$((16 / $#)) p ok
  for _ in $(seq 1 300); do
    ok=1
    [ "$(metric_sum lode_cluster_partitions_owned "$@")" = 16 ] || ok=0
    for p in "$@"; do
      [ "$(metric_sum lode_cluster_partitions_owned "$p")" -ge "$share" ] || ok=0
    done
    if [ $ok = 1 ]; then sleep 4; return 0; fi  # every member's view has caught up
    sleep 0.2
  done
  echo "partitions not all owned" >&2; exit 1
}
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"; }
nats_cpu() {
  local s=0
  for i in 1 2 3; do s=$(awk -v a="$s" -v b="$(cpu_of "$(cat "$LODE_NATS_DIR/n$i.pid")")" 'BEGIN { print a + b }'); done
  echo "$s"
}
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { r = s > 0 ? n / s : 0; if (r >= 1e6) printf "%.2fM", r / 1e6; else printf "%.0fk", r / 1e3 }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }

rows=()
# ingest_row LABEL "lode pids" "ports" durable? — load spread over the ports
ingest_row() {
  local label=$1 lpids=$2 ports=$3 flag=$4 durability=best-effort
  [ -n "$flag" ] && durability=durable
  local n_ports per cpu0=0 ncpu0 t0 outs=() i=0
  rm -f "$work"/out-*
  n_ports=$(wc -w <<<"$ports")
  per=$(( (LINES + n_ports - 1) / n_ports ))
  for p in $lpids; do cpu0=$(awk -v a="$cpu0" -v b="$(cpu_of "$p")" 'BEGIN { print a + b }'); done
  ncpu0=$(nats_cpu)
  t0=$EPOCHREALTIME
  for port in $ports; do
    sed -n "$((i * per + 1)),$(((i + 1) * per))p" "$corpus" >"$work/part-$i.log"
    "$BUILD/lode_ingest_bench" --url "http://127.0.0.1:$port" --protocol loki-protobuf \
      --streams 64 --lines "$work/part-$i.log" $flag >"$work/out-$i" &
    outs+=($!)
    i=$((i + 1))
  done
  for o in "${outs[@]}"; do wait "$o"; done
  local secs cpu=0 ncpu p50 p99
  secs=$(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { print a - b }')
  for p in $lpids; do cpu=$(awk -v a="$cpu" -v b="$(cpu_of "$p")" 'BEGIN { print a + b }'); done
  cpu=$(awk -v a="$cpu" -v b="$cpu0" 'BEGIN { printf "%.2f", a - b }')
  ncpu=$(awk -v a="$(nats_cpu)" -v b="$ncpu0" 'BEGIN { printf "%.2f", a - b }')
  p50=$(field p50_ms "$(cat "$work/out-0")")
  p99=$(field p99_ms "$(cat "$work/out-0")")
  local retried
  retried=$(cat "$work"/out-* | sed -n 's/.*retries=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
  rows+=("| $label | $durability | $(rate "$LINES" "$secs") | $cpu s | $(rate "$LINES" "$cpu") | $ncpu s | $p50 ms | $p99 ms | $retried |")
}

say "single node"
"$BUILD/lode" serve --data "$work/single" --listen 127.0.0.1:23100 2>"$work/single.log" &
single=$!
pids+=($single)
until curl -fsS -m 1 http://127.0.0.1:23100/ready >/dev/null 2>&1; do sleep 0.1; done
ingest_row "single node" "$single" "23100" ""
stop_pid "$single"; rm -rf "$work/single"
"$BUILD/lode" serve --data "$work/single" --listen 127.0.0.1:23100 2>"$work/single.log" &
single=$!; pids+=($single)
until curl -fsS -m 1 http://127.0.0.1:23100/ready >/dev/null 2>&1; do sleep 0.1; done
ingest_row "single node" "$single" "23100" "--durable"

say "1 member"
start_member one a 23101
wait_owned 23101
ingest_row "1 member" "$(cat "$work/one-a/pid")" "23101" ""
sleep 5  # the best-effort window drains
ingest_row "1 member" "$(cat "$work/one-a/pid")" "23101" "--durable"
stop_pid "$(cat "$work/one-a/pid")"

say "3 members"
HEAD_AGE=5s
start_member three a 23111; start_member three b 23112; start_member three c 23113
wait_owned 23111 23112 23113
three_pids="$(cat "$work/three-a/pid") $(cat "$work/three-b/pid") $(cat "$work/three-c/pid")"
ingest_row "3 members" "$three_pids" "23111 23112 23113" ""
sleep 5
ingest_row "3 members" "$three_pids" "23111 23112 23113" "--durable"

# Small durable pushes, one at a time: the acknowledgement's own latency.
say "ack latency"
small="$work/small.log"; head -n 2000 "$corpus" >"$small"
lat() { "$BUILD/lode_ingest_bench" --url "$1" --protocol loki-protobuf --lines "$small" \
          --batch-lines 10 --concurrency 1 --durable; }
lat_single=$(lat http://127.0.0.1:23100)
lat_cluster=$(lat http://127.0.0.1:23111)

# Queries: the 3-member cluster's data once in parts, and the single node's.
say "queries"
for _ in $(seq 1 300); do
  [ "$(metric_sum lode_cluster_head_records 23111 23112 23113)" = 0 ] && break
  sleep 0.5
done
parts=$(metric_sum lode_cluster_parts_uploaded_total 23111 23112 23113)
t_end=$(( $(date +%s) + 600 ))000000000
t_start=$(( $(date +%s) - 86400 ))000000000
needle_q="{app=\"ingest-bench\"} |= \"$needle\""
count_q='sum(count_over_time({app="ingest-bench"}[1d]))'
time_query() { # port query -> seconds
  curl -sS -o /dev/null -w '%{time_total}' -G "http://127.0.0.1:$1/loki/api/v1/query_range" \
    --data-urlencode "query=$2" --data-urlencode "start=$t_start" --data-urlencode "end=$t_end" \
    --data-urlencode "step=3600" --data-urlencode "limit=100"
}
# Cold: a member restarted (its cache starts empty) answers first.
stop_pid "$(cat "$work/three-a/pid")"
start_member three a 23111
wait_owned 23111 23112 23113
cold_needle=$(time_query 23111 "$needle_q")
warm_needle=$(time_query 23111 "$needle_q")
stop_pid "$(cat "$work/three-a/pid")"
start_member three a 23111
wait_owned 23111 23112 23113
cold_count=$(time_query 23111 "$count_q")
warm_count=$(time_query 23111 "$count_q")
fetched=$(metric_sum lode_cluster_cache_fetched_bytes_total 23111)
# The single node, restarted so that its data is in parts on disk.
stop_pid "$single"
"$BUILD/lode" serve --data "$work/single" --listen 127.0.0.1:23100 2>"$work/single.log" &
single=$!; pids+=($single)
until curl -fsS -m 1 http://127.0.0.1:23100/ready >/dev/null 2>&1; do sleep 0.1; done
time_query 23100 "$needle_q" >/dev/null
local_needle=$(time_query 23100 "$needle_q")
local_count=$(time_query 23100 "$count_q")

{
  echo "## Cluster mode ($LINES lines, $(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }'), 64 streams, 16 partitions, JetStream R3; all on one 2-core machine)"
  echo
  echo "| where | durability | lines/s (wall) | lode CPU | lines/s per lode core | NATS CPU | ack p50 | ack p99 | pushes retried (429) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Durable pushes of 10 lines, one at a time: single node (fsync) p50 $(field p50_ms "$lat_single") ms, p99 $(field p99_ms "$lat_single") ms; cluster (JetStream R3 ack) p50 $(field p50_ms "$lat_cluster") ms, p99 $(field p99_ms "$lat_cluster") ms."
  echo
  echo "| query (HTTP, limit 100) | cold from the bucket | warm from the cache | single node, local disk |"
  echo "|---|---|---|---|"
  echo "| needle \`|= \"$needle\"\` ($needle_lines lines) | $(ms "$cold_needle") ms | $(ms "$warm_needle") ms | $(ms "$local_needle") ms |"
  echo "| \`$count_q\` | $(ms "$cold_count") ms | $(ms "$warm_count") ms | $(ms "$local_count") ms |"
  echo
  echo "Parts uploaded: $parts; bytes the restarted member fetched for its cold count: $fetched."
} | tee "$OUT/cluster.md"
