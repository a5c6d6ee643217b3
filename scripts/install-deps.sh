#!/usr/bin/env bash
# Installs the Debian packages lode needs to build, test and benchmark.
# This is the one list of system dependencies. Idempotent: packages already
# present are not reinstalled, and nothing is fetched when all are there.
# Works as root or through sudo.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config make git clang-format
  clang libclang-rt-14-dev   # fuzz targets (libFuzzer)
  # libraries
  libboost-dev          # Asio and Beast (header-only)
  libssl-dev            # TLS for the HTTP server
  openssl               # test certificates
  libsimdjson-dev       # JSON parsing
  libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev
  libprotobuf-dev protobuf-compiler
  libre2-dev libxxhash-dev
  libcli11-dev libfmt-dev libyaml-cpp-dev
  libcurl4-openssl-dev  # S3 client (AWS SigV4) for cluster mode
  libnats-dev           # NATS JetStream and KV client for cluster mode
  libgtest-dev libgmock-dev libbenchmark-dev
  # tools used by tests and benchmarks
  curl zstd ripgrep sqlite3 python3 procps
  nodejs                # runs the npm client libraries of the ingest tests
  bsdutils              # logger(1): a syslog sender for the syslog tests
  rsyslog               # rsyslogd: a second, independent syslog sender
  chromium              # headless browser for the web UI end-to-end tests
  nats-server           # JetStream cluster for the cluster tests
  ceph-mon ceph-osd ceph-common radosgw   # Ceph RGW: the S3 store of the cluster tests
  prometheus-alertmanager prometheus    # receive the ruler's alerts and recorded series in tests
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

# npm ships inside some builds of nodejs and as its own package in Debian.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
