#!/usr/bin/env bash
# What rule evaluation costs: a typical set of 50 rules (25 alerting, 25
# recording, in 5 groups; line filters, regexes, rates, sums by a label,
# comparisons) evaluated by `lode serve`'s ruler over a corpus ingested
# just before, so every rule's window holds all of it. Reports rules per
# second and each group's evaluation time, beside the same 50 queries
# sent one by one to /loki/api/v1/query (the same engine, over HTTP).
#
# usage: bash bench/ruler.sh [--bytes 1G] [--out bench/out/ruler.md]
set -euo pipefail
cd "$(dirname "$0")/.."
BYTES=1G
OUT=bench/out/ruler.md
while [[ $# -gt 0 ]]; do
  case $1 in
    --bytes) BYTES=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "usage: bench/ruler.sh [--bytes SIZE] [--out FILE]" >&2; exit 2 ;;
  esac
done
BUILD=${BUILD:-build}
cmake --build "$BUILD" --target lode lode_gen_corpus >/dev/null
lode=$BUILD/lode
work=$(mktemp -d /tmp/lode-ruler-bench.XXXXXX)
server=""
cleanup() {
  [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "ruler-bench: $*" >&2; }

# The corpus, stamped as it arrives: its whole span is within the rules'
# 10-minute windows.
say "generating $BYTES"
"$BUILD/lode_gen_corpus" --bytes "$BYTES" --out "$work/corpus.log" >/dev/null
lines=$(wc -l <"$work/corpus.log")

# 50 rules over the words and shapes the generated lines carry.
terms=(ERROR WARN Exception timeout "GET /api" "POST /api" failed refused denied kafka
  haproxy HorizontalPodAutoscaler "status=500" shipped "partition=3" OOM retry connection
  deprecated order "user_id" latency "HTTP/1.1" consumer ssh)
mkdir -p "$work/rules/fake"
{
  echo "groups:"
  for g in 0 1 2 3 4; do
    echo "  - name: group$g"
    echo "    interval: 1m"
    echo "    rules:"
    for i in 0 1 2 3 4; do
      t=${terms[$((g * 5 + i))]}
      case $i in
        0) expr="sum(count_over_time({app=\"bench\"} |= \"$t\" [10m])) > 100" ;;
        1) expr="sum by (app) (rate({app=\"bench\"} |~ \"(?i)$t\" [10m])) > 1" ;;
        2) expr="sum(count_over_time({app=\"bench\"} |= \"$t\" != \"debug\" [10m])) / sum(count_over_time({app=\"bench\"} [10m])) > 0.01" ;;
        3) expr="sum(bytes_over_time({app=\"bench\"} |= \"$t\" [10m])) > 1000000" ;;
        4) expr="count_over_time({app=\"bench\"} |~ \"$t.*[0-9]{3}\" [10m]) > 0" ;;
      esac
      echo "      - alert: Bench${g}_$i"
      echo "        expr: '${expr//\'/\'\'}'"
      echo "        for: 5m"
      echo "        annotations:"
      echo "          summary: '{{ \$value | humanize }} matching lines'"
      case $i in
        0) rec="sum(count_over_time({app=\"bench\"} |= \"$t\" [10m]))" ;;
        1) rec="sum(rate({app=\"bench\"} |= \"$t\" [10m]))" ;;
        2) rec="sum(bytes_rate({app=\"bench\"} |~ \"$t\" [10m]))" ;;
        3) rec="sum(count_over_time({app=\"bench\"} !~ \"$t\" [10m]))" ;;
        4) rec="sum(count_over_time({app=\"bench\"} |= \"$t\" |= \"1\" [10m]))" ;;
      esac
      echo "      - record: bench:g${g}_$i:count10m"
      echo "        expr: '${rec//\'/\'\'}'"
    done
  done
} >"$work/rules/fake/bench.yaml"
"$lode" rules check "$work/rules/fake/bench.yaml" >/dev/null

port=$((20000 + RANDOM % 10000))
url=http://127.0.0.1:$port
cat >"$work/lode.yaml" <<EOF
ruler:
  rule_path: $work/rules
EOF
"$lode" serve --data "$work/data" --listen "127.0.0.1:$port" --config "$work/lode.yaml" \
  2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do curl -fsS "$url/ready" >/dev/null 2>&1 && break; sleep 0.1; done

say "ingesting $lines lines"
t0=$(date +%s.%N)
"$lode" forward --url "$url" -l app=bench -q <"$work/corpus.log"
t1=$(date +%s.%N)

# Each group runs once a minute at its own offset: wait until every group
# has been evaluated twice after the ingest ended.
say "waiting for two evaluations of every group"
ingest_end_ns=$(date +%s%N)
rules_json=""
for _ in $(seq 1 300); do
  rules_json=$(curl -fsS "$url/prometheus/api/v1/rules")
  done_groups=$(python3 -c '
import json, sys, datetime
end = int(sys.argv[1]) / 1e9
d = json.loads(sys.stdin.read())["data"]["groups"]
def ts(s):
    if s.startswith("0001"): return 0
    s = s.rstrip("Z"); base, _, frac = s.partition(".")
    t = datetime.datetime.fromisoformat(base).replace(tzinfo=datetime.timezone.utc).timestamp()
    return t + float("0." + frac) if frac else t
print(sum(1 for g in d if ts(g["lastEvaluation"]) > end + 60))' "$ingest_end_ns" <<<"$rules_json")
  [[ $done_groups -ge 5 ]] && break
  sleep 2
done

# The same 50 expressions as instant queries, one after another.
exprs=$(python3 -c '
import json, sys
d = json.loads(sys.stdin.read())["data"]["groups"]
for g in d:
    for r in g["rules"]: print(r["query"])' <<<"$rules_json")
q0=$(date +%s.%N)
while IFS= read -r e; do
  curl -fsS -G "$url/loki/api/v1/query" --data-urlencode "query=$e" >/dev/null
done <<<"$exprs"
q1=$(date +%s.%N)

mkdir -p "$(dirname "$OUT")"
python3 - "$rules_json" "$lines" "$BYTES" "$t0" "$t1" "$q0" "$q1" >"$OUT" <<'PY'
import json, sys
rules, lines, size, t0, t1, q0, q1 = sys.argv[1:]
groups = json.loads(rules)["data"]["groups"]
total = sum(g["evaluationTime"] for g in groups)
n = sum(len(g["rules"]) for g in groups)
errors = [r["name"] + ": " + r["lastError"] for g in groups for r in g["rules"] if r["health"] != "ok"]
print(f"## Ruler: {n} rules over {int(lines)/1e6:.2f}M lines ({size}) ingested in {float(t1)-float(t0):.0f} s\n")
print("| | seconds | rules/s |")
print("|---|---|---|")
print(f"| one evaluation of every group (sum of the groups' evaluationTime) | {total:.2f} | {n/total:.1f} |")
print(f"| the same {n} expressions as instant queries over HTTP, one at a time | {float(q1)-float(q0):.2f} | {n/(float(q1)-float(q0)):.1f} |")
print()
print("| group | rules | evaluationTime s |")
print("|---|---|---|")
for g in groups:
    print(f"| {g['name']} | {len(g['rules'])} | {g['evaluationTime']:.3f} |")
if errors:
    print("\nrules in error:\n" + "\n".join("- " + e for e in errors))
PY
cat "$OUT"
