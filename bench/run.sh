#!/usr/bin/env bash
# make bench: micro-benchmarks, then lode end to end beside peers (ripgrep,
# zstd, SQLite FTS5) measured in the same run on the same corpus.
#
# Usage: bench/run.sh [--bytes SIZE] [--no-loghub] [--keep]
#   --bytes SIZE  corpus size (default 1G, or $BENCH_BYTES; e.g. 200M for a
#                 quick run); K, M, G are powers of 1000
#   --no-loghub   only the corpus generated from the built-in sample
#   --keep        keep the work directory (corpora, data) and print its path
# Environment: BUILD_DIR (default build), BENCH_NO_BUILD=1 to use the
# binaries as they are.
#
# Corpora, each SIZE bytes, made by build/lode_gen_corpus: one from its
# built-in sample, and one from the 16 Loghub *_2k.log samples if
# ../shared/data/loghub exists beside the repository (never copied into it).
# One markdown table per corpus goes to stdout and bench/out/results.md,
# then the ingest rates per protocol (bench/ingest.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BYTES=${BENCH_BYTES:-1G}
LOGHUB=1
KEEP=${KEEP_WORK:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --bytes) BYTES=$2; shift 2 ;;
    --no-loghub) LOGHUB=; shift ;;
    --keep) KEEP=1; shift ;;
    [0-9]*) BYTES=$1; shift ;;
    *) echo "usage: bench/run.sh [--bytes SIZE] [--no-loghub] [--keep]" >&2; exit 2 ;;
  esac
done
BUILD=$(realpath "${BUILD_DIR:-build}")
OUT=bench/out
SEED=42
RUNS=5                      # timed runs per query, after one warm-up run
ZSTD19_PREFIX=100000000     # zstd -19 runs on this prefix of larger corpora
STORE_BENCH_BYTES=256000000 # the storage-API benchmark ingests this prefix
loghub_dir="$(dirname "$(pwd)")/shared/data/loghub"
lode="$BUILD/lode"
mkdir -p "$OUT"
run_start=$EPOCHREALTIME

if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cmake --build "$BUILD" --target lode lode_bench lode_gen_corpus lode_ingest_bench \
    lode_patterns_accuracy lode_part_stats >/dev/null
fi
echo "== micro-benchmarks (bench/storage_bench.cc)"
"$BUILD/lode_bench" --benchmark_min_time=0.5 | tee "$OUT/micro.txt"
# A benchmark that fails prints "ERROR OCCURRED" and no figures: the run
# stops rather than report tables with holes.
if grep -q "ERROR OCCURRED" "$OUT/micro.txt"; then
  echo "micro-benchmarks failed:" >&2
  grep "ERROR OCCURRED" "$OUT/micro.txt" >&2
  exit 1
fi

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; fi
  if [ -n "$KEEP" ]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

say() { echo "-- $*" >&2; }
# Microseconds since the epoch, without a fork.
now_us() { echo "${EPOCHREALTIME/./}"; }
secs() { awk -v us="$1" 'BEGIN { printf "%.3f", us / 1e6 }'; }
# rate N SECONDS: "1.23M" or "456k" per second.
rate() {
  awk -v n="$1" -v s="$2" 'BEGIN { r = n / s
    if (r >= 1e6) printf "%.2fM", r / 1e6; else if (r >= 1e3) printf "%.0fk", r / 1e3; else printf "%.0f", r }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1e6 }'; }
# Latency for the table: ms below 1 s.
lat() { awk -v s="$1" 'BEGIN { if (s < 1) printf "%.1f ms", s * 1000; else printf "%.2f s", s }'; }

# timed CMD...: runs CMD once to warm up, then RUNS times; sets MEDIAN
# (seconds) and OUT_TEXT (stdout of the last run).
timed() {
  local t0 runs=()
  OUT_TEXT=$("$@")
  for _ in $(seq "$RUNS"); do
    t0=$(now_us)
    OUT_TEXT=$("$@")
    runs+=($(($(now_us) - t0)))
  done
  MEDIAN=$(awk -v us="$(printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")" 'BEGIN { printf "%.6f", us / 1e6 }')
}

# start_server, stop_server, metric.
source bench/server.sh

# Waits until the server's background merges have settled: none running
# and none finished over the last second.
wait_merges() {
  local last="" now
  for _ in $(seq 900); do
    sleep 1
    now=$(metric lode_merges_total)
    [ "$(metric lode_merges_running)" = 0 ] && [ "$now" = "$last" ] && return
    last=$now
  done
}

# CPU seconds the server has used so far.
server_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$server/stat"
}


# The lines lode returns go to a file and are counted after the timing
# (lode_lines): a pipe into wc would add a process to lode's time only.
lode_count() { "$lode" query --url "$url" --since 24h --limit "$2" -o raw "$1" >"$work/lode.out"; }
lode_lines() { wc -l <"$work/lode.out"; }
# The value of an instant metric query of one series, as the CLI prints it.
lode_value() { "$lode" query --url "$url" --instant -o raw "$1" | cut -f3; }
# Time inside the engine, without a client process's start: lode's
# execTime from the query's stats, and sqlite3's .timer (1 ms resolution).
lode_exec_s() {
  curl -sS -G "$url/loki/api/v1/query_range" --data-urlencode "query=$1" \
    --data-urlencode since=24h --data-urlencode limit=5000 |
    grep -o '"execTime":[0-9.eE+-]*' | cut -d: -f2
}
# Latency of the HTTP API as a client already running (Grafana, a script)
# sees it: curl's time_total, request sent to last byte received.
lode_http_s() {
  curl -sS -o /dev/null -w '%{time_total}\n' -G "$url/loki/api/v1/query_range" \
    --data-urlencode "query=$1" --data-urlencode since=24h --data-urlencode limit=5000
}
fts_exec_s() {
  printf '.timer on\nSELECT count(*) FROM t WHERE t MATCH %s;\n' "'$1'" | sqlite3 "$db" |
    sed -n 's/^Run Time: real \([0-9.]*\).*/\1/p'
}
# median_of CMD...: runs CMD once to warm up, then RUNS times; prints the
# median of what it printed (a number).
median_of() {
  "$@" >/dev/null
  for _ in $(seq "$RUNS"); do "$@"; done | sort -g | sed -n "$(((RUNS + 1) / 2))p"
}
rg_count() { rg -c -- "$1" "$raw" || echo 0; }
fts_count() { sqlite3 "$db" "SELECT count(*) FROM t WHERE t MATCH '$1'"; }
# measured COUNT NAME CSV: stops the run when benchmark NAME measured
# nothing (it failed: its CSV says why), rather than print a row of zeros.
measured() {
  if [ -z "$1" ] || [ "$1" = 0 ]; then
    echo "$2 measured nothing:" >&2
    echo "$3" >&2
    exit 1
  fi
}
# check GOT WANT: "" when equal, else a warning for the table.
check() { [ "$1" = "$2" ] && echo "" || echo " **expected $2**"; }

# lode_timed_cpu KEY QUERY: `timed` lode on QUERY (inside bench_corpus,
# whose t, c and cpu arrays it fills): the median latency in t[KEY], the
# lines in c[KEY], the server's CPU seconds per run in cpu[KEY].
lode_timed_cpu() {
  local before
  before=$(server_cpu)
  timed lode_count "$2" 5000
  t[$1]=$MEDIAN c[$1]=$(lode_lines)
  cpu[$1]=$(awk -v a="$before" -v b="$(server_cpu)" -v n="$((RUNS + 1))" 'BEGIN { print (b - a) / n }')
}

# LogQL over the HTTP API, as Grafana asks: lq_http_s ENDPOINT QUERY
# [PARAMS...] prints curl's time_total for one call (the answer goes to
# $work/lq.json).
lq_http_s() {
  local endpoint=$1 q=$2
  shift 2
  curl -sS -o "$work/lq.json" -w '%{time_total}\n' -G "$url/loki/api/v1/$endpoint" \
    --data-urlencode "query=$q" "$@"
}
# lq_row QUERY SCANS PEER ENDPOINT PARAMS...: times QUERY (median of RUNS
# after a warm-up) and the server's CPU per run, and appends a table row
# to $lq_rows: lines per CPU-second over the corpus's $lines when the
# query reads every line (SCANS=1), and PEER (a shell command answering
# the same question over the raw file, timed the same way) with its
# output.
lq_row() {
  local q=$1 scans=$2 peer=$3 endpoint=$4
  shift 4
  local before after cpu_s median status answer peer_t="" peer_out="" per_core="-"
  lq_http_s "$endpoint" "$q" "$@" >/dev/null
  before=$(server_cpu)
  median=$(for _ in $(seq "$RUNS"); do lq_http_s "$endpoint" "$q" "$@"; done | sort -g | sed -n "$(((RUNS + 1) / 2))p")
  after=$(server_cpu)
  cpu_s=$(awk -v a="$before" -v b="$after" -v n="$RUNS" 'BEGIN { print (b - a) / n }')
  status=$(grep -o '"status":"[a-z]*"' "$work/lq.json" | head -1 | cut -d'"' -f4)
  answer=$(lq_answer)
  if [ "$scans" = 1 ]; then
    per_core="$(awk -v n="$lines" -v s="$cpu_s" 'BEGIN { if (s > 0) { r = n / s; if (r >= 1e6) printf "%.2fM", r / 1e6; else printf "%.0fk", r / 1e3 } else print "-" }') lines/s per core"
  fi
  if [ -n "$peer" ]; then
    timed bash -c "$peer"
    peer_t=$MEDIAN
    peer_out=$(tr '\n' ' ' <<<"$OUT_TEXT" | sed 's/  */ /g; s/^ //; s/ $//' | cut -c1-70)
  fi
  echo "| \`${q//|/\\|}\` | $(lat "$median") | $(printf %.3f "$cpu_s") s | $per_core | ${status:-error}: $answer | $( [ -n "$peer" ] && echo "$(lat "$peer_t"): ${peer_out//|/\\|}" || echo -) |" >>"$lq_rows"
}
# The answer of the last lq_row query, short: the number of lines, or the
# values of the first series.
lq_answer() {
  python3 - "$work/lq.json" <<'PY' 2>/dev/null || echo "?"
import json, sys
d = json.load(open(sys.argv[1]))["data"]
r = d["result"]
if d["resultType"] == "streams":
    print(sum(len(s["values"]) for s in r), "lines")
else:
    r.sort(key=lambda s: -float(s["value"][1] if "value" in s else s["values"][-1][1]))
    vals = []
    for s in r[:3]:
        v = s["value"][1] if "value" in s else s["values"][-1][1]
        m = ",".join(f"{k}={x}" for k, x in s["metric"].items())
        vals.append(f"{{{m}}} {float(v):.6g}")
    print(f"{len(r)} series: " + "; ".join(vals))
PY
}

# bench_logql: typical LogQL queries over the corpus now served: their
# latency and CPU, beside the rg/awk pipeline that answers the same
# question over the raw file.
bench_logql() {
  lq_rows="$work/lq_rows.md"
  : >"$lq_rows"
  # The corpus arrived within the last minutes: log queries look back 2 h;
  # metric queries are one evaluation (now) whose 2 h window holds every
  # record once (the work of a range query over the corpus), so their
  # answers can be checked against the raw file.
  local logs=(--data-urlencode since=2h --data-urlencode limit=100)
  lq_row '{app="bench"}' 0 "" query_range "${logs[@]}"
  lq_row "{app=\"bench\"} |= \"$needle\"" 0 "rg -c -- '$needle' '$raw'" query_range "${logs[@]}"
  lq_row 'sum(count_over_time({app="bench"}[2h]))' 1 "wc -l <'$raw'" query
  lq_row 'sum(count_over_time({app="bench"} |~ "timeout|refused" [2h]))' 1 \
    "rg -c 'timeout|refused' '$raw'" query
  lq_row 'sum(count_over_time({app="bench"} | json | status >= 500 [2h]))' 1 \
    "rg -c '^\\{.*\"status\":[5-9][0-9]{2}[,}]' '$raw'" query
  lq_row 'sum by (level) (count_over_time({app="bench"} | logfmt [2h]))' 1 \
    "rg -o '(^| )level=[a-z]+' '$raw' | sed 's/.*=//' | sort | uniq -c | sort -rn | head -3" query
  lq_row 'topk(10, sum by (path) (count_over_time({app="bench"} | logfmt [2h])))' 1 \
    "rg -o '(^| )path=[^ ]+' '$raw' | sed 's/.*=//' | sort | uniq -c | sort -rn | head -3" query
  lq_row 'quantile_over_time(0.99, {app="bench"} | json | unwrap duration_ms | __error__="" [2h]) by (app)' 1 \
    "rg -o '\"duration_ms\":[0-9.]+' '$raw' | cut -d: -f2 | sort -g | awk '{ v[NR] = \$1 } END { print v[int(NR * 0.99)] }'" query
}

# logql_table: the rows bench_logql measured, as a table in $results.
logql_table() {
  {
    echo
    echo "#### LogQL over the HTTP API ($name corpus)"
    echo
    echo "Median of $RUNS \`curl\` calls after a warm-up: log queries to \`/query_range\` (the newest 100 lines of 2 h), metric queries to \`/query\` at now, whose 2 h window holds the whole corpus, every record read once. Server CPU is per query; for queries that read every line, lines/s per core divides the corpus's $lines lines by it. The last column answers the same question with rg and a shell pipeline over the raw file, timed the same way."
    echo
    echo "| query | latency | server CPU | reading every line | answer | rg/awk on the raw file |"
    echo "|---|---|---|---|---|---|"
    cat "$lq_rows"
  } >>"$results"
}

# bench_corpus NAME DESCRIPTION [SAMPLE...]: generates the corpus, measures
# lode and its peers on it, and appends a table to $results.
bench_corpus() {
  local name=$1 description=$2
  shift 2
  raw="$work/$name.log"
  db="$work/$name.fts5.db"
  local data="$work/$name-data"
  say "$name: generating $BYTES"
  local gen
  if ! gen=$("$BUILD/lode_gen_corpus" --bytes "$BYTES" --seed "$SEED" --out "$raw" "$@" 2>&1); then
    echo "$gen" >&2
    exit 1
  fi
  local lines bytes needle needles token token_needles
  lines=$(sed -n 's/.*\blines=\([0-9]*\).*/\1/p' <<<"$gen")
  bytes=$(stat -c %s "$raw")
  needle=$(sed -n 's/.* needle=\([^ ]*\).*/\1/p' <<<"$gen")
  needles=$(sed -n 's/.* needle_lines=\([0-9]*\).*/\1/p' <<<"$gen" | head -1)
  token=$(sed -n 's/.*token_needle=\([^ ]*\).*/\1/p' <<<"$gen")
  token_needles=$(sed -n 's/.*token_needle_lines=\([0-9]*\).*/\1/p' <<<"$gen")
  cat "$raw" >/dev/null # page cache, for every reader alike

  say "$name: ingest over HTTP"
  start_server "$data"
  local t0 ingest_us stored rss cpu_ticks
  t0=$(now_us)
  "$lode" forward --url "$url" -l app=bench -q <"$raw"
  ingest_us=$(($(now_us) - t0))
  stored=$(curl -sS "$url/metrics" | awk '/^lode_ingested_records_total/ { print $2 }')
  rss=$(awk '/VmHWM/ { print $2 * 1024 }' "/proc/$server/status")
  cpu_ticks=$(awk '{ print $14 + $15 }' "/proc/$server/stat")
  local server_cpu
  server_cpu=$(awk -v t="$cpu_ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { print t / hz }')
  # Part bytes written so far; the stop's head flush is what it adds to
  # the part files.
  local flushed merged part_bytes_before
  flushed=$(metric lode_part_flush_bytes_total)
  merged=$(metric lode_part_merge_bytes_total)
  part_bytes_before=$(metric lode_part_bytes)
  t0=$(now_us)
  stop_server
  local stop_us=$(($(now_us) - t0)) disk
  disk=$(du -sb "$data" | cut -f1)
  flushed=$(awk -v f="$flushed" -v d="$(find "$data" -name '*.part' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')" -v b="$part_bytes_before" 'BEGIN { print f + d - b }')

  say "$name: zstd"
  local zstd3_us zstd3 zstd9 zstd19_us zstd19 zstd19_in zstd19_label
  t0=$(now_us)
  zstd3=$(zstd -q -3 -c "$raw" | wc -c)
  zstd3_us=$(($(now_us) - t0))
  zstd9=$(zstd -q -9 -T0 -c "$raw" | wc -c)
  if [ "$bytes" -gt "$ZSTD19_PREFIX" ]; then
    zstd19_in=$ZSTD19_PREFIX
    zstd19_label="zstd -19 (first $(mb $ZSTD19_PREFIX), ratio applied)"
  else
    zstd19_in=$bytes
    zstd19_label="zstd -19"
  fi
  t0=$(now_us)
  zstd19=$(head -c "$zstd19_in" "$raw" | zstd -q -19 -c | wc -c)
  zstd19_us=$(($(now_us) - t0))

  say "$name: SQLite FTS5 import"
  local fts_us fts_size
  t0=$(now_us)
  (
    sqlite3 "$db" <<SQL
PRAGMA journal_mode=OFF;
PRAGMA synchronous=OFF;
CREATE VIRTUAL TABLE t USING fts5(line);
.mode ascii
.separator "\037" "\n"
.import '$raw' t
SQL
  ) >/dev/null
  fts_us=$(($(now_us) - t0))
  fts_size=$(stat -c %s "$db")

  say "$name: storage-API ingest"
  # Three runs, the median reported: one run on this shared machine
  # varies by 10% or more.
  local store_csv store_lines store_wall store_cpu
  store_csv=$(LODE_BENCH_CORPUS="$raw" LODE_BENCH_CORPUS_BYTES=$STORE_BENCH_BYTES \
    "$BUILD/lode_bench" --benchmark_filter=BM_StoreIngest --benchmark_repetitions=3 \
    --benchmark_format=csv 2>/dev/null)
  read -r store_lines store_wall store_cpu < <(awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) { gsub(/"/, "", $i); col[$i] = i } }
    /_median"/ { print $col["lines"], $col["lines_per_s"], $col["lines_per_cpu_s"] }' <<<"$store_csv") || true
  measured "$store_lines" "BM_StoreIngest" "$store_csv"

  say "$name: count per minute (storage API)"
  local count_csv count_ts count_ts_cpu count_full count_full_cpu count_records
  count_csv=$(LODE_BENCH_CORPUS="$raw" LODE_BENCH_CORPUS_BYTES=$STORE_BENCH_BYTES \
    "$BUILD/lode_bench" --benchmark_filter=BM_CountPerMinute --benchmark_format=csv 2>/dev/null)
  read -r count_records count_ts count_ts_cpu count_full count_full_cpu < <(awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) { gsub(/"/, "", $i); col[$i] = i } next }
    /CountPerMinute\/1/ { n = $col["records"]; ts = $col["records_per_s"]; tc = $col["records_per_cpu_s"] }
    /CountPerMinute\/0/ { fs = $col["records_per_s"]; fc = $col["records_per_cpu_s"] }
    END { print n, ts, tc, fs, fc }' <<<"$count_csv")
  measured "$count_records" "BM_CountPerMinute" "$count_csv"

  say "$name: background merges"
  start_server "$data"
  wait_merges
  local merged_disk flush_bytes merge_bytes parts
  merged_disk=$(du -sb "$data" | cut -f1)
  flush_bytes=$flushed
  merge_bytes=$(awk -v a="$merged" -v b="$(metric lode_part_merge_bytes_total)" 'BEGIN { print a + b }')
  parts=$(metric lode_parts)

  say "$name: queries"
  local q_needle q_token q_scan q_common n
  local full_scan='[0-9]{3}[qz][0-9]{3}[qz]'

  local -A t c cpu
  timed lode_count "{app=\"bench\"} |= \"$needle\"" 5000
  t[lode_needle]=$MEDIAN c[lode_needle]=$(lode_lines)
  timed rg_count "$needle"
  t[rg_needle]=$MEDIAN c[rg_needle]=$OUT_TEXT
  timed fts_count "\"$needle\""
  t[fts_needle]=$MEDIAN c[fts_needle]=$OUT_TEXT
  t[lode_needle_exec]=$(median_of lode_exec_s "{app=\"bench\"} |= \"$needle\"")
  t[fts_needle_exec]=$(median_of fts_exec_s "\"$needle\"")
  t[lode_needle_http]=$(median_of lode_http_s "{app=\"bench\"} |= \"$needle\"")
  lode_timed_cpu lode_token "{app=\"bench\"} |= \"$token\""
  timed rg_count "$token"
  t[rg_token]=$MEDIAN c[rg_token]=$OUT_TEXT
  timed fts_count "$token"
  t[fts_token]=$MEDIAN c[fts_token]=$OUT_TEXT
  t[lode_token_exec]=$(median_of lode_exec_s "{app=\"bench\"} |= \"$token\"")
  t[fts_token_exec]=$(median_of fts_exec_s "$token")
  t[lode_token_http]=$(median_of lode_http_s "{app=\"bench\"} |= \"$token\"")
  # An id glued to a word (HDFS's "blk_-1028633407939568217"), taken from
  # the middle of the corpus: its digits rule blocks out (digit-run keys).
  local id
  id=$(tail -c +$((bytes / 2)) "$raw" | grep -o -m1 -E '[A-Za-z_]+-?[0-9]{10,}' || true)
  if [ -n "$id" ]; then
    lode_timed_cpu lode_id "{app=\"bench\"} |= \"$id\""
    timed rg_count "$id"
    t[rg_id]=$MEDIAN c[rg_id]=$OUT_TEXT
  fi
  # An IPv4 address from the middle of the corpus: each of its numbers is
  # in nearly every block, its middle two together in few (dotted-pair
  # keys).
  local address
  address=$(tail -c +$((bytes / 2)) "$raw" | grep -o -m1 -E '(^|[^0-9.])[0-9]{1,3}(\.[0-9]{1,3}){3}([^0-9.]|$)' |
    grep -o -E '[0-9]{1,3}(\.[0-9]{1,3}){3}' || true)
  if [ -n "$address" ]; then
    lode_timed_cpu lode_ip "{app=\"bench\"} |= \"$address\""
    timed rg_count "${address//./\\.}"
    t[rg_ip]=$MEDIAN c[rg_ip]=$OUT_TEXT
  fi
  lode_timed_cpu lode_scan '{app="bench"} |~ "qqq[0-9]zzz"'
  timed rg_count 'qqq[0-9]zzz'
  t[rg_scan]=$MEDIAN c[rg_scan]=$OUT_TEXT
  # A regex without a literal to look for: every line is rebuilt and
  # searched.
  lode_timed_cpu lode_full "{app=\"bench\"} |~ \"$full_scan\""
  timed rg_count "$full_scan"
  t[rg_full]=$MEDIAN c[rg_full]=$OUT_TEXT
  timed lode_count '{app="bench"} |= "INFO"' 5000
  t[lode_common]=$MEDIAN c[lode_common]=$(lode_lines)
  # The common word where no line passes: every line holding it is
  # rebuilt and checked, none returned, so nothing stops the scan early.
  lode_timed_cpu lode_common_all '{app="bench"} |= "INFO" != "a" != "e"'
  timed rg_count INFO
  t[rg_common]=$MEDIAN c[rg_common]=$OUT_TEXT
  timed fts_count INFO
  t[fts_common]=$MEDIAN c[fts_common]=$OUT_TEXT
  # The same word counted, as a dashboard's count_over_time asks it: lines
  # holding "INFO" as it is written (rg -c INFO counts the same).
  timed lode_value 'sum(count_over_time({app="bench"} |= "INFO" [24h]))'
  t[lode_common_count]=$MEDIAN c[lode_common_count]=$OUT_TEXT
  if [ "$name" = builtin ]; then
    say "$name: LogQL queries"
    bench_logql
  fi
  stop_server

  local zstd19_ratio
  zstd19_ratio=$(ratio "$zstd19" "$zstd19_in")
  {
    echo
    echo "### $name: $(awk -v n="$lines" 'BEGIN { printf "%.2fM", n / 1e6 }') lines, $(mb "$bytes"), $description (\`lode_gen_corpus --bytes $BYTES --seed $SEED\`)"
    echo
    echo "| measure | lode | peers |"
    echo "|---|---|---|"
    echo "| ingest over HTTP (\`lode forward\` into \`lode serve\`, client and server on the same 2 cores) | $(rate "$lines" "$(secs $ingest_us)") lines/s ($(secs $ingest_us) s); server CPU $(printf %.1f "$server_cpu") s = $(rate "$lines" "$server_cpu") lines per CPU-second; $stored records stored$(check "$stored" "$lines") | SQLite FTS5 \`.import\`: $(rate "$lines" "$(secs $fts_us)") lines/s ($(secs $fts_us) s); \`zstd -3\`: $(rate "$lines" "$(secs $zstd3_us)") lines/s ($(secs $zstd3_us) s) |"
    echo "| count per minute over the whole range, storage API (\`Select\` with \`timestamps_only\`, records bucketed by minute; first $(mb "$((bytes < STORE_BENCH_BYTES ? bytes : STORE_BENCH_BYTES))"), $(awk -v n="$count_records" 'BEGIN { printf "%.2fM", n / 1e6 }') records) | $(rate "$count_ts_cpu" 1) records/s per core, $(rate "$count_ts" 1) records/s wall | the same reading whole records: $(rate "$count_full_cpu" 1) per core, $(rate "$count_full" 1) wall |"
    echo "| storage-API ingest (\`LocalStore::Append\`, best effort, 1 MiB batches, then \`Close\`; first $(mb "$((bytes < STORE_BENCH_BYTES ? bytes : STORE_BENCH_BYTES))"); median of 3 runs) | $(rate "$store_cpu" 1) lines/s per core (process CPU), $(rate "$store_wall" 1) lines/s wall, $(awk -v n="$store_lines" 'BEGIN { printf "%.2fM", n / 1e6 }') lines | - |"
    echo "| server peak RSS (VmHWM) during ingest | $(mb "$rss") | - |"
    echo "| clean stop (SIGTERM: head flushed to parts) | $(secs $stop_us) s | - |"
    echo "| size on disk after a clean stop, all files, / raw | $(ratio "$disk" "$bytes") ($(mb "$disk")) = $(ratio "$(ratio "$disk" "$bytes")" "$zstd19_ratio")x zstd -19 | \`zstd -3\`: $(ratio "$zstd3" "$bytes") ($(mb "$zstd3")); \`zstd -9\`: $(ratio "$zstd9" "$bytes") ($(mb "$zstd9")); $zstd19_label: $zstd19_ratio ($(secs $zstd19_us) s for $(mb "$zstd19_in")); SQLite FTS5 db: $(ratio "$fts_size" "$bytes") ($(mb "$fts_size")) |"
    echo "| after background merges (restarted server, merges settled) | $(ratio "$merged_disk" "$bytes") ($(mb "$merged_disk")) = $(ratio "$(ratio "$merged_disk" "$bytes")" "$zstd19_ratio")x zstd -19, $parts parts; write amplification (flush + merge part bytes) / flush part bytes = $(awk -v f="$flush_bytes" -v m="$merge_bytes" 'BEGIN { printf "%.2f", (f > 0 ? (f + m) / f : 0) }') | - |"
    echo "| needle \`\|= \"$needle\"\` ($needles lines) | $(lat "${t[lode_needle]}") (${c[lode_needle]} lines$(check "${c[lode_needle]}" "$needles")) | \`rg -c\`: $(lat "${t[rg_needle]}") (${c[rg_needle]}); FTS5 phrase: $(lat "${t[fts_needle]}") (${c[fts_needle]}) |"
    echo "| one-token needle \`\|= \"$token\"\` ($token_needles lines): a literal with no token-filter key (it may sit inside a longer token), so no block is skipped by the filters; each block's template and string columns are searched | $(lat "${t[lode_token]}") (${c[lode_token]} lines$(check "${c[lode_token]}" "$token_needles")); server CPU $(printf %.3f "${cpu[lode_token]}") s per query = $(awk -v b="$bytes" -v s="${cpu[lode_token]}" 'BEGIN { printf "%.0f", (s > 0 ? b / 1e6 / s : 0) }') MB/s of raw per core | \`rg -c\`: $(lat "${t[rg_token]}") (${c[rg_token]}); FTS5: $(lat "${t[fts_token]}") (${c[fts_token]}) |"
    if [ -n "$id" ]; then
      echo "| id glued to a word \`\\|= \"$id\"\` (the first eight digits after the word are a token-filter key) | $(lat "${t[lode_id]}") (${c[lode_id]} lines$(check "${c[lode_id]}" "${c[rg_id]}")); server CPU $(printf %.3f "${cpu[lode_id]}") s per query | \`rg -c\`: $(lat "${t[rg_id]}") (${c[rg_id]}) |"
    fi
    if [ -n "$address" ]; then
      echo "| IPv4 address \`\\|= \"$address\"\` (its middle two numbers, with the dots around them, are a token-filter key) | $(lat "${t[lode_ip]}") (${c[lode_ip]} lines$(check "${c[lode_ip]}" "${c[rg_ip]}")); server CPU $(printf %.3f "${cpu[lode_ip]}") s per query | \`rg -c\`: $(lat "${t[rg_ip]}") (${c[rg_ip]}) |"
    fi
    echo "| needles, time inside the engine (no client process start-up): lode's \`stats.summary.execTime\`, sqlite3's \`.timer\` (1 ms resolution) | needle $(lat "${t[lode_needle_exec]}"); one-token needle $(lat "${t[lode_token_exec]}") | FTS5: needle $(lat "${t[fts_needle_exec]}"); one-token needle $(lat "${t[fts_token_exec]}") |"
    echo "| needles over the HTTP API, as a running client (Grafana, a script) asks: curl's \`time_total\` (request sent to last byte, new connection) | needle $(lat "${t[lode_needle_http]}"); one-token needle $(lat "${t[lode_token_http]}") | - |"
    echo "| full scan: regex without a literal, matching nothing, \`\|~ \"$full_scan\"\` (every line rebuilt and searched) | $(lat "${t[lode_full]}") = $(awk -v b="$bytes" -v s="${t[lode_full]}" 'BEGIN { printf "%.0f", b / 1e6 / s }') MB/s of raw (${c[lode_full]} lines$(check "${c[lode_full]}" "${c[rg_full]}")); server CPU $(printf %.3f "${cpu[lode_full]}") s per query = $(awk -v b="$bytes" -v s="${cpu[lode_full]}" 'BEGIN { printf "%.0f", (s > 0 ? b / 1e6 / s : 0) }') MB/s per core | \`rg -c\`: $(lat "${t[rg_full]}") = $(awk -v b="$bytes" -v s="${t[rg_full]}" 'BEGIN { printf "%.0f", b / 1e6 / s }') MB/s (${c[rg_full]}) |"
    echo "| regex with required literals, matching nothing, \`\|~ \"qqq[0-9]zzz\"\` (its literals \`qqq\`, \`zzz\` are looked for first) | $(lat "${t[lode_scan]}") = $(awk -v b="$bytes" -v s="${t[lode_scan]}" 'BEGIN { printf "%.0f", b / 1e6 / s }') MB/s of raw (${c[lode_scan]} lines); server CPU $(printf %.3f "${cpu[lode_scan]}") s per query = $(awk -v b="$bytes" -v s="${cpu[lode_scan]}" 'BEGIN { printf "%.0f", (s > 0 ? b / 1e6 / s : 0) }') MB/s per core | \`rg -c\`: $(lat "${t[rg_scan]}") = $(awk -v b="$bytes" -v s="${t[rg_scan]}" 'BEGIN { printf "%.0f", b / 1e6 / s }') MB/s (${c[rg_scan]}) |"
    echo "| common word that cannot skip, \`\|= \"INFO\" != \"a\" != \"e\"\` (every line holding INFO is rebuilt and checked; none passes) | $(lat "${t[lode_common_all]}") = $(awk -v b="$bytes" -v s="${t[lode_common_all]}" 'BEGIN { printf "%.0f", b / 1e6 / s }') MB/s of raw (${c[lode_common_all]} lines); server CPU $(printf %.3f "${cpu[lode_common_all]}") s per query = $(awk -v b="$bytes" -v s="${cpu[lode_common_all]}" 'BEGIN { printf "%.0f", (s > 0 ? b / 1e6 / s : 0) }') MB/s of raw per core | \`rg -c INFO\` (one pass, counting): $(lat "${t[rg_common]}") = $(awk -v b="$bytes" -v s="${t[rg_common]}" 'BEGIN { printf "%.0f", b / 1e6 / s }') MB/s |"
    echo "| common word \`\|= \"INFO\"\` | newest 5000 matches (\`--limit 5000\`, the server's maximum): $(lat "${t[lode_common]}") | \`rg -c\` (all ${c[rg_common]} lines): $(lat "${t[rg_common]}"); FTS5 \`MATCH 'INFO'\` (case-insensitive token, ${c[fts_common]} lines): $(lat "${t[fts_common]}") |"
    echo "| common word counted, \`sum(count_over_time({app=\"bench\"} \|= \"INFO\" [24h]))\` (\`lode query --instant\`) | $(lat "${t[lode_common_count]}") (${c[lode_common_count]}$(check "${c[lode_common_count]}" "${c[rg_common]}")) | \`rg -c INFO\`: $(lat "${t[rg_common]}"); FTS5 \`SELECT count(*) ... MATCH 'INFO'\`: $(lat "${t[fts_common]}") (${c[fts_common]}, case-insensitive) |"
  } >>"$results"
  if [ "$name" = builtin ]; then logql_table; fi
  if [ -z "$KEEP" ]; then rm -rf "$raw" "$db" "$data"; fi
}

results="$work/results.md"
{
  echo "## lode beside its peers"
  echo
  echo "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; lode $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo '+changes'); $(date -u +%Y-%m-%dT%H:%MZ)."
  echo "Page cache warm; latencies are medians of $RUNS runs of the whole client command after one warm-up run."
  echo "Sizes in MB are 10^6 bytes."
} >"$results"
bench_corpus builtin "generated from lode_gen_corpus's built-in sample"
if [ -n "$LOGHUB" ] && [ -d "$loghub_dir" ]; then
  bench_corpus loghub "generated from the 16 Loghub *_2k.log samples" "$loghub_dir"/*/*_2k.log
fi
if [ -d "$loghub_dir" ]; then
  say "pattern grouping accuracy on Loghub's labelled samples"
  {
    echo
    echo "### Patterns: grouping accuracy on Loghub's 16 labelled 2k samples"
    echo
    echo "Share of lines whose pattern holds exactly the lines of their true template; Drain's published figures on the same samples beside."
    echo
    "$BUILD/lode_patterns_accuracy" "$loghub_dir"
  } >>"$results"
fi
echo >>"$results"
say "size on real logs (bench/sizes.sh)"
BENCH_NO_BUILD=1 BUILD_DIR="$BUILD" bash bench/sizes.sh >/dev/null
if [ -f "$OUT/sizes.md" ]; then cat "$OUT/sizes.md" >>"$results"; fi
echo >>"$results"
say "ingest per protocol (bench/ingest.sh)"
BENCH_NO_BUILD=1 bash bench/ingest.sh >/dev/null
cat "$OUT/ingest.md" >>"$results"
echo >>"$results"
say "CLI start-up beside other process starts (bench/cli_start.sh)"
BUILD_DIR="$BUILD" bash bench/cli_start.sh >/dev/null
cat "$OUT/cli_start.md" >>"$results"
echo >>"$results"
echo "Whole run (micro-benchmarks included): $(awk -v a="$run_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s." >>"$results"
cp "$results" "$OUT/results.md"
echo
cat "$OUT/results.md"
