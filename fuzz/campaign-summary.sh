#!/usr/bin/env bash
# Sums fuzz/campaigns.tsv per target as a Markdown table (CPU hours,
# executions, campaigns, crashes, corpus files now), and writes it into
# fuzz/README.md between its campaign summary markers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
table=$(awk -F'\t' 'NR > 1 { cpu[$2] += $4; runs[$2] += $6; n[$2]++; crashes[$2] += $9 }
  END { for (t in cpu) printf "%s\t%.2f\t%d\t%d\t%d\n", t, cpu[t] / 3600, runs[t], n[t], crashes[t] }' \
  "$root/fuzz/campaigns.tsv" | sort |
  while IFS=$'\t' read -r t hours runs n crashes; do
    files=$(find "$root/fuzz/corpus/$t" -type f 2>/dev/null | wc -l)
    printf '| `%s` | %s | %s | %s | %s | %s |\n' "$t" "$hours" "$runs" "$n" "$crashes" "$files"
  done)
{
  echo '| target | CPU hours | executions | campaigns | crashes | corpus files |'
  echo '|---|---|---|---|---|---|'
  echo "$table"
} >"$root/fuzz/.summary"
awk -v summary="$root/fuzz/.summary" '
  /<!-- campaign summary/ { print; while ((getline line < summary) > 0) print line; skip = 1; next }
  /<!-- end of campaign summary/ { skip = 0 }
  !skip' "$root/fuzz/README.md" >"$root/fuzz/README.md.new"
mv "$root/fuzz/README.md.new" "$root/fuzz/README.md"
rm -f "$root/fuzz/.summary"
cat "$root/fuzz/README.md" | sed -n '/<!-- campaign summary/,/<!-- end of campaign summary/p'
