// Load generator for the ingest benchmark (bench/ingest.sh): sends the
// lines of a file to a running lode over one protocol, from several
// connections at once, and reports lines per second and the time each
// acknowledgement took (p50, p99).
//
//   lode_ingest_bench --url http://127.0.0.1:3100 --protocol loki-protobuf
//                     --lines corpus.log [--max-lines N] [--batch-lines 1000]
//                     [--concurrency 4] [--durable] [--streams N]
// Protocols: loki-json, loki-protobuf, otlp-protobuf, otlp-json, jsonl,
// plain, syslog-tcp (needs --syslog HOST:PORT).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <snappy.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "base/json_writer.h"
#include "base/time.h"
#include "proto/otlp_logs.pb.h"
#include "transport/http_client.h"
#include "wire/loki_push_proto.h"

namespace lode {
namespace {

struct Flags {
  std::string url = "http://127.0.0.1:3100";
  std::string protocol = "loki-protobuf";
  std::string lines_path;
  std::string syslog;
  size_t max_lines = 0;
  size_t batch_lines = 1000;
  int concurrency = 4;
  bool durable = false;
  // loki-protobuf: line i goes to stream {..., stream="<i % streams>"},
  // so that a cluster spreads the load over its partitions.
  size_t streams = 1;
};

struct Body {
  std::string path;
  std::string content_type;
  std::string data;
  size_t lines = 0;
};

Body Encode(const Flags& f, const std::vector<std::string>& lines, size_t from, size_t to,
            int64_t base_ts) {
  Body b;
  b.lines = to - from;
  const Labels labels{{"app", "ingest-bench"}, {"protocol", f.protocol}};
  if (f.protocol == "loki-json") {
    JsonWriter w(b.data);
    w.BeginObject();
    w.Key("streams");
    w.BeginArray();
    w.BeginObject();
    w.Key("stream");
    w.BeginObject();
    for (const Label& l : labels) {
      w.Key(l.name);
      w.String(l.value);
    }
    w.EndObject();
    w.Key("values");
    w.BeginArray();
    for (size_t i = from; i < to; ++i) {
      w.BeginArray();
      w.String(std::to_string(base_ts + int64_t(i)));
      w.String(lines[i]);
      w.EndArray();
    }
    w.EndArray();
    w.EndObject();
    w.EndArray();
    w.EndObject();
    b.path = "/loki/api/v1/push";
    b.content_type = "application/json";
  } else if (f.protocol == "loki-protobuf" && f.streams > 1) {
    std::vector<StreamBatch> batches(f.streams);
    for (size_t k = 0; k < f.streams; ++k) {
      batches[k].labels =
          Labels{{"app", "ingest-bench"}, {"protocol", f.protocol}, {"stream", std::to_string(k)}};
    }
    for (size_t i = from; i < to; ++i) {
      batches[i % f.streams].entries.push_back(Entry{base_ts + int64_t(i), lines[i], {}});
    }
    std::erase_if(batches, [](const StreamBatch& sb) { return sb.entries.empty(); });
    std::string raw = EncodeLokiPushProto(batches);
    snappy::Compress(raw.data(), raw.size(), &b.data);
    b.path = "/loki/api/v1/push";
    b.content_type = "application/x-protobuf";
  } else if (f.protocol == "loki-protobuf") {
    std::vector<Entry> entries;
    for (size_t i = from; i < to; ++i) entries.push_back(Entry{base_ts + int64_t(i), lines[i], {}});
    b.data = EncodeLokiPushBody(labels, entries);
    b.path = "/loki/api/v1/push";
    b.content_type = "application/x-protobuf";
  } else if (f.protocol == "otlp-protobuf" || f.protocol == "otlp-json") {
    wire::otlp::ExportLogsServiceRequest request;
    auto* rl = request.add_resource_logs();
    auto* attr = rl->mutable_resource()->add_attributes();
    attr->set_key("service.name");
    attr->mutable_value()->set_string_value("ingest-bench");
    auto* sl = rl->add_scope_logs();
    for (size_t i = from; i < to; ++i) {
      auto* r = sl->add_log_records();
      r->set_time_unix_nano(static_cast<uint64_t>(base_ts) + i);
      r->set_severity_number(9);
      r->mutable_body()->set_string_value(lines[i]);
    }
    b.path = "/otlp/v1/logs";
    if (f.protocol == "otlp-protobuf") {
      b.content_type = "application/x-protobuf";
      b.data = request.SerializeAsString();
    } else {
      b.content_type = "application/json";
      std::string& out = b.data;
      out =
          R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"ingest-bench"}}]},"scopeLogs":[{"logRecords":[)";
      for (size_t i = from; i < to; ++i) {
        if (i > from) out += ',';
        out += R"({"timeUnixNano":")" + std::to_string(base_ts + int64_t(i)) +
               R"(","severityNumber":9,"body":{"stringValue":)";
        AppendJsonString(out, lines[i]);
        out += "}}";
      }
      out += "]}]}]}";
    }
  } else if (f.protocol == "jsonl") {
    b.path = "/insert/jsonl?_stream_fields=app&_msg_field=msg";
    b.content_type = "application/x-ndjson";
    for (size_t i = from; i < to; ++i) {
      b.data +=
          R"({"_time":)" + std::to_string(base_ts + int64_t(i)) + R"(,"app":"ingest-bench","msg":)";
      AppendJsonString(b.data, lines[i]);
      b.data += "}\n";
    }
  } else {  // plain
    b.path = "/insert/plain?app=ingest-bench";
    b.content_type = "text/plain";
    for (size_t i = from; i < to; ++i) b.data += lines[i] + "\n";
  }
  return b;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int SyslogTcp(const Flags& f, const std::vector<std::string>& lines) {
  size_t colon = f.syslog.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(f.syslog.substr(colon + 1))));
  inet_pton(AF_INET, f.syslog.substr(0, colon).c_str(), &addr.sin_addr);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  std::atomic<size_t> sent{0};
  for (int t = 0; t < f.concurrency; ++t) {
    threads.emplace_back([&, t] {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return;
      std::string buf;
      for (size_t i = t; i < lines.size(); i += f.concurrency) {
        std::string msg = "<14>1 - bench-host ingest-bench - - - " + lines[i];
        buf += std::to_string(msg.size()) + " " + msg;
        if (buf.size() > (1 << 16)) {
          if (write(fd, buf.data(), buf.size()) < 0) break;
          buf.clear();
        }
        ++sent;
      }
      if (!buf.empty() && write(fd, buf.data(), buf.size()) < 0) {
      }
      close(fd);
    });
  }
  for (auto& th : threads) th.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  printf("protocol=%s lines=%zu seconds=%.3f lines_per_second=%.0f p50_ms=- p99_ms=-\n",
         f.protocol.c_str(), sent.load(), seconds, sent.load() / seconds);
  return 0;
}

int Run(const Flags& f) {
  std::vector<std::string> lines;
  std::ifstream in(f.lines_path);
  std::string line;
  while (std::getline(in, line) && (f.max_lines == 0 || lines.size() < f.max_lines)) {
    lines.push_back(line);
  }
  if (lines.empty()) {
    fprintf(stderr, "no lines in %s\n", f.lines_path.c_str());
    return 2;
  }
  if (f.protocol == "syslog-tcp") return SyslogTcp(f, lines);
  // Bodies are encoded before the clock starts: the server is measured.
  const int64_t base = NowNanos() - 3600LL * kNanosPerSecond;
  std::vector<Body> bodies;
  for (size_t i = 0; i < lines.size(); i += f.batch_lines) {
    bodies.push_back(Encode(f, lines, i, std::min(lines.size(), i + f.batch_lines), base));
  }
  std::string base_url = f.url;
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  std::atomic<size_t> next{0}, failures{0}, done_lines{0}, retries{0};
  std::vector<std::vector<double>> latencies(f.concurrency);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < f.concurrency; ++t) {
    threads.emplace_back([&, t] {
      // As Promtail, Vector and lode forward do: one connection kept open.
      HttpConnection connection;
      while (true) {
        size_t i = next++;
        if (i >= bodies.size()) break;
        ClientRequest r;
        r.method = "POST";
        r.url = base_url + bodies[i].path;
        r.headers = {{"Content-Type", bodies[i].content_type}};
        if (f.durable) r.headers.emplace_back("X-Lode-Durability", "durable");
        r.body = bodies[i].data;
        auto t0 = std::chrono::steady_clock::now();
        auto response = connection.Send(r);
        // As clients do: a push refused for now (429, 503) is sent again
        // after a pause; the clock keeps running.
        for (int attempt = 0;
             attempt < 200 && response.ok() && (response->status == 429 || response->status == 503);
             ++attempt) {
          ++retries;
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          response = connection.Send(r);
        }
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                        .count();
        if (!response.ok() || response->status >= 300) {
          ++failures;
          if (failures.load() < 5) {
            fprintf(stderr, "push failed: %s\n",
                    response.ok()
                        ? (std::to_string(response->status) + " " + response->body).c_str()
                        : response.status().ToString().c_str());
          }
          continue;
        }
        latencies[t].push_back(ms);
        done_lines += bodies[i].lines;
      }
    });
  }
  for (auto& th : threads) th.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  printf(
      "protocol=%s durable=%d lines=%zu seconds=%.3f lines_per_second=%.0f p50_ms=%.2f "
      "p99_ms=%.2f failures=%zu retries=%zu\n",
      f.protocol.c_str(), f.durable ? 1 : 0, done_lines.load(), seconds,
      done_lines.load() / seconds, Percentile(all, 0.5), Percentile(all, 0.99), failures.load(),
      retries.load());
  return failures.load() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace lode

int main(int argc, char** argv) {
  lode::Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--url")
      f.url = value();
    else if (a == "--protocol")
      f.protocol = value();
    else if (a == "--lines")
      f.lines_path = value();
    else if (a == "--syslog")
      f.syslog = value();
    else if (a == "--max-lines")
      f.max_lines = std::stoul(value());
    else if (a == "--batch-lines")
      f.batch_lines = std::stoul(value());
    else if (a == "--concurrency")
      f.concurrency = std::stoi(value());
    else if (a == "--durable")
      f.durable = true;
    else if (a == "--streams")
      f.streams = std::max<size_t>(1, std::stoul(value()));
    else {
      fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  return lode::Run(f);
}
