# Sourced by nats-up.sh and nats-down.sh: the settings they share and how
# they tell that a node runs.
dir=${LODE_NATS_DIR:-/tmp/lode-cluster/nats}
client_port=${LODE_NATS_CLIENT_PORT:-4222}
route_port=${LODE_NATS_ROUTE_PORT:-6222}
monitor_port=${LODE_NATS_MONITOR_PORT:-8222}
timeout=${LODE_NATS_TIMEOUT:-30}

check_node() {
  case $1 in
    1 | 2 | 3) ;;
    *) echo "$(basename "$0"): no node '$1' (nodes are 1, 2, 3)" >&2; exit 2 ;;
  esac
}

# True when pid $1 is a live process. A zombie is not: kill -0 succeeds on
# one, and where PID 1 reaps orphans late a killed server stays a zombie
# for a while.
pid_running() {
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"
}

node_running() {
  [ -f "$dir/n$1.pid" ] && pid_running "$(cat "$dir/n$1.pid")"
}
