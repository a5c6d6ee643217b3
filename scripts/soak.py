#!/usr/bin/env python3
"""Soak test of a real `lode serve`: mixed load for a long time, with kill -9s.

For --minutes (default 30) it pushes over Loki JSON (plain and gzip, best
effort and durable), OTLP JSON, /insert/jsonl and syslog over TCP into the
tenants `main` (kept forever) and `short` (a retention of a few minutes),
runs LogQL and metadata queries, holds a live tail open with
`lode query --follow`, and every --kill-every minutes kills the server with
SIGKILL and starts it again on the same data directory. After each restart
and at the end it checks that

  * every durable push acknowledged so far is readable, each record once;
  * the audit chains verify (`lode verify`, also against published heads);
  * best-effort records are missing only from the seconds before a kill;
  * tenant `short` loses its old records to retention (whole parts), main none;
  * no HTTP 5xx was answered, except to pushes while the server restarted;
  * RSS, open files and threads stay flat (samples in a CSV).

It ends with a report and `N passed, N failed`; the exit code is 1 when a
check failed. Python 3 standard library only.

    python3 scripts/soak.py --minutes 30
    python3 scripts/soak.py --seconds 150 --kill-every 1     # a quick run
"""

import argparse
import collections
import csv
import datetime
import gzip
import http.client
import itertools
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LODE = os.path.join(ROOT, "build", "lode")

BUCKET_S = 10             # width of the windows best-effort counts are compared in
HEAD_MAX_AGE_S = 20       # heads become parts this often, so merges run during a run
READY_WAIT_S = 60         # bounded wait for /ready after a (re)start
STOP_WAIT_S = 30          # a SIGTERM must end the server within this
LOSS_SLACK_S = 5          # best-effort records acked this long before a kill may be lost
OUTAGE_GRACE_S = 5        # errors this soon after a restart still count as the restart's
RETENTION_SLACK_S = 60    # parts are removed whole, once their newest record is old enough
SAMPLE_EVERY_S = 10
PUSH_RETRY_S = 120        # a batch is retried (same batch id) this long before given up

ID_RE = re.compile(r"(?<![\w])id=(\d+)")


# ---------------------------------------------------------------------------
# Small shared helpers


class Clock:
    """Unique, increasing nanosecond timestamps for every record pushed.

    Unique times let the id check page through a stream by time without
    ever cutting a page between two records of the same instant."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last = 0

    def next(self):
        with self._lock:
            self._last = max(time.time_ns(), self._last + 1)
            return self._last


def bucket_of(ts_ns):
    """The metric-query window holding ts: count_over_time at t covers (t-W, t]."""
    w = BUCKET_S * 1_000_000_000
    return -(-ts_ns // w)


def rfc3339(ts_ns, digits=9):
    secs, frac = divmod(ts_ns, 1_000_000_000)
    base = datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{frac:09d}"[: len(base) + 1 + digits] + "Z"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(msg):
    print(f"[soak {time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Counters:
    """Thread-safe named counters, plus a few remembered examples of each problem."""

    def __init__(self):
        self._lock = threading.Lock()
        self.c = collections.Counter()
        self.examples = collections.defaultdict(list)

    def add(self, key, n=1, example=None):
        with self._lock:
            self.c[key] += n
            if example is not None and len(self.examples[key]) < 5:
                self.examples[key].append(example)

    def get(self, key):
        with self._lock:
            return self.c[key]


class Checks:
    """Every pass/fail decision of the run, in order, for the final summary."""

    def __init__(self):
        self.results = []

    def record(self, name, ok, detail=""):
        self.results.append((name, bool(ok), detail))
        log(f"{'PASS' if ok else 'FAIL'}: {name}{' -- ' + detail if detail else ''}")
        return ok

    def counts(self):
        passed = sum(1 for _, ok, _ in self.results if ok)
        return passed, len(self.results) - passed


# ---------------------------------------------------------------------------
# The server under test


class Server:
    """Starts, kills and stops `lode serve`, and knows when it is expected to be away."""

    def __init__(self, workdir, port, syslog_port, retention_s):
        self.workdir = workdir
        self.data = os.path.join(workdir, "data")
        self.config = os.path.join(workdir, "lode.yaml")
        self.log_path = os.path.join(workdir, "server.log")
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = None
        self.lock = threading.Lock()
        self.down = True            # between a kill (or before the start) and /ready
        self.ready_at = 0.0          # monotonic time of the last /ready
        self.starts = 0
        self.kill_times_ns = []      # wall clock of each kill -9, for the loss windows
        self._write_config(syslog_port, retention_s)

    def _write_config(self, syslog_port, retention_s):
        # Small heads that also age out quickly make parts, merges and retention
        # happen many times within a run; `short` alone has a retention.
        text = (
            "log_level: info\n"
            "head_max_bytes: 262144\n"
            f"head_max_age: {HEAD_MAX_AGE_S}s\n"
            f"syslog_tcp: 127.0.0.1:{syslog_port}\n"
            "syslog_tenant: main\n"
            "durability: {audit_streams: ['{app=\"ledger\"}']}\n"
            "tenants:\n"
            "  short:\n"
            f"    retention_period: {retention_s}s\n"
        )
        with open(self.config, "w") as f:
            f.write(text)

    @property
    def pid(self):
        p = self.proc
        return p.pid if p is not None and p.poll() is None else None

    def start(self):
        """Starts lode and waits (bounded) for /ready. Returns seconds taken or None."""
        t0 = time.monotonic()
        logf = open(self.log_path, "ab")
        logf.write(f"=== start {self.starts + 1} at {time.ctime()}\n".encode())
        logf.flush()
        self.proc = subprocess.Popen(
            [LODE, "serve", "--config", self.config, "--data", self.data,
             "--listen", f"127.0.0.1:{self.port}"],
            stdout=logf, stderr=logf, stdin=subprocess.DEVNULL)
        logf.close()
        self.starts += 1
        while time.monotonic() - t0 < READY_WAIT_S:
            if self.proc.poll() is not None:
                return None  # exited: the log says why
            if self._ready():
                with self.lock:
                    self.down = False
                    self.ready_at = time.monotonic()
                return time.monotonic() - t0
            time.sleep(0.1)
        return None

    def _ready(self):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/ready")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except (OSError, http.client.HTTPException):
            return False

    def kill9(self):
        with self.lock:
            self.down = True
            self.kill_times_ns.append(time.time_ns())
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def terminate(self):
        """SIGTERM; returns (exit code or None if it had to be killed, seconds)."""
        with self.lock:
            self.down = True
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        return rc, time.monotonic() - t0

    def expected_outage(self):
        """True while errors are the restart's fault: down, or just back."""
        with self.lock:
            return self.down or time.monotonic() - self.ready_at < OUTAGE_GRACE_S

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# ---------------------------------------------------------------------------
# HTTP


class ConnError(Exception):
    pass


class Client:
    """One keep-alive connection per thread; every request has a timeout."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def request(self, method, path, headers=None, body=None, timeout=30):
        for attempt in (0, 1):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                if self.conn.sock is not None:
                    self.conn.sock.settimeout(timeout)
                self.conn.timeout = timeout
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    self.close()
                return resp.status, data
            except (OSError, http.client.HTTPException) as e:
                self.close()
                # A kept-alive connection the server closed meanwhile fails at
                # once: one fresh try. A timeout is not retried (never hang).
                if attempt == 0 and reused and not isinstance(e, socket.timeout):
                    continue
                raise ConnError(f"{type(e).__name__}: {e}") from None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def query_path(endpoint, **params):
    return endpoint + "?" + urllib.parse.urlencode(params)


# ---------------------------------------------------------------------------
# What was pushed and acknowledged


class Ledger:
    """Everything the checks compare the store with.

    Durable pushes keep their ids (they must all be found); best-effort and
    syslog lines only a count per time window (too many to keep one by one)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.durable = collections.defaultdict(dict)   # selector -> id -> ts_ns
        self.expected = collections.defaultdict(collections.Counter)  # (tenant, sel) -> bucket -> n
        self.maybe = collections.defaultdict(collections.Counter)     # unacknowledged, may be stored
        self.first_ts = {}                               # (tenant, sel) -> first acked ts

    def acked(self, batch):
        with self.lock:
            key = (batch.tenant, batch.selector)
            for rid, ts in batch.ids:
                if batch.durable:
                    self.durable[(batch.tenant, batch.selector)][rid] = ts
                self.expected[key][bucket_of(ts)] += 1
            if batch.ids:
                self.first_ts.setdefault(key, batch.ids[0][1])

    def unsure(self, batch):
        with self.lock:
            for _, ts in batch.ids:
                self.maybe[(batch.tenant, batch.selector)][bucket_of(ts)] += 1

    def durable_snapshot(self):
        with self.lock:
            return {k: dict(v) for k, v in self.durable.items()}

    def bucket_snapshot(self, key):
        with self.lock:
            return collections.Counter(self.expected[key]), collections.Counter(self.maybe[key])


class Batch:
    def __init__(self, proto, tenant, selector, path, headers, body, ids, durable):
        self.proto, self.tenant, self.selector = proto, tenant, selector
        self.path, self.headers, self.body = path, headers, body
        self.ids, self.durable = ids, durable


# ---------------------------------------------------------------------------
# Realistic-looking lines


PATHS = ["/api/users", "/api/orders", "/api/cart", "/login", "/static/app.js", "/healthz", "/api/search"]
METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE"]
STATUSES = [200] * 20 + [201, 204, 301, 304, 400, 401, 404, 500, 502, 503]


def web_line(rid, rnd):
    status = rnd.choice(STATUSES)
    level = "error" if status >= 500 else "warn" if status >= 400 else "info"
    return (f"level={level} method={rnd.choice(METHODS)} path={rnd.choice(PATHS)}/{rnd.randint(1, 9999)} "
            f"status={status} duration={rnd.randint(1, 900)}ms bytes={rnd.randint(90, 90000)} "
            f"client=10.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)} id={rid}")


def ledger_line(rid, rnd):
    return (f"txn committed id={rid} account=acc-{rnd.randint(1, 5000):05d} "
            f"amount={rnd.randint(1, 99999) / 100:.2f} currency={rnd.choice(['EUR', 'USD', 'GBP'])} "
            f"balance={rnd.randint(0, 10**7) / 100:.2f}")


def payment_line(rid, rnd):
    return (f'level=info msg="payment authorized" id={rid} order=ord-{rnd.randint(1, 10**6)} '
            f"amount={rnd.randint(100, 50000) / 100:.2f} card={rnd.choice(['visa', 'mc', 'amex'])} "
            f"latency={rnd.randint(20, 400)}ms")


def trace_id(rnd):
    return "%032x" % rnd.getrandbits(128)


# ---------------------------------------------------------------------------
# Pushers


class Pusher(threading.Thread):
    """Sends a batch every `interval` seconds until told to stop.

    A refused or failed batch is sent again, same body and batch id, until it
    is acknowledged (so a retry is stored once): only acknowledged records
    are expected in the store."""

    def __init__(self, name, ctx, make_batch, interval):
        super().__init__(name=name, daemon=True)
        self.ctx, self.make_batch, self.interval = ctx, make_batch, interval
        self.client = Client(ctx.server.port)
        self.rnd = random.Random(hash(name))

    def run(self):
        try:
            while not self.ctx.stop_push.is_set():
                t0 = time.monotonic()
                batch = self.make_batch(self.ctx, self.rnd)
                self.deliver(batch)
                self.ctx.stop_push.wait(max(0.0, self.interval - (time.monotonic() - t0)))
        except Exception as e:  # a bug in the soak itself must be seen, not hang it
            self.ctx.counters.add("pusher crashed", example=f"{self.name}: {e!r}")
        finally:
            self.client.close()

    def deliver(self, batch):
        ctx, deadline, backoff = self.ctx, time.monotonic() + PUSH_RETRY_S, 0.2
        timeout = 45 if batch.durable else 15   # durable pushes may wait out backpressure (30 s)
        while True:
            try:
                status, body = self.client.request("POST", batch.path, batch.headers, batch.body, timeout)
            except ConnError as e:
                ctx.note_conn_error("push", batch.path, e)
            else:
                if 200 <= status < 300:
                    ctx.ledger.acked(batch)
                    ctx.counters.add(f"lines {batch.proto}", len(batch.ids))
                    if batch.durable:
                        ctx.counters.add("durable acked", len(batch.ids))
                    return
                ctx.note_status("push", batch.path, status, body)
                if status != 429 and status < 500:
                    ctx.ledger.unsure(batch)   # a 400 may have stored part of it
                    return
            if time.monotonic() > deadline:
                ctx.counters.add("durable batches given up" if batch.durable else "batches given up",
                                 example=batch.path)
                ctx.ledger.unsure(batch)
                return
            time.sleep(backoff)
            backoff = min(backoff * 2, 2.0)


def loki_headers(tenant, durable, gz, batch_id):
    h = {"Content-Type": "application/json", "X-Scope-OrgID": tenant, "X-Lode-Batch-Id": batch_id}
    if durable:
        h["X-Lode-Durability"] = "durable"
    if gz:
        h["Content-Encoding"] = "gzip"
    return h


def loki_batch(tenant, labels, selector, line_fn, n, durable, gz_share, metadata_share):
    """A Loki JSON push of n new records of one stream."""

    def make(ctx, rnd):
        values, ids = [], []
        for _ in range(n):
            rid, ts = next(ctx.ids), ctx.clock.next()
            v = [str(ts), line_fn(rid, rnd)]
            if rnd.random() < metadata_share:
                v.append({"trace_id": trace_id(rnd), "user": f"u{rnd.randint(1, 500)}"})
            values.append(v)
            ids.append((rid, ts))
        body = json.dumps({"streams": [{"stream": labels, "values": values}]}).encode()
        gz = rnd.random() < gz_share
        if gz:
            body = gzip.compress(body, compresslevel=1)
        proto = "loki-json-gzip" if gz else "loki-json"
        headers = loki_headers(tenant, durable, gz, f"soak-{ids[0][0]}")
        return Batch(proto, tenant, selector, "/loki/api/v1/push", headers, body, ids, durable)

    return make


def otlp_batch(tenant, service, n, durable):
    """An OTLP/JSON export of n records of one service, with attributes."""

    def make(ctx, rnd):
        records, ids = [], []
        for _ in range(n):
            rid, ts = next(ctx.ids), ctx.clock.next()
            sev = rnd.choice(["INFO"] * 8 + ["WARN", "ERROR"])
            records.append({
                "timeUnixNano": str(ts),
                "severityText": sev,
                "body": {"stringValue": f"{service} step finished id={rid} cart_items={rnd.randint(1, 9)} "
                                        f"total={rnd.randint(100, 90000) / 100:.2f}"},
                "traceId": trace_id(rnd),
                "attributes": [{"key": "user.id", "value": {"stringValue": f"u{rnd.randint(1, 900)}"}},
                               {"key": "http.route", "value": {"stringValue": rnd.choice(PATHS)}}],
            })
            ids.append((rid, ts))
        body = json.dumps({"resourceLogs": [{
            "resource": {"attributes": [
                {"key": "service.name", "value": {"stringValue": service}},
                {"key": "deployment.environment", "value": {"stringValue": "prod"}},
                {"key": "host.name", "value": {"stringValue": f"node-{rnd.randint(1, 4)}"}}]},
            "scopeLogs": [{"scope": {"name": "soak"}, "logRecords": records}]}]}).encode()
        headers = {"Content-Type": "application/json", "X-Scope-OrgID": tenant,
                   "X-Lode-Batch-Id": f"soak-{ids[0][0]}"}
        if durable:
            headers["X-Lode-Durability"] = "durable"
        return Batch("otlp-json", tenant, f'{{service_name="{service}"}}', "/otlp/v1/logs",
                     headers, body, ids, durable)

    return make


def jsonl_batch(tenant, app, n):
    """/insert/jsonl: app and level become labels, the rest stays in the line."""

    def make(ctx, rnd):
        lines, ids = [], []
        for _ in range(n):
            rid, ts = next(ctx.ids), ctx.clock.next()
            lines.append(json.dumps({
                "ts": rfc3339(ts), "app": app, "level": rnd.choice(["info"] * 6 + ["warn", "error"]),
                "msg": rnd.choice(["job step done", "row batch written", "checkpoint saved", "retrying"]),
                "job": f"reindex-{rnd.randint(1, 20)}", "rows": rnd.randint(1, 10000), "id": rid}))
            ids.append((rid, ts))
        path = query_path("/insert/jsonl", _stream_fields="app,level", _time_field="ts")
        headers = {"Content-Type": "application/x-ndjson", "X-Scope-OrgID": tenant,
                   "X-Lode-Batch-Id": f"soak-{ids[0][0]}"}
        return Batch("jsonl", tenant, f'{{app="{app}"}}', path, headers,
                     ("\n".join(lines) + "\n").encode(), ids, False)

    return make


class SyslogSender(threading.Thread):
    """RFC 5424 over TCP, newline framed. Nothing is acknowledged: a line
    counts as sent once sendall returned."""

    SELECTOR = '{app_name=~".+"}'

    def __init__(self, ctx, port, n, interval):
        super().__init__(name="syslog", daemon=True)
        self.ctx, self.port, self.n, self.interval = ctx, port, n, interval
        self.rnd = random.Random(5424)
        self.sock = None

    def run(self):
        try:
            while not self.ctx.stop_push.is_set():
                t0 = time.monotonic()
                self.send_one_batch()
                self.ctx.stop_push.wait(max(0.0, self.interval - (time.monotonic() - t0)))
        except Exception as e:
            self.ctx.counters.add("pusher crashed", example=f"syslog: {e!r}")
        finally:
            if self.sock:
                self.sock.close()

    def send_one_batch(self):
        rnd, lines, ids = self.rnd, [], []
        for _ in range(self.n):
            rid, ts = next(self.ctx.ids), self.ctx.clock.next()
            ts = ts // 1000 * 1000   # RFC 5424 carries microseconds
            app = rnd.choice(["sshd", "cron", "kernel", "nginx"])
            lines.append(f"<{rnd.choice([134, 131, 38, 86])}>1 {rfc3339(ts, 6)} host-{rnd.randint(1, 3)} {app} "
                         f"{rnd.randint(100, 60000)} ID{rnd.randint(1, 99)} [soak@32473 seq=\"{rid}\"] "
                         f"session opened for user deploy from 10.0.0.{rnd.randint(1, 254)} id={rid}\n")
            ids.append((rid, ts))
        try:
            if self.sock is None:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            self.sock.sendall("".join(lines).encode())
        except OSError as e:
            if self.sock:
                self.sock.close()
            self.sock = None
            self.ctx.note_conn_error("push", "syslog-tcp", ConnError(str(e)))
            with self.ctx.ledger.lock:   # part of it may have arrived
                for _, ts in ids:
                    self.ctx.ledger.maybe[("main", self.SELECTOR)][bucket_of(ts)] += 1
            time.sleep(0.5)
            return
        b = Batch("syslog-tcp", "main", self.SELECTOR, "", {}, b"", ids, False)
        self.ctx.ledger.acked(b)
        self.ctx.counters.add("lines syslog-tcp", len(ids))


def make_pushers(ctx, rate):
    """The load: (name, batch maker, seconds between batches). About 2,400
    lines/s at --rate 1."""
    def every(lines_per_s, per_batch):
        return per_batch / (lines_per_s * rate)

    main_durable = [
        # The audit stream: always durable and chained; pushed durably anyway.
        ("ledger", loki_batch("main", {"app": "ledger", "env": "prod"}, '{app="ledger"}', ledger_line,
                              10, True, 0.0, 0.3), every(30, 10)),
        ("payments", loki_batch("main", {"app": "payments", "env": "prod"}, '{app="payments"}',
                                payment_line, 20, True, 0.5, 0.2), every(40, 20)),
        ("checkout-otlp", otlp_batch("main", "checkout", 10, True), every(30, 10)),
    ]
    best_effort = [
        ("web", loki_batch("main", {"app": "web", "env": "prod"}, '{app="web"}', web_line,
                           100, False, 0.5, 0.1), every(800, 100)),
        ("frontend-otlp", otlp_batch("main", "frontend", 50, False), every(300, 50)),
        ("batch-jsonl", jsonl_batch("main", "batch", 50), every(300, 50)),
        ("api-short", loki_batch("short", {"app": "api", "env": "prod"}, '{app="api"}', web_line,
                                 50, False, 0.3, 0.1), every(400, 50)),
        ("worker-short-jsonl", jsonl_batch("short", "worker", 40), every(200, 40)),
    ]
    threads = [Pusher(name, ctx, make, interval) for name, make, interval in main_durable + best_effort]
    threads.append(SyslogSender(ctx, ctx.syslog_port, 30, every(300, 30)))
    return threads


# ---------------------------------------------------------------------------
# Queriers


def querier_queries():
    """(label, tenant, path builder) run round-robin; times are built at call time."""
    now = lambda: time.time_ns()

    def qr(query, since_s, **extra):
        def build():
            end = now()
            params = dict(query=query, start=end - since_s * 10**9, end=end, **extra)
            return query_path("/loki/api/v1/query_range", **params)
        return build

    def q(path, **params):
        return lambda: query_path(path, **params) if params else path

    return [
        ("logs |= 500", "main", qr('{app="web"} |= "status=500"', 300, limit=100, direction="backward")),
        ("logs logfmt", "main", qr('{app="web"} | logfmt | status >= 500 and duration > 500ms', 300, limit=200)),
        ("logs regex", "main", qr('{app="payments"} |~ "amount=[0-9]+\\\\.5[0-9]"', 600, limit=100)),
        ("logs short", "short", qr('{app="api"} != "healthz"', 120, limit=500, direction="forward")),
        ("metric count", "main", qr('sum by (app) (count_over_time({env="prod"}[1m]))', 900, step=30)),
        ("metric rate", "main", qr('sum by (app) (rate({app=~"web|payments"} |= "GET" [1m]))', 600, step=15)),
        ("metric otlp", "main", qr('sum by (service_name, level) (count_over_time({service_name=~".+"}[1m]))',
                                   600, step=60)),
        ("metric syslog", "main", qr('topk(3, sum by (app_name) (rate({app_name=~".+"}[2m])))', 600, step=60)),
        ("labels", "main", q("/loki/api/v1/labels")),
        ("label values", "main", q("/loki/api/v1/label/app/values")),
        ("series", "main", q("/loki/api/v1/series", **{"match[]": '{env="prod"}'})),
        ("index stats", "main", lambda: query_path("/loki/api/v1/index/stats", query='{app="web"}',
                                                   start=now() - 3600 * 10**9, end=now())),
        ("audit heads", "main", q("/api/v1/audit/heads")),
        ("labels short", "short", q("/loki/api/v1/labels")),
    ]


class Querier(threading.Thread):
    def __init__(self, ctx, offset, pause):
        super().__init__(name=f"querier-{offset}", daemon=True)
        self.ctx, self.offset, self.pause = ctx, offset, pause
        self.client = Client(ctx.server.port)

    def run(self):
        queries = querier_queries()
        try:
            for i in itertools.count(self.offset):
                if self.ctx.stop_query.wait(self.pause):
                    return
                if self.ctx.server.expected_outage():
                    continue   # nothing to learn from a server that is restarting
                label, tenant, build = queries[i % len(queries)]
                self.run_one(label, tenant, build())
        except Exception as e:
            self.ctx.counters.add("querier crashed", example=repr(e))
        finally:
            self.client.close()

    def run_one(self, label, tenant, path):
        ctx = self.ctx
        t0 = time.monotonic()
        try:
            status, body = self.client.request("GET", path, {"X-Scope-OrgID": tenant}, timeout=70)
        except ConnError as e:
            ctx.note_conn_error("query", path, e)
            return
        ctx.counters.add("queries")
        ctx.counters.add(f"query {label}")
        ctx.note_latency(time.monotonic() - t0)
        if status != 200:
            ctx.note_status("query", path, status, body)
            return
        if label == "audit heads":
            # Publish the heads: `lode verify --expect-heads` checks them at the end.
            with ctx.heads_lock, open(ctx.heads_path, "ab") as f:
                f.write(body.strip() + b"\n")


# ---------------------------------------------------------------------------
# The live tail, with lode's own client


class Tail:
    def __init__(self, ctx):
        self.ctx = ctx
        self.proc = None
        self.lines = 0
        self.generations = []   # lines seen by each tail process
        self.stderr_path = os.path.join(ctx.workdir, "tail.stderr")

    def start(self):
        err = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            [LODE, "query", "--follow", "--url", self.ctx.server.url, "--tenant", "main",
             "--color", "never", '{app="web"}'],
            stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)
        err.close()
        self.generations.append(0)
        gen = len(self.generations) - 1
        threading.Thread(target=self._read, args=(self.proc, gen), daemon=True).start()

    def _read(self, proc, gen):
        for line in proc.stdout:
            if b"id=" in line:
                self.lines += 1
                self.generations[gen] += 1

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc = None


# ---------------------------------------------------------------------------
# Resource samples


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    kb = lambda key: int(fields.get(key, "0 kB").split()[0])
    return kb("VmRSS"), kb("RssAnon"), kb("RssFile"), int(fields["Threads"])


def dir_bytes(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass   # removed by a merge or retention meanwhile
    return total


def metric_values(port, names):
    """A few unlabelled gauges/counters of /metrics, or {} when unreachable."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
        conn.close()
    except (OSError, http.client.HTTPException):
        return {}
    out = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in names:
            out[name] = float(value)
    return out


class Sampler(threading.Thread):
    FIELDS = ["elapsed_s", "pid", "rss_kb", "rss_anon_kb", "rss_file_kb", "fds", "threads", "data_bytes", "parts", "part_bytes",
              "head_bytes", "restarts"]

    def __init__(self, ctx):
        super().__init__(name="sampler", daemon=True)
        self.ctx = ctx
        self.samples = []
        self.path = os.path.join(ctx.out_dir, "soak-samples.csv")

    def run(self):
        with open(self.path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=self.FIELDS)
            w.writeheader()
            while not self.ctx.stop_query.wait(SAMPLE_EVERY_S):
                row = self.sample()
                if row:
                    self.samples.append(row)
                    w.writerow(row)
                    f.flush()

    def sample(self):
        server = self.ctx.server
        pid = server.pid
        if pid is None or server.expected_outage():
            return None
        try:
            rss, anon, file_backed, threads = proc_status(pid)
            fds = len(os.listdir(f"/proc/{pid}/fd"))
        except (OSError, KeyError, ValueError):
            return None   # killed meanwhile
        m = metric_values(server.port, {"lode_parts", "lode_part_bytes", "lode_head_bytes"})
        return {"elapsed_s": round(time.monotonic() - self.ctx.t0), "pid": pid, "rss_kb": rss,
                "rss_anon_kb": anon, "rss_file_kb": file_backed, "fds": fds,
                "threads": threads, "data_bytes": dir_bytes(server.data),
                "parts": int(m.get("lode_parts", -1)), "part_bytes": int(m.get("lode_part_bytes", -1)),
                "head_bytes": int(m.get("lode_head_bytes", -1)), "restarts": server.starts - 1}


# ---------------------------------------------------------------------------
# Shared state of a run


class Context:
    def __init__(self, args, workdir, out_dir, server, syslog_port):
        self.args, self.workdir, self.out_dir = args, workdir, out_dir
        self.server, self.syslog_port = server, syslog_port
        self.t0 = time.monotonic()
        self.run_start_ns = time.time_ns()
        self.clock = Clock()
        self.ids = itertools.count(1)
        self.ledger = Ledger()
        self.counters = Counters()
        self.stop_push = threading.Event()
        self.stop_query = threading.Event()
        self.heads_lock = threading.Lock()
        self.heads_path = os.path.join(workdir, "published-heads.jsonl")
        self.latencies = []
        self.lat_lock = threading.Lock()

    def note_conn_error(self, kind, path, err):
        if self.server.expected_outage():
            self.counters.add(f"{kind} connection errors during restarts")
        else:
            self.counters.add(f"{kind} connection errors outside restarts", example=f"{path}: {err}")

    def note_status(self, kind, path, status, body):
        example = f"{status} {path[:120]}: {body[:200]!r}"
        if status >= 500:
            if kind == "push" and self.server.expected_outage():
                self.counters.add("push 5xx during restarts", example=example)
            else:
                self.counters.add(f"{kind} 5xx", example=example)
        elif status == 429:
            self.counters.add(f"{kind} 429 (retried)", example=example)
        else:
            self.counters.add(f"{kind} 4xx", example=example)

    def note_latency(self, seconds):
        with self.lat_lock:
            self.latencies.append(seconds)


# ---------------------------------------------------------------------------
# Reading the store back


class ReadError(Exception):
    pass


def get_json(client, tenant, path, timeout=120):
    """A GET that must answer 200 with JSON; retried across a short outage."""
    deadline = time.monotonic() + 60
    while True:
        try:
            status, body = client.request("GET", path, {"X-Scope-OrgID": tenant}, timeout=timeout)
            if status == 200:
                return json.loads(body)
            raise ReadError(f"HTTP {status} for {path[:150]}: {body[:300]!r}")
        except ConnError as e:
            if time.monotonic() > deadline:
                raise ReadError(f"{path[:150]}: {e}") from None
            time.sleep(1)


def read_ids(client, tenant, selector, start_ns, end_ns):
    """Every id in the lines of selector in [start, end): page forward by time.

    Record times are unique (Clock), so a page ending at time t is followed
    by the one starting at t+1 without losing or repeating a record."""
    found = collections.Counter()
    limit = 5000
    while True:
        data = get_json(client, tenant, query_path(
            "/loki/api/v1/query_range", query=selector, start=start_ns, end=end_ns,
            limit=limit, direction="forward"))
        entries = [(int(ts), line) for s in data["data"]["result"] for ts, line in s["values"]]
        for _, line in entries:
            m = ID_RE.search(line)
            if m:
                found[int(m.group(1))] += 1
        if len(entries) < limit:
            return found
        start_ns = max(ts for ts, _ in entries) + 1


def stored_buckets(client, tenant, selector, first_bucket, last_bucket):
    """Stored records per BUCKET_S window, as count_over_time counts them."""
    data = get_json(client, tenant, query_path(
        "/loki/api/v1/query_range", query=f"sum(count_over_time({selector}[{BUCKET_S}s]))",
        start=first_bucket * BUCKET_S, end=last_bucket * BUCKET_S, step=BUCKET_S))
    out = collections.Counter()
    for series in data["data"]["result"]:
        for t, v in series["values"]:
            out[round(float(t) / BUCKET_S)] += int(float(v))
    return out


def check_durable(ctx, checks, client, label):
    """Every acknowledged durable id is readable, and none twice."""
    acked = ctx.ledger.durable_snapshot()
    end_ns = time.time_ns() + 10**9
    problems, total = [], 0
    for (tenant, selector), ids in sorted(acked.items()):
        total += len(ids)
        try:
            found = read_ids(client, tenant, selector, ctx.run_start_ns - 10**9, end_ns)
        except ReadError as e:
            problems.append(f"{selector}: cannot read: {e}")
            continue
        missing = sorted(set(ids) - set(found))
        twice = sorted(i for i, n in found.items() if n > 1)
        if missing:
            first = ", ".join(f"id={i} ts={ids[i]}" for i in missing[:5])
            problems.append(f"{selector}: {len(missing)} of {len(ids)} acknowledged missing ({first})")
        if twice:
            problems.append(f"{selector}: {len(twice)} ids stored more than once (e.g. id={twice[0]})")
    checks.record(f"{label}: all {total} acknowledged durable records readable, each once",
                  not problems, "; ".join(problems))


def run_verify(checks, label, args):
    try:
        r = subprocess.run([LODE, "verify"] + args, capture_output=True, text=True, timeout=300)
        out = (r.stdout + r.stderr).strip().replace("\n", " | ")
        return checks.record(f"{label}: lode verify {' '.join(args)} exits 0", r.returncode == 0,
                             f"rc={r.returncode} {out[:400]}" if r.returncode else "")
    except subprocess.TimeoutExpired:
        return checks.record(f"{label}: lode verify {' '.join(args)} exits 0", False, "timed out after 300 s")


def near_a_kill(ctx, bucket, slack_s):
    """Whether window (t-W, t] meets [kill - slack, kill] for some kill."""
    hi = bucket * BUCKET_S * 10**9
    lo = hi - BUCKET_S * 10**9
    return any(lo < k and hi >= k - slack_s * 10**9 for k in ctx.server.kill_times_ns)


def compare_best_effort(ctx, client, tenant, selector, min_bucket=None):
    """Stored vs acknowledged per window. Returns (problems, stored, lost_near_kills)."""
    expected, maybe = ctx.ledger.bucket_snapshot((tenant, selector))
    if not expected:
        return [f"{selector}: nothing acknowledged"], collections.Counter(), 0
    lo, hi = min(expected), max(expected) + 1
    stored = stored_buckets(client, tenant, selector, lo, hi)
    problems, lost_ok = [], 0
    for b in range(lo, hi + 1):
        if min_bucket is not None and b < min_bucket:
            continue
        want, have = expected[b], stored[b]
        if have > want + maybe[b]:
            problems.append(f"window ending {rfc3339(b * BUCKET_S * 10**9, 0)}: {have} stored > {want} acknowledged")
        elif have < want:
            if near_a_kill(ctx, b, LOSS_SLACK_S):
                lost_ok += want - have
            else:
                problems.append(f"window ending {rfc3339(b * BUCKET_S * 10**9, 0)}: {have} stored < {want} "
                                "acknowledged, not near a kill")
    return problems, stored, lost_ok


BEST_EFFORT_MAIN = [("main", '{app="web"}'), ("main", '{service_name="frontend"}'),
                    ("main", '{app="batch"}'), ("main", SyslogSender.SELECTOR)]


def check_best_effort(ctx, checks, client, label):
    """Best-effort and syslog records: lost only just before a kill, never twice."""
    snapshot = {}
    for tenant, selector in BEST_EFFORT_MAIN:
        try:
            problems, stored, lost = compare_best_effort(ctx, client, tenant, selector)
        except ReadError as e:
            problems, stored, lost = [f"cannot read: {e}"], collections.Counter(), 0
        snapshot[selector] = stored
        ctx.counters.add(f"best-effort lost near kills {selector}", lost)
        checks.record(f"{label}: {selector} stored = acknowledged except {lost} lost within {LOSS_SLACK_S}s "
                      "before a kill", not problems, "; ".join(problems[:4]))
    # `short`: only windows retention cannot have touched yet.
    for selector in ('{app="api"}', '{app="worker"}'):
        safe = bucket_of(time.time_ns() - ctx.retention_s * 10**9) + 1
        try:
            problems, _, lost = compare_best_effort(ctx, client, "short", selector, min_bucket=safe)
        except ReadError as e:
            problems, lost = [f"cannot read: {e}"], 0
        checks.record(f"{label}: short {selector} recent windows stored = acknowledged (lost near kills: {lost})",
                      not problems, "; ".join(problems[:4]))
    return snapshot


def retention_bound_s(retention_s):
    """How old a record of `short` may get. Retention removes whole parts once
    their newest record is older than retention_period, and merges make a
    part span up to about twice the period (seen: 3.1x just before a part
    went), so a record lives up to about three periods, plus a head's age."""
    return 3 * retention_s + HEAD_MAX_AGE_S + RETENTION_SLACK_S


def check_retention(ctx, checks, client, elapsed_s):
    """Tenant short holds nothing much older than its retention; main lost nothing to it."""
    bound = retention_bound_s(ctx.retention_s)
    try:
        data = get_json(client, "short", query_path(
            "/loki/api/v1/query_range", query='{app=~"api|worker"}', start=ctx.run_start_ns - 10**9,
            end=time.time_ns(), limit=1, direction="forward"))
        oldest = min((int(ts) for s in data["data"]["result"] for ts, _ in s["values"]), default=None)
        recent = get_json(client, "short", query_path(
            "/loki/api/v1/query", query=f'sum(count_over_time({{app=~"api|worker"}}[{ctx.retention_s}s]))'))
        recent_n = sum(int(float(r["value"][1])) for r in recent["data"]["result"])
    except ReadError as e:
        checks.record("retention: tenant short can be read", False, str(e))
        return
    removed = collections.Counter()
    with open(ctx.server.log_path, errors="replace") as f:
        for line in f:
            m = re.search(r'msg="retention removed part" tenant=(\S+)', line)
            if m:
                removed[m.group(1)] += 1
    age = (time.time_ns() - oldest) / 1e9 if oldest else None
    ctx.retention_detail = (f"short keeps {ctx.retention_s}s: oldest record left {age:.0f}s old "
                            f"(bound {bound}s), {recent_n} records within retention; parts removed by "
                            f"retention: short {removed['short']}, main {removed['main']}"
                            if age is not None else "short holds no records")
    checks.record("retention: main lost no part to retention", removed["main"] == 0,
                  f"{removed['main']} parts removed")
    if elapsed_s < bound + 2 * BUCKET_S:
        log(f"retention of short: not checked, the run is shorter than {bound + 2 * BUCKET_S}s "
            f"({ctx.retention_detail})")
        return
    checks.record(f"retention: short holds nothing older than {bound}s and recent records",
                  age is not None and age <= bound and recent_n > 0 and removed["short"] > 0,
                  ctx.retention_detail)


# ---------------------------------------------------------------------------
# Kills and restarts


def kill_and_restart(ctx, checks, tail):
    n = len(ctx.server.kill_times_ns) + 1
    checks.record(f"kill {n}: the tail was still following before the kill", tail.alive(),
                  "" if tail.alive() else f"exited rc={tail.proc.returncode if tail.proc else None}")
    log(f"kill -9 #{n} (pid {ctx.server.pid})")
    ctx.server.kill9()
    tail.stop()
    took = ctx.server.start()
    if not checks.record(f"kill {n}: restarted, ready within {READY_WAIT_S}s",
                         took is not None, f"{took:.1f}s" if took is not None else "see server.log"):
        return False
    log(f"restarted in {took:.1f}s")
    tail.start()
    check_durable(ctx, checks, ctx.client, f"kill {n}")
    run_verify(checks, f"kill {n}", ["--url", ctx.server.url, "--tenant", "main"])
    return True


# ---------------------------------------------------------------------------
# The report


def summarise_curve(samples, key, scale=1.0):
    values = [s[key] / scale for s in samples]
    if not values:
        return "no samples"
    return (f"first {values[0]:.1f}  min {min(values):.1f}  max {max(values):.1f}  "
            f"last {values[-1]:.1f}")


def flatness(checks, samples, duration_s):
    """Mean of the last quarter of samples against that of the second quarter.

    Only for runs of 10 minutes or more: before that the second quarter is
    still the warm-up (caches filling as the data grows)."""
    if duration_s < 600:
        log("flatness: not checked, the run is shorter than 10 minutes")
        return
    q = len(samples) // 4
    second, last = samples[q:2 * q], samples[-q:]
    mean = lambda rows, key: sum(r[key] for r in rows) / len(rows)
    for key, ok_fn, rule in (
            ("rss_kb", lambda a, b: b <= a * 1.25, "within +25%"),
            ("fds", lambda a, b: b <= a + 16, "within +16"),
            ("threads", lambda a, b: b <= a + 4, "within +4")):
        a, b = mean(second, key), mean(last, key)
        checks.record(f"flatness: {key} last quarter {rule} of second quarter", ok_fn(a, b),
                      f"second quarter {a:.0f}, last quarter {b:.0f}")


def sample_table(samples, duration_s):
    every = 120 if duration_s >= 1200 else max(SAMPLE_EVERY_S, duration_s // 8)
    rows, next_t = [], 0
    for s in samples:
        if s["elapsed_s"] >= next_t:
            rows.append(s)
            next_t = s["elapsed_s"] + every
    if samples and rows[-1] is not samples[-1]:
        rows.append(samples[-1])
    out = [f"{'t(s)':>6} {'rss MB':>8} {'anon MB':>8} {'fds':>5} {'threads':>7} {'data MB':>8} {'parts':>6} {'restarts':>8}"]
    for s in rows:
        out.append(f"{s['elapsed_s']:>6} {s['rss_kb'] / 1024:>8.1f} {s['rss_anon_kb'] / 1024:>8.1f} {s['fds']:>5} {s['threads']:>7} "
                   f"{s['data_bytes'] / 2**20:>8.1f} {s['parts']:>6} {s['restarts']:>8}")
    return "\n".join(out)


def print_report(ctx, checks, sampler, tail, elapsed):
    c = ctx.counters.c
    print("\n================ lode soak report ================")
    print(f"duration            {elapsed / 60:.1f} min ({elapsed:.0f} s)")
    print(f"work dir            {ctx.workdir}")
    print(f"samples (CSV)       {sampler.path}")
    print("lines acknowledged per protocol (syslog-tcp: written to the socket):")
    for key in sorted(k for k in c if k.startswith("lines ")):
        print(f"  {key[6:]:<18}{c[key]:>12,}")
    print(f"durable acknowledged{c['durable acked']:>12,}")
    kills = len(ctx.server.kill_times_ns)
    print(f"kills / restarts    {kills} kill -9, {kills} restarts after them, "
          f"{ctx.server.starts - 1 - kills} after the clean stop")
    lat = sorted(ctx.latencies)
    p = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] if lat else 0
    print(f"queries run         {c['queries']:,} (p50 {p(0.5) * 1000:.0f} ms, p99 {p(0.99) * 1000:.0f} ms, "
          f"max {p(1.0) * 1000:.0f} ms)")
    print(f"query errors        5xx {c['query 5xx']}, 4xx {c['query 4xx']}, 429 {c['query 429 (retried)']}")
    print(f"push errors         5xx {c['push 5xx']} (+{c['push 5xx during restarts']} during restarts), "
          f"4xx {c['push 4xx']}, 429 {c['push 429 (retried)']}")
    print(f"connection errors   during restarts: push {c['push connection errors during restarts']}, "
          f"query {c['query connection errors during restarts']}; outside: "
          f"push {c['push connection errors outside restarts']}, "
          f"query {c['query connection errors outside restarts']}")
    print(f"tail lines seen     {tail.lines:,} over {len(tail.generations)} tail processes "
          f"{tail.generations}")
    print(f"retention           {getattr(ctx, 'retention_detail', 'not checked')}")
    for key, examples in sorted(ctx.counters.examples.items()):
        for e in examples[:3]:
            print(f"  e.g. {key}: {e}")
    s = sampler.samples
    print("resources (while serving, every 10 s):")
    print(f"  RSS MB   {summarise_curve(s, 'rss_kb', 1024)}")
    print(f"   anon MB {summarise_curve(s, 'rss_anon_kb', 1024)}")
    print(f"   file MB {summarise_curve(s, 'rss_file_kb', 1024)}")
    peaks = collections.OrderedDict()
    for row in s:
        peaks[row["pid"]] = max(peaks.get(row["pid"], 0), row["rss_kb"] / 1024)
    print(f"  peak RSS MB per server process: {', '.join(f'{v:.0f}' for v in peaks.values())}")
    print(f"  fds      {summarise_curve(s, 'fds')}")
    print(f"  threads  {summarise_curve(s, 'threads')}")
    print(f"  data MB  {summarise_curve(s, 'data_bytes', 2**20)}")
    if s:
        print(sample_table(s, elapsed))
    errors = warns = 0
    try:
        with open(ctx.server.log_path, errors="replace") as f:
            for line in f:
                errors += " level=error " in line
                warns += " level=warn " in line
    except OSError:
        pass
    print(f"server log          {ctx.server.log_path} ({errors} error, {warns} warn lines)")
    failed = [(n, d) for n, ok, d in checks.results if not ok]
    if failed:
        print("failed checks:")
        for name, detail in failed:
            print(f"  FAIL {name}{' -- ' + detail if detail else ''}")
    passed, nfailed = checks.counts()
    print(f"{passed} passed, {nfailed} failed")


# ---------------------------------------------------------------------------
# The run


def error_checks(ctx, checks):
    c = ctx.counters
    for key in ("query 5xx", "push 5xx", "query 4xx", "push 4xx",
                "push connection errors outside restarts", "query connection errors outside restarts",
                "durable batches given up", "pusher crashed", "querier crashed"):
        n = c.get(key)
        checks.record(f"no {key}", n == 0, f"{n}: {c.examples.get(key, [])[:2]}" if n else "")


def soak(ctx, checks, tail, sampler):
    args, server = ctx.args, ctx.server
    duration = args.seconds if args.seconds else args.minutes * 60
    kill_every = args.kill_every * 60
    pushers = make_pushers(ctx, args.rate)
    queriers = [Querier(ctx, i * 7, 1.0) for i in range(2)]
    for t in pushers + queriers + [sampler]:
        t.start()
    tail.start()
    log(f"load running for {duration:.0f}s, kill -9 every {kill_every:.0f}s")
    next_kill, next_status = kill_every, 60
    while True:
        elapsed = time.monotonic() - ctx.t0
        if elapsed >= duration:
            break
        if server.proc.poll() is not None:
            checks.record("the server keeps running between kills", False,
                          f"exited by itself with rc={server.proc.returncode}; see {server.log_path}")
            break
        if elapsed >= next_kill and duration - elapsed > 20:
            if not kill_and_restart(ctx, checks, tail):
                break   # a server that does not come back ends the run
            next_kill += kill_every
        if elapsed >= next_status:
            c = ctx.counters
            log(f"{elapsed:.0f}s: {sum(v for k, v in c.c.items() if k.startswith('lines ')):,} lines, "
                f"{c.get('durable acked'):,} durable, {c.get('queries'):,} queries, tail {tail.lines:,}")
            next_status += 60
        time.sleep(0.5)

    # Stop the load; the last batches are delivered (or given up) first.
    checks.record("the tail was still following at the end", tail.alive())
    ctx.stop_push.set()
    for t in pushers:
        t.join(PUSH_RETRY_S + 50)
    time.sleep(2)   # best-effort records become visible within a flush interval
    ctx.stop_query.set()
    for t in queriers:
        t.join(80)
    tail.stop()
    sampler.join(30)
    return time.monotonic() - ctx.t0


def final_checks(ctx, checks):
    server, client = ctx.server, ctx.client
    log("final checks on the running server (no restart since the last write)")
    check_durable(ctx, checks, client, "final")
    before = check_best_effort(ctx, checks, client, "final")
    check_retention(ctx, checks, client, time.monotonic() - ctx.t0)
    run_verify(checks, "final", ["--url", server.url, "--tenant", "main"])
    error_checks(ctx, checks)

    rc, took = server.terminate()
    checks.record(f"SIGTERM: exits 0 within {STOP_WAIT_S}s", rc == 0, f"rc={rc} after {took:.1f}s")
    run_verify(checks, "stopped", ["--data", server.data])
    if os.path.exists(ctx.heads_path):
        run_verify(checks, "stopped", ["--data", server.data, "--tenant", "main",
                                       "--expect-heads", ctx.heads_path])

    # A clean stop loses nothing, best effort included: start once more and compare.
    took = server.start()
    if checks.record("after the clean stop: restarted", took is not None):
        client.close()
        check_durable(ctx, checks, client, "after clean stop")
        for tenant, selector in BEST_EFFORT_MAIN:
            expected, _ = ctx.ledger.bucket_snapshot((tenant, selector))
            try:
                after = stored_buckets(client, tenant, selector, min(expected), max(expected) + 1)
            except (ReadError, ValueError) as e:
                after = str(e)
            same = after == before.get(selector)
            checks.record(f"after clean stop: {selector} unchanged by the stop", same,
                          "" if same else f"{sum(before.get(selector, {}).values())} before, "
                                          f"{sum(after.values()) if isinstance(after, dict) else after} after")
        rc, took = server.terminate()
        checks.record(f"second SIGTERM: exits 0 within {STOP_WAIT_S}s", rc == 0, f"rc={rc} after {took:.1f}s")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=30, help="how long the load runs (default 30)")
    p.add_argument("--seconds", type=float, help="the same in seconds (overrides --minutes)")
    p.add_argument("--kill-every", type=float, default=4, help="minutes between kill -9s (default 4)")
    p.add_argument("--rate", type=float, default=1.0, help="load factor (1: about 2,400 lines/s)")
    p.add_argument("--out", help="directory for the data, logs and CSV (default: a new temp dir)")
    p.add_argument("--lode", default=LODE, help="the lode binary (default build/lode)")
    p.add_argument("--keep", action="store_true", help="keep the data directory after a passing run (a failing one keeps it)")
    return p.parse_args()


def interrupted(signum, frame):
    raise KeyboardInterrupt()


def main():
    args = parse_args()
    global LODE
    LODE = os.path.abspath(args.lode)
    if not os.access(LODE, os.X_OK):
        print(f"{LODE} not found: make build first", file=sys.stderr)
        return 2
    duration = args.seconds if args.seconds else args.minutes * 60
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="lode-soak-", dir=args.out)
    # A few minutes at most, and short enough to act within a short run.
    retention_s = int(max(30, min(180, duration / 4)))
    port, syslog_port = free_port(), free_port()
    server = Server(workdir, port, syslog_port, retention_s)
    ctx = Context(args, workdir, workdir, server, syslog_port)
    ctx.retention_s = retention_s
    ctx.client = Client(port)
    checks = Checks()
    tail = Tail(ctx)
    sampler = Sampler(ctx)

    # SIGTERM (e.g. from make or CI) ends the run like Ctrl-C: through finally.
    signal.signal(signal.SIGTERM, interrupted)
    log(f"work dir {workdir}; lode on {server.url}, syslog tcp {syslog_port}; "
        f"tenant short keeps {retention_s}s")
    rc = 1
    try:
        took = server.start()
        if not checks.record(f"server starts, ready within {READY_WAIT_S}s", took is not None,
                             f"{took:.1f}s" if took is not None else f"see {server.log_path}"):
            print_report(ctx, checks, sampler, tail, 0)
            return 1
        elapsed = soak(ctx, checks, tail, sampler)
        if server.pid is not None:
            final_checks(ctx, checks)
        flatness(checks, sampler.samples, elapsed)
        print_report(ctx, checks, sampler, tail, elapsed)
        rc = 0 if checks.counts()[1] == 0 else 1
        if rc == 0 and not args.keep:
            # The data of a passing run is not needed; logs and the CSV stay.
            shutil.rmtree(server.data, ignore_errors=True)
    except KeyboardInterrupt:
        log("interrupted")
        rc = 130
    finally:
        ctx.stop_push.set()
        ctx.stop_query.set()
        tail.stop()
        server.cleanup()
    return rc


if __name__ == "__main__":
    sys.exit(main())
