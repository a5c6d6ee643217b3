# Sourced by the bench scripts: a `lode serve` on a loopback port.
# Needs $lode (the binary) and $work (a scratch directory); sets $server
# (its pid) and $url.

# start_server DATA [SERVE FLAGS...]: starts lode on DATA and waits until
# it is ready (exits the script if it does not start).
start_server() {
  local data=$1
  shift
  : >"$work/server.log"
  "$lode" serve --data "$data" --listen 127.0.0.1:0 "$@" 2>"$work/server.log" &
  server=$!
  for _ in $(seq 600); do
    grep -q 'lode is ready' "$work/server.log" && break
    sleep 0.05
  done
  if ! grep -q 'lode is ready' "$work/server.log"; then
    cat "$work/server.log" >&2
    echo "lode serve did not start" >&2
    exit 1
  fi
  url="http://$(sed -n 's/.*listen=\([^ ]*\).*/\1/p' "$work/server.log" | head -1)"
}

# stop_server: SIGTERM (a clean stop) and wait; exits the script if lode
# exited with an error.
stop_server() {
  kill -TERM "$server"
  wait "$server" || { echo "lode serve exited with an error:" >&2; tail "$work/server.log" >&2; exit 1; }
  server=
}

# metric NAME: the value of an unlabelled metric of the running server.
metric() { curl -sS "$url/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
