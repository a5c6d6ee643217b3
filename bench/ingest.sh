#!/usr/bin/env bash
# End-to-end ingest rates per protocol, best-effort and durable side by
# side, with the time each durable acknowledgement took (p50, p99).
#
# Usage: bench/ingest.sh [--lines N]   (default 400000 lines)
# A fresh `lode serve` per row; the load comes from build/lode_ingest_bench
# (bodies encoded before the clock starts, 4 connections, 1000 lines per
# push) on the same 2 cores. "per core" divides the lines by the server's
# own CPU seconds (user + system), so it does not count the load
# generator. Lines come from the corpus build/lode_gen_corpus makes from
# its built-in sample. Writes bench/out/ingest.md.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=400000
while [ $# -gt 0 ]; do
  case "$1" in
    --lines) LINES=$2; shift 2 ;;
    *) echo "usage: bench/ingest.sh [--lines N]" >&2; exit 2 ;;
  esac
done
BUILD=$(realpath "${BUILD_DIR:-build}")
OUT=bench/out
mkdir -p "$OUT"
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cmake --build "$BUILD" --target lode lode_ingest_bench lode_gen_corpus >/dev/null
fi
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "-- $*" >&2; }

corpus="$work/corpus.log"
"$BUILD/lode_gen_corpus" --bytes 200M --seed 7 --out "$work/full.log" >/dev/null
head -n "$LINES" "$work/full.log" >"$corpus"
rm -f "$work/full.log"
LINES=$(wc -l <"$corpus")
bytes=$(stat -c %s "$corpus")

start_server() {
  local data=$1
  shift
  rm -rf "$data"
  "$BUILD/lode" serve --data "$data" --listen 127.0.0.1:0 "$@" 2>"$work/server.log" &
  server=$!
  for _ in $(seq 1 200); do
    if grep -q 'msg="lode is ready"' "$work/server.log"; then break; fi
    sleep 0.05
  done
  url="http://$(sed -n 's/.*msg="lode is ready" listen=\([^ ]*\).*/\1/p' "$work/server.log")"
}
stop_server() {
  kill -TERM "$server"
  wait "$server" 2>/dev/null || true
  server=
}
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$server/stat"; }
stored() { curl -sS "$url/metrics" | awk '/^lode_ingested_records_total/ { s += $2 } END { print s + 0 }'; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { r = s > 0 ? n / s : 0; if (r >= 1e6) printf "%.2fM", r / 1e6; else printf "%.0fk", r / 1e3 }'; }

rows=()
for protocol in loki-protobuf loki-json otlp-protobuf otlp-json jsonl plain; do
  for durability in best-effort durable; do
    say "$protocol, $durability"
    start_server "$work/data"
    cpu0=$(server_cpu)
    flag=
    if [ "$durability" = durable ]; then flag=--durable; fi
    out=$("$BUILD/lode_ingest_bench" --url "$url" --protocol "$protocol" --lines "$corpus" $flag)
    cpu=$(awk -v a="$(server_cpu)" -v b="$cpu0" 'BEGIN { printf "%.3f", a - b }')
    n=$(stored)
    secs=$(field seconds "$out")
    rows+=("| $protocol | $durability | $(rate "$n" "$secs") | $cpu s | $(rate "$n" "$cpu") | $(field p50_ms "$out") ms | $(field p99_ms "$out") ms | $n |")
    stop_server
  done
done

say "syslog-tcp"
start_server "$work/data" --syslog-tcp 127.0.0.1:0
port=$(sed -n 's/.*msg="syslog is listening" tcp=\([0-9]*\).*/\1/p' "$work/server.log")
cpu0=$(server_cpu)
t0=$EPOCHREALTIME
"$BUILD/lode_ingest_bench" --protocol syslog-tcp --syslog "127.0.0.1:$port" --lines "$corpus" >/dev/null
# Syslog has no acknowledgement: the clock stops when every line is stored.
for _ in $(seq 1 600); do
  if [ "$(stored)" -ge "$LINES" ]; then break; fi
  sleep 0.05
done
secs=$(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { print a - b }')
cpu=$(awk -v a="$(server_cpu)" -v b="$cpu0" 'BEGIN { printf "%.3f", a - b }')
n=$(stored)
rows+=("| syslog-tcp (RFC 5424, octet counting) | best-effort | $(rate "$n" "$secs") | $cpu s | $(rate "$n" "$cpu") | - | - | $n |")
stop_server

{
  echo "## Ingest per protocol ($LINES lines, $(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }'), 4 connections, 1000 lines per push)"
  echo
  echo "| protocol | durability | lines/s (wall) | server CPU | lines/s per server core | ack p50 | ack p99 | stored |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$OUT/ingest.md"
