#!/usr/bin/env bash
# Stops the S3 service s3-up.sh started in $LODE_S3_DIR (default
# /tmp/lode-cluster/s3) and deletes the directory. Only the processes
# named by its pid files are signalled. Succeeds when nothing runs.
set -uo pipefail

dir=${LODE_S3_DIR:-/tmp/lode-cluster/s3}
[[ -d $dir ]] || exit 0

alive() { [[ -n $1 && -r /proc/$1/stat ]] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"; }

# One daemon after the other, the gateway first and the monitor last: an
# OSD told to stop reports to the monitor first, and waits seconds for it
# if the monitor is gone already. Each has 10 s to exit, then SIGKILL.
for daemon in client.rgw osd mon; do
  for file in "$dir"/run/"$daemon".*.pid; do
    [[ -e $file ]] || continue
    pid=$(cat "$file" 2>/dev/null) || continue
    alive "$pid" || continue
    kill -TERM "$pid" 2>/dev/null
    deadline=$(($(date +%s) + 10))
    while alive "$pid" && (($(date +%s) < deadline)); do sleep 0.05; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
  done
done
rm -rf "$dir"
exit 0
