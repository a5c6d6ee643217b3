#!/usr/bin/env bash
# Sustained ingest: a large corpus pushed as fast as the server takes it,
# counted until its merges settle, so that what a push costs later (head
# flushes, merges) is in the figure. Per run: lines per server core (the
# server's user + system CPU from the first push until its CPU stops
# growing), peak RSS (VmHWM), page faults (minflt) and part bytes.
#
# Usage: bench/ingest_sustained.sh [--runs N] [--corpus FILE] [BUILD_DIR...]
#   Each run starts a fresh `lode serve` of each build directory in turn
#   (default: build), so that two builds given are measured alternately:
#   this machine's speed drifts by a fifth from one minute to the next,
#   and only alternating runs compare two builds fairly.
#   Without --corpus: 1 GB made by lode_gen_corpus from ../shared/data's
#   Loghub samples when present, else from its built-in sample.
# Writes bench/out/ingest_sustained.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3
CORPUS=
builds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --corpus) CORPUS=$2; shift 2 ;;
    -*) echo "usage: bench/ingest_sustained.sh [--runs N] [--corpus FILE] [BUILD_DIR...]" >&2; exit 2 ;;
    *) builds+=("$(realpath "$1")"); shift ;;
  esac
done
[ ${#builds[@]} -gt 0 ] || builds=("$(realpath build)")
OUT=bench/out
mkdir -p "$OUT"
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cmake --build build --target lode lode_ingest_bench lode_gen_corpus >/dev/null
fi
client=$(realpath build/lode_ingest_bench)
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "-- $*" >&2; }

if [ -z "$CORPUS" ]; then
  CORPUS="$work/corpus.log"
  samples=("$(dirname "$(pwd)")"/shared/data/loghub/*/*_2k.log)
  if [ -e "${samples[0]}" ]; then
    say "1 GB corpus from the Loghub samples"
    build/lode_gen_corpus --bytes 1G --seed 42 --out "$CORPUS" "${samples[@]}" >/dev/null
  else
    say "1 GB corpus from the built-in sample"
    build/lode_gen_corpus --bytes 1G --seed 42 --out "$CORPUS" >/dev/null
  fi
fi
lines=$(wc -l <"$CORPUS")

source bench/server.sh
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$server/stat"; }
rows="$work/rows.md"
: >"$rows"
for run in $(seq "$RUNS"); do
  for b in "${builds[@]}"; do
    lode="$b/lode"
    say "run $run: $lode"
    rm -rf "$work/data"
    start_server "$work/data"
    c0=$(cpu)
    "$client" --url "$url" --protocol loki-protobuf --lines "$CORPUS" >"$work/client.txt"
    # Merges run on after the last push: wait until the CPU stops growing.
    last=$(cpu)
    for _ in $(seq 120); do
      sleep 2
      now=$(cpu)
      [ "$now" = "$last" ] && break
      last=$now
    done
    stored=$(curl -sS "$url/metrics" | awk '/^lode_ingested_records_total/ { s += $2 } END { print s + 0 }')
    hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$server/status")
    faults=$(awk '{ print $10 }' "/proc/$server/stat")
    stop_server
    parts=$(find "$work/data" -name '*.part' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    # The peer: user + system CPU of one zstd -3 thread over the corpus.
    TIMEFORMAT='%3U %3S'
    { time zstd -q -3 -T1 -c "$CORPUS" >/dev/null; } 2>"$work/zstd.time"
    zcpu=$(awk '{ print $1 + $2 }' "$work/zstd.time")
    awk -v b="$b" -v run="$run" -v n="$stored" -v c="$(awk -v a="$c0" -v z="$last" 'BEGIN { print z - a }')" \
      -v hwm="$hwm" -v f="$faults" -v p="$parts" -v lines="$lines" -v z="$zcpu" \
      'BEGIN { printf "| %s | %d | %d | %.2f s | %.0fk | %.0fk | %.3f | %.0f MB | %d | %d |\n", b, run, n, c, n / c / 1000, lines / z / 1000, (n / c) / (lines / z), hwm / 1024, f, p }' >>"$rows"
  done
done
{
  echo "### Sustained ingest ($lines lines, $(du -h "$CORPUS" | cut -f1), loki-protobuf, 4 connections, until merges settle)"
  echo
  echo "| build | run | stored | server CPU | lines per core | zstd -3 lines per core | share of zstd -3 | peak RSS | page faults | part bytes |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  cat "$rows"
} >"$OUT/ingest_sustained.md"
cat "$OUT/ingest_sustained.md"
