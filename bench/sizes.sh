#!/usr/bin/env bash
# Storage size on real logs (../shared/data beside the repository, when
# present): each corpus pushed into a fresh `lode serve` with `lode forward`
# (arrival times, one stream per file), then measured
#   - after a clean stop (SIGTERM: the head flushed to parts), and
#   - after quiet compaction (restarted with small_day_cold_after: 1s, so a
#     small day is rewritten as it is ten minutes after its last record),
# beside zstd -3, -9 and -19 of the same bytes (files concatenated), with
# where the part bytes go (lode_part_stats).
#
# Usage: bench/sizes.sh   (BUILD_DIR, default build; writes bench/out/sizes.md)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(realpath "${BUILD_DIR:-build}")
OUT=bench/out
data_dir="$(dirname "$(pwd)")/shared/data"
lode="$BUILD/lode"
mkdir -p "$OUT"
if [ ! -d "$data_dir" ]; then
  echo "no corpora at $data_dir: nothing to measure" >&2
  exit 0
fi
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cmake --build "$BUILD" --target lode lode_part_stats >/dev/null
fi

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "-- $*" >&2; }

# start_server, stop_server, metric.
source bench/server.sh
part_bytes() { find "$1" -name '*.part' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
x() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

echo "small_day_cold_after: 1s" >"$work/quiet.yaml"
rows="$work/rows.md"
details="$work/details.md"
: >"$rows"
: >"$details"

# corpus NAME FILE...: one row of the table.
corpus() {
  local name=$1
  shift
  say "$name"
  local raw lines z3 z9 z19
  raw=$(cat "$@" | wc -c)
  lines=$(cat "$@" | wc -l)
  z3=$(cat "$@" | zstd -q -3 -c | wc -c)
  z9=$(cat "$@" | zstd -q -9 -c | wc -c)
  z19=$(cat "$@" | zstd -q -19 -c | wc -c)
  local data="$work/data"
  rm -rf "$data"
  start_server "$data"
  for f in "$@"; do
    "$lode" forward --url "$url" -l "corpus=$name" -l "file=$(basename "$f")" -q <"$f"
  done
  local stored
  stored=$(curl -sS "$url/metrics" | awk '/^lode_ingested_records_total/ { s += $2 } END { print s + 0 }')
  stop_server
  local stop_parts stop_du
  stop_parts=$(part_bytes "$data")
  stop_du=$(du -sb "$data" | cut -f1)
  start_server "$data" --config "$work/quiet.yaml"
  # The first maintenance pass compacts the quiet day; then merges settle.
  local last="" now
  sleep 3
  for _ in $(seq 120); do
    now=$(metric lode_merges_total)
    [ "$(metric lode_merges_running)" = 0 ] && [ "$now" = "$last" ] && break
    last=$now
    sleep 1
  done
  stop_server
  local quiet_parts quiet_du
  quiet_parts=$(part_bytes "$data")
  quiet_du=$(du -sb "$data" | cut -f1)
  echo "| $name | $# | $lines ($stored stored) | $raw | $z3 | $z9 | $z19 | $stop_parts ($(x "$stop_parts" "$z9")x) | $quiet_parts (**$(x "$quiet_parts" "$z9")x**, $(x "$quiet_parts" "$z19")x zstd -19) | $quiet_du ($(x "$quiet_du" "$z9")x) |" >>"$rows"
  {
    echo
    echo "**$name** (after quiet compaction):"
    echo
    echo '```'
    "$BUILD/lode_part_stats" "$data"
    echo '```'
  } >>"$details"
}

loghub=("$data_dir"/loghub/*/*_2k.log)
if [ -e "${loghub[0]}" ]; then corpus loghub-16 "${loghub[@]}"; fi
for f in elastic-examples/apache_logs/apache_logs \
  elastic-examples/suspicious_login_activity/auth.log \
  elastic-examples/nginx_json_plus_logs/nginxplus_json_logs \
  otrf-security-datasets/windows/aptsimulator_cobaltstrike_2021-06-11T21081492.json \
  otrf-security-datasets/windows/empire_launcher_vbs_2020-09-04160940.json \
  otrf-security-datasets/aws/ec2_proxy_s3_exfiltration_2020-09-14011940.json; do
  if [ -f "$data_dir/$f" ]; then corpus "$(basename "$f" | cut -c1-24)" "$data_dir/$f"; fi
done
kafka=()
while IFS= read -r f; do kafka+=("$f"); done < <(find "$data_dir/elastic-examples/kafka_monitoring" -name '*.log*' -size +0 | sort)
if [ ${#kafka[@]} -gt 0 ]; then corpus kafka-logs "${kafka[@]}"; fi

{
  echo "### Size on real logs"
  echo
  echo "Each corpus pushed with \`lode forward\` into a fresh \`lode serve\` (arrival times; one stream per file), stopped cleanly, then restarted with \`small_day_cold_after: 1s\` until merges settled: what a small store holds ten minutes after its last record (the default). Bytes; ratios are to \`zstd -9\` of the same files concatenated. \`du -sb\` adds the data directory's entries (4,096 bytes per directory, five for one tenant and one day)."
  echo
  echo "| corpus | files | lines | raw | zstd -3 | zstd -9 | zstd -19 | lode parts, clean stop | lode parts, quiet | lode \`du -sb\`, quiet |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  cat "$rows"
  echo
  echo "Where the part bytes go (\`lode_part_stats DATA_DIR\`):"
  cat "$details"
} >"$OUT/sizes.md"
cat "$OUT/sizes.md"
