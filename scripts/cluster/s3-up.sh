#!/usr/bin/env bash
# Starts a private S3 service on loopback for the cluster tests: Ceph's
# RADOS Gateway (radosgw, beast frontend) over one monitor and one OSD
# that keeps its objects in memory (memstore), with authentication off
# inside Ceph. No containers, no systemd: three daemons whose pid files,
# configuration, logs and data all live in one directory.
#
# On success writes $dir/s3.env (S3_ENDPOINT and the AWS_* variables of
# the S3 user it creates) and prints it. Stop with s3-down.sh, which
# ends the daemons by their pid files only.
#
# Knobs (defaults):
#   LODE_S3_DIR=/tmp/lode-cluster/s3    everything of this instance
#   LODE_S3_PORT=7480                   S3 at http://127.0.0.1:PORT
#   LODE_S3_MON_PORT=3300               monitor, msgr2
#   LODE_S3_MON_PORT_V1=6789            monitor, legacy msgr1
#   LODE_S3_OSD_PORT_MIN=6800           ports the OSD binds
#   LODE_S3_OSD_PORT_MAX=6899
#   LODE_S3_ACCESS_KEY, LODE_S3_SECRET_KEY   the S3 user's keys
#   LODE_S3_MEMORY=1073741824           the OSD's memstore capacity
#   LODE_S3_WAIT=120                    seconds each start-up step may take
set -euo pipefail

dir=${LODE_S3_DIR:-/tmp/lode-cluster/s3}
port=${LODE_S3_PORT:-7480}
mon_port=${LODE_S3_MON_PORT:-3300}
mon_port_v1=${LODE_S3_MON_PORT_V1:-6789}
osd_port_min=${LODE_S3_OSD_PORT_MIN:-6800}
osd_port_max=${LODE_S3_OSD_PORT_MAX:-6899}
access_key=${LODE_S3_ACCESS_KEY:-LODETESTACCESSKEY000}
secret_key=${LODE_S3_SECRET_KEY:-lodetestsecretkey0000000000000000000000}
memory=${LODE_S3_MEMORY:-1073741824}
wait_seconds=${LODE_S3_WAIT:-120}
here=$(cd "$(dirname "$0")" && pwd)

export CEPH_CONF=$dir/ceph.conf
started=$(date +%s%N)
say() {
  local ms=$(( ($(date +%s%N) - started) / 1000000 ))
  printf 's3-up %d.%03ds: %s\n' $((ms / 1000)) $((ms % 1000)) "$*" >&2
}

# The gateway answers an anonymous GET / (an empty bucket list).
s3_answers() { curl -fsS -m 3 -o /dev/null "http://127.0.0.1:$port/"; }

# Polls `$@` until it succeeds, for at most wait_seconds by the clock
# (however long each try takes). On timeout shows the daemons' logs.
await() {
  local what=$1
  shift
  local deadline=$(($(date +%s) + wait_seconds))
  until "$@" >/dev/null 2>&1; do
    if (($(date +%s) >= deadline)); then
      say "$what: not after ${wait_seconds}s"
      tail -n 40 "$dir"/log/*.log >&2 || true
      return 1
    fi
    sleep 0.2
  done
  say "$what"
}

alive() { [[ -n $1 && -r /proc/$1/stat ]] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"; }
all_alive() {
  local file count=0
  for file in "$dir"/run/*.pid; do
    [[ -e $file ]] && alive "$(cat "$file")" || return 1
    count=$((count + 1))
  done
  ((count == 3))
}

# Already up (an earlier run of this script on the same directory)?
if [[ -f $dir/s3.env ]] && all_alive && s3_answers; then
  say "already running"
  cat "$dir/s3.env"
  exit 0
fi

for tool in ceph ceph-mon ceph-osd radosgw radosgw-admin curl; do
  command -v "$tool" >/dev/null || {
    echo "s3-up: $tool is missing (scripts/install-deps.sh installs Ceph)" >&2
    exit 1
  }
done
# Whatever an earlier, failed start left is stopped and wiped.
[[ -d $dir ]] && bash "$here/s3-down.sh"
if curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/"; then
  echo "s3-up: port $port is taken by another program" >&2
  exit 1
fi
mkdir -p "$dir"/{log,run,mon,osd,rgw,crash}

cat >"$CEPH_CONF" <<CONF
[global]
fsid = $(cat /proc/sys/kernel/random/uuid)
mon host = [v2:127.0.0.1:$mon_port,v1:127.0.0.1:$mon_port_v1]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind port min = $osd_port_min
ms bind port max = $osd_port_max
# One host, loopback only: no keys inside Ceph (S3 still checks its own).
auth cluster required = none
auth service required = none
auth client required = none
keyring = /dev/null
run dir = $dir/run
admin socket = $dir/run/\$cluster-\$name.asok
pid file = $dir/run/\$type.\$id.pid
log file = $dir/log/\$name.log
crash dir = $dir/crash
# One OSD holds every object once.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail warn = 1
mon data avail crit = 0
mgr initial modules =
client mount timeout = 30

[mon]
mon data = $dir/mon/\$cluster-\$id
mon cluster log file = $dir/log/cluster.log
# The gateway creates its pools one by one at first start, each a map
# change the monitor batches for a second by default: ~10 s more.
paxos propose interval = 0.05
paxos min wait = 0.01

[osd]
osd data = $dir/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = $memory
osd class load list = *
osd class default list = *

[client.rgw.a]
# radosgw defaults to cephx and a secure monitor connection whatever the
# global section says, and then waits forever to authenticate.
auth client required = none
ms mon client mode = crc
rgw data = $dir/rgw
rgw frontends = beast endpoint=127.0.0.1:$port
rgw thread pool size = 64
# Path-style addresses only (http://host/bucket/key).
rgw dns name =
rgw enable usage log = false
CONF

# The daemons fork into the background; their output goes to the log
# directory so that no pipe of the caller (ctest's) stays open.
daemon() { "$@" </dev/null >>"$dir/log/daemons.out" 2>&1; }

addrs="[v2:127.0.0.1:$mon_port,v1:127.0.0.1:$mon_port_v1]"
daemon ceph-mon -i a --mkfs --public-addrv "$addrs"
daemon ceph-mon -i a --public-addrv "$addrs"
await "monitor up" timeout 5 ceph --connect-timeout 3 mon stat

osd_uuid=$(cat /proc/sys/kernel/random/uuid)
osd_id=$(ceph osd new "$osd_uuid")
mkdir -p "$dir/osd/ceph-$osd_id"
daemon ceph-osd -i "$osd_id" --mkfs --osd-uuid "$osd_uuid"
daemon ceph-osd -i "$osd_id"
osd_up() { ceph osd dump | grep -q "^osd\.$osd_id up"; }
await "osd.$osd_id up" osd_up

daemon radosgw -n client.rgw.a
await "gateway answers on 127.0.0.1:$port" s3_answers

radosgw-admin user create --uid=lode --display-name="lode tests" \
  --access-key="$access_key" --secret-key="$secret_key" >"$dir/log/user.json"

cat >"$dir/s3.env.tmp" <<ENV
export S3_ENDPOINT=http://127.0.0.1:$port
export AWS_ACCESS_KEY_ID=$access_key
export AWS_SECRET_ACCESS_KEY=$secret_key
export AWS_DEFAULT_REGION=us-east-1
ENV
mv "$dir/s3.env.tmp" "$dir/s3.env"
say "S3 ready at http://127.0.0.1:$port"
cat "$dir/s3.env"
