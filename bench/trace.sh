#!/usr/bin/env bash
# How long `lode trace ID` and `lode patterns` take on a large store: a
# corpus (1 GB by default, from lode_gen_corpus, whose needle id occurs a
# few times) is forwarded into lode serve, which is then restarted so
# that everything is in parts; then `lode trace <needle>` (no selector:
# every stream of the tenant) and `lode patterns` over all of it are
# timed, median of 5 (patterns: of 3), beside `rg -c` over the raw file.
#
# usage: bash bench/trace.sh [--bytes 1G]
set -euo pipefail
cd "$(dirname "$0")/.."
BYTES=1G
[[ ${1:-} == --bytes ]] && BYTES=$2
BUILD=${BUILD:-build}
cmake --build "$BUILD" --target lode lode_gen_corpus >/dev/null
lode=$BUILD/lode
work=$(mktemp -d /tmp/lode-trace-bench.XXXXXX)
server=""
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$((20000 + RANDOM % 10000))
url=http://127.0.0.1:$port
start_server() {
  "$lode" serve --data "$work/data" --listen "127.0.0.1:$port" 2>>"$work/server.log" &
  server=$!
  for _ in $(seq 1 300); do curl -fsS "$url/ready" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "lode serve did not start" >&2
  exit 1
}
gen=$("$BUILD/lode_gen_corpus" --bytes "$BYTES" --out "$work/corpus.log" 2>&1)
needle=$(sed -n 's/.* needle=\([^ ]*\).*/\1/p' <<<"$gen")
lines=$(sed -n 's/.*\blines=\([0-9]*\).*/\1/p' <<<"$gen")
start_server
"$lode" forward --url "$url" -l app=bench -q <"$work/corpus.log"
kill "$server"
wait "$server" || true
start_server
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
time_ms() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}
"$lode" trace "$needle" --url "$url" --since 24h >/dev/null # warm-up
found=$("$lode" trace "$needle" --url "$url" --since 24h -o jsonl | wc -l)
trace_ms=$(for _ in 1 2 3 4 5; do time_ms "$lode" trace "$needle" --url "$url" --since 24h; done | median)
rg_ms=$(for _ in 1 2 3 4 5; do time_ms rg -c "$needle" "$work/corpus.log"; done | median)
patterns=$("$lode" patterns '{app="bench"}' --url "$url" --since 24h | wc -l)
patterns_ms=$(for _ in 1 2 3; do time_ms "$lode" patterns '{app="bench"}' --url "$url" --since 24h; done | median)
echo "## lode trace on $BYTES ($lines lines, in parts)"
echo
echo "| | ms (median of 5) | lines found |"
echo "|---|---|---|"
echo "| \`lode trace $needle\` (CLI process, all streams, no selector) | $trace_ms | $found |"
echo "| \`rg -c $needle\` over the raw file (page cache warm) | $rg_ms | $(rg -c "$needle" "$work/corpus.log") |"
echo "| \`lode patterns '{app=\"bench\"}'\` over all $lines lines (median of 3) | $patterns_ms | $patterns patterns |"
