#!/usr/bin/env bash
# Runs campaigns (fuzz/campaign.sh) for each target in turn until the CPU
# seconds fuzz/campaigns.tsv records for it reach the goal (default one
# hour, 3600 s, plus a minute's margin), so that a busy machine, which
# gives a campaign less CPU than wall time, still ends with the hours
# asked for. With --until HH:MM, no campaign is started that would run
# past that time (each is cut to fit), so that nothing is lost to a stop.
#
#   fuzz/campaign-topup.sh [--until HH:MM] [--cpu-seconds N] [TARGET...]
#
# Without targets: every fuzz/*_fuzz.cc. Run two at a time on two cores,
# each with its own targets, e.g. at nice 19 beside other work:
#   nice -n 19 fuzz/campaign-topup.sh wal_segment_fuzz syslog_fuzz &
#   nice -n 19 fuzz/campaign-topup.sh part_file_fuzz pipeline_fuzz &
# Then fuzz/campaign-summary.sh, and commit fuzz/README.md,
# fuzz/campaigns.tsv and fuzz/corpus.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
goal=3660
deadline=
while [[ $# -gt 0 ]]; do
  case "$1" in
    --until) deadline=$(date -d "$2" +%s); shift 2 ;;
    --cpu-seconds) goal=$(( $2 + 60 )); shift 2 ;;
    -*) echo "usage: fuzz/campaign-topup.sh [--until HH:MM] [--cpu-seconds N] [TARGET...]" >&2; exit 2 ;;
    *) break ;;
  esac
done
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in "$root"/fuzz/*_fuzz.cc; do targets+=("$(basename "$f" .cc)"); done
fi
status=0
for t in "${targets[@]}"; do
  while true; do
    done_cpu=$(awk -F'\t' -v t="$t" '$2 == t { s += $4 } END { print s + 0 }' "$root/fuzz/campaigns.tsv")
    need=$(( goal - done_cpu ))
    (( need > 0 )) || break
    wall=$(( need < 120 ? 120 : need ))
    if [[ -n $deadline ]]; then
      # A campaign's corpus merge takes up to a minute or so after it.
      left=$(( deadline - $(date +%s) - 90 ))
      if (( left < 240 )); then
        echo "campaign-topup: no time left for $t (${done_cpu} CPU s so far)"
        exit $status
      fi
      (( wall > left )) && wall=$left
    fi
    echo "campaign-topup: $t has ${done_cpu} CPU s; running ${wall} s"
    # A crash is kept and reported by campaign.sh: fix it (and make it a
    # seed) before fuzzing this target on; go on with the next target.
    if ! "$root/fuzz/campaign.sh" "$t" "$wall"; then
      status=1
      break
    fi
  done
done
exit $status
