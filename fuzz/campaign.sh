#!/usr/bin/env bash
# A fuzzing campaign of one target: runs it for SECONDS (wall clock, one
# process) from a random seed, then keeps what it found. New inputs that add coverage are
# merged (minimised by libFuzzer) into fuzz/corpus/<target>/, a crash or
# leak is copied to fuzz/crashes/ and makes the script exit 1, and one line
# is appended to fuzz/campaigns.tsv (the record fuzz/README.md sums up),
# with the CPU seconds the target used: on a busy machine fewer than
# SECONDS, so run again until a target's campaigns add up to what you want.
#
#   fuzz/campaign.sh TARGET SECONDS     e.g. fuzz/campaign.sh wal_segment_fuzz 3600
#
# Needs the sanitized build (make san-build) in $SAN_DIR (default build-san).
set -euo pipefail
target=${1:?usage: fuzz/campaign.sh TARGET SECONDS}
seconds=${2:?usage: fuzz/campaign.sh TARGET SECONDS}
root=$(cd "$(dirname "$0")/.." && pwd)
san=${SAN_DIR:-$root/build-san}
bin=$san/$target
[[ -x $bin ]] || { echo "campaign: no $bin (run make san-build)" >&2; exit 2; }
corpus=$root/fuzz/corpus/$target
mkdir -p "$corpus" "$root/fuzz/crashes"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/new"

seed=$(( (RANDOM << 15 | RANDOM) + 1 ))
before=$(find "$corpus" -type f | wc -l)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
set +e
# New inputs go to $work/new; the kept corpus is only read.
"$bin" -max_total_time="$seconds" -seed="$seed" -print_final_stats=1 \
  -artifact_prefix="$work/" -close_fd_mask=3 "$work/new" "$corpus" >"$work/log" 2>&1
status=$?
set -e
# The CPU time of the target (the only child so far): `times` prints the
# shell's user and system time, then its children's.
times >"$work/times"
cpu=$(tail -1 "$work/times" | awk '{ split($1, u, "m"); split($2, s, "m"); sub("s", "", u[2]);
  sub("s", "", s[2]); printf "%d", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
crashes=0
for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
  [[ -e $f ]] || continue
  crashes=$((crashes + 1))
  cp "$f" "$root/fuzz/crashes/$target-$(basename "$f")"
done
if (( status != 0 && crashes == 0 )); then
  echo "campaign: $target exited $status without an artifact; log:" >&2
  tail -30 "$work/log" >&2
  exit 1
fi
# Keep only what adds coverage to the kept corpus.
"$bin" -merge=1 "$corpus" "$work/new" >"$work/merge.log" 2>&1 || true
after=$(find "$corpus" -type f | wc -l)
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$started" "$target" "$seconds" "$cpu" "$seed" \
  "${runs:-0}" "$before" "$after" "$crashes" >>"$root/fuzz/campaigns.tsv"
echo "campaign: $target ${seconds}s (${cpu} CPU s) seed $seed: ${runs:-0} runs, corpus $before -> $after, $crashes crashes"
if (( crashes > 0 )); then
  echo "campaign: artifacts in fuzz/crashes/$target-*; reproduce with $bin FILE" >&2
  tail -40 "$work/log" >&2
  exit 1
fi
