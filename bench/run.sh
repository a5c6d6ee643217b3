#!/usr/bin/env bash
# make bench: micro-benchmarks, then end-to-end ingest and query through
# the real binary, with peers measured in the same run on the same data.
# Usage: bench/run.sh [LINES]   (default 1,000,000 generated lines)
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
BUILD=${BUILD_DIR:-build}
OUT=bench/out
mkdir -p "$OUT"

cmake --build "$BUILD" --target lode_bench lode >/dev/null
echo "== micro-benchmarks (bench/storage_bench.cc)"
"./$BUILD/lode_bench" --benchmark_min_time=0.5 | tee "$OUT/micro.txt"

work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT
corpus="$work/access.log"
# A generated web-server log: varied addresses, paths, codes and sizes, and
# one rare token ("needle-7f3a9c") every 100,000 lines.
awk -v n="$LINES" 'BEGIN { srand(42); for (i = 0; i < n; i++) {
  code = (rand() < 0.02) ? 500 : 200;
  tok = (i % 100000 == 99999) ? " needle-7f3a9c" : "";
  printf "10.%d.%d.%d - - [01/May/2024:00:%02d:%02d +0000] \"GET /api/v1/users/%d HTTP/1.1\" %d %d \"-\" \"curl/8.%d\"%s\n",
    int(rand()*256), int(rand()*256), int(rand()*256), int(i/60000)%60, int(i/1000)%60,
    int(rand()*1000000), code, int(rand()*20000), int(rand()*10), tok } }' > "$corpus"
bytes=$(stat -c %s "$corpus")

"./$BUILD/lode" serve --data "$work/data" --listen 127.0.0.1:0 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do grep -q 'lode is ready' "$work/server.log" && break; sleep 0.05; done
url="http://$(sed -n 's/.*listen=\([^ ]*\).*/\1/p' "$work/server.log" | head -1)"

now() { date +%s.%N; }
t0=$(now)
"./$BUILD/lode" forward --url "$url" -l app=bench -q < "$corpus"
t1=$(now)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
# A clean stop flushes everything into parts; measure the store at rest,
# then query a restarted server.
kill -TERM $server; wait $server || true
disk=$(du -sb "$work/data" | cut -f1)
: > "$work/server.log"
"./$BUILD/lode" serve --data "$work/data" --listen 127.0.0.1:0 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do grep -q 'lode is ready' "$work/server.log" && break; sleep 0.05; done
url="http://$(sed -n 's/.*listen=\([^ ]*\).*/\1/p' "$work/server.log" | head -1)"
t2=$(now)
hits=$("./$BUILD/lode" query --url "$url" --since 24h --limit 5000 -o raw '{app="bench"} |= "needle-7f3a9c"' | wc -l)
t3=$(now)
t4=$(now)
rg_hits=$(rg -c needle-7f3a9c "$corpus" || true)
t5=$(now)
t6=$(now)
zstd -q -3 -c "$corpus" > "$work/c.zst"
t7=$(now)
zsize=$(stat -c %s "$work/c.zst")
kill -TERM $server; wait $server || true

awk -v lines="$LINES" -v bytes="$bytes" -v ing="$(echo "$t1 - $t0" | bc)" \
    -v q="$(echo "$t3 - $t2" | bc)" -v rg="$(echo "$t5 - $t4" | bc)" \
    -v zt="$(echo "$t7 - $t6" | bc)" -v rss="$rss" -v hits="$hits" -v rgh="$rg_hits" \
    -v disk="$disk" -v zsize="$zsize" 'BEGIN {
  printf "\n== end to end: %d lines, %.1f MB raw\n", lines, bytes/1e6
  printf "| measure | lode | peer |\n|---|---|---|\n"
  printf "| ingest via lode forward (HTTP push) | %.0f lines/s (%.2f s) | zstd -3 compress: %.0f lines/s |\n", lines/ing, ing, lines/zt
  printf "| server peak RSS | %.0f MB | - |\n", rss/1024
  printf "| size on disk / raw | %.3fx | zstd -3: %.3fx |\n", disk/bytes, zsize/bytes
  printf "| needle query (%d hits) | %.3f s | rg -c (%d hits): %.3f s |\n", hits, q, rgh, rg
}' | tee "$OUT/e2e.md"
