#!/usr/bin/env bash
# A full disk, end to end (needs root: it mounts an 8 MiB tmpfs): lode's
# data on it, a filler file leaving 1 MiB; pushes until refused (507 for
# durable, 429 for best-effort); a query while full; the filler removed;
# durable pushes again; a restart; every line there once.
# Usage: scripts/full-disk-check.sh [LODE_BINARY]
set -u
LODE=${1:-build/lode}
M=$(mktemp -d)
LOG=$(mktemp -d)
mount -t tmpfs -o size=8m tmpfs "$M" || exit 1
trap 'kill -9 $S 2>/dev/null; umount $M; rmdir $M; rm -rf $LOG' EXIT
$LODE serve --data $M/data --listen 127.0.0.1:0 2>$LOG/first.log &
S=$!
for _ in $(seq 100); do grep -q "lode is ready" $LOG/first.log && break; sleep 0.1; done
A=$(sed -n 's/.*msg="lode is ready" listen=\([^ ]*\).*/\1/p' $LOG/first.log)
python3 - "$A" "$M" <<'PY'
import http.client, json, sys, time, os
host, port = sys.argv[1].split(':'); M = sys.argv[2]
def push(i, durable, tenant=None):
    c = http.client.HTTPConnection(host, int(port))
    body = json.dumps({"streams":[{"stream":{"app":"fill"},"values":[[str(time.time_ns()), f"line {i} " + os.urandom(400).hex()]]}]})
    h = {"Content-Type":"application/json"}
    if tenant: h["X-Scope-OrgID"] = tenant
    if durable: h["X-Lode-Durability"] = "durable"
    c.request("POST","/loki/api/v1/push",body,h); r=c.getresponse(); b=r.read(); return r.status, b, r.getheader("Retry-After")
def count():
    c = http.client.HTTPConnection(host, int(port))
    now=time.time_ns()
    c.request("GET", f"/loki/api/v1/query_range?query=%7Bapp%3D%22fill%22%7D&limit=10000&start={now-3600*10**9}&end={now+10**9}")
    r=c.getresponse(); raw=r.read()
    if r.status!=200: return r.status, raw[:300]
    d=json.loads(raw); return r.status, sum(len(s["values"]) for s in d["data"]["result"])
# fill the disk but for ~1 MiB
with open(f"{M}/filler","wb") as f:
    try:
        while True: f.write(b"x"*65536); f.flush()
    except OSError: pass
os.truncate(f"{M}/filler", os.path.getsize(f"{M}/filler") - (1<<20))
acked=0; codes={}
for i in range(4000):
    st,b,ra = push(i, i%2==0)
    codes[st]=codes.get(st,0)+1
    if st==204: acked+=1
    if st in (507,429) and codes.get(507,0)+codes.get(429,0) > 20: break
print("pushes:", codes, "acked:", acked, "last:", st, b[:120], "Retry-After:", ra)
print("query while full:", count())
# A tenant's first push while full: 429 best-effort, 507 durable.
print("new tenant while full: best-effort", push(1, False, "fresh")[0], "durable", push(2, True, "fresh")[0])
os.remove(f"{M}/filler")
time.sleep(2.5)
ok=0
for i in range(5000, 5050):
    st,b,ra = push(i, True)
    ok += st==204
print("after space returns: 50 durable pushes, 204:", ok)
time.sleep(1.5)
st,n = count(); print("query:", st, n, "expected at least", acked+ok)
PY
kill -TERM $S; wait $S; echo "stop exit $?"
$LODE serve --data $M/data --listen 127.0.0.1:0 2>$LOG/second.log &
S=$!
for _ in $(seq 100); do grep -q "lode is ready" $LOG/second.log && break; sleep 0.1; done
A=$(sed -n 's/.*msg="lode is ready" listen=\([^ ]*\).*/\1/p' $LOG/second.log)
now=$(date +%s%N)
curl -s "http://$A/loki/api/v1/query_range?query=%7Bapp%3D%22fill%22%7D&limit=10000&start=$((now-3600000000000))&end=$((now+1000000000))" | python3 -c 'import json,sys; d=json.load(sys.stdin); v=[x[1].split()[1] for s in d["data"]["result"] for x in s["values"]]; print("after restart:", len(v), "distinct", len(set(v)))'
grep -E "disk full|room again|level=error" $LOG/first.log | head -5
