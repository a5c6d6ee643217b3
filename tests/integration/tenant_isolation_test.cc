// A property test of tenant isolation against the real server: a seeded
// random interleaving of pushes (Loki JSON plain and gzipped, at
// /loki/api/v1/push and /api/prom/push, and /insert/jsonl), concurrent
// push-and-query bursts, log and metric queries (range and instant),
// label names and values, series, index stats and volumes, detected
// labels and fields, patterns, trace lookups, live tails over WebSocket,
// rule groups created, listed and deleted through the ruler API, clean
// restarts, and refused requests (no, wrong or read/write-only tokens, a
// token naming another tenant, headers sent twice, bad tenant IDs),
// across tenants and, with auth, tokens. Heads are small and flushed
// often and records span two or three days, so answers come from heads,
// WAL, parts, merged parts and cold days alike.
//
// Every piece of data a tenant pushes carries markers of its own: a
// secret word (`mk<i><hex>`) in its lines, label values, a label name,
// structured metadata and rule names, and `tenant="<name>"` in its lines.
// The property: no answer ever holds another tenant's marker (scanned in
// the raw body or WebSocket bytes), and each answer is exactly what a
// model of the pushes says it must be (limits are kept above what is
// pushed).
//
// lode has no log deletion API (Loki's /loki/api/v1/delete is a 404, and
// is probed as such: nothing is deleted); the deletes exercised are the
// ruler's, a tenant's rule groups being the other data it owns.
//
// Seed: kDefaultSeed, or $LODE_PROPERTY_SEED; failures print it together
// with the last operations. $LODE_PROPERTY_OPS sets the operations per run
// (400).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "base/json_writer.h"
#include "base/time.h"
#include "lode_process.h"
#include "transport/http_client.h"

namespace lode::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

using Headers = std::vector<std::pair<std::string, std::string>>;
using LabelMap = std::map<std::string, std::string>;

constexpr uint64_t kDefaultSeed = 20240501;
constexpr int kDefaultOps = 400;  // per run; $LODE_PROPERTY_OPS for a longer one
constexpr size_t kLimit = 10000;  // the server's default max_query_limit
constexpr size_t kMaxOpenTails = 3;
constexpr size_t kMaxGroupsPerTenant = 3;

uint64_t Seed() {
  const char* env = std::getenv("LODE_PROPERTY_SEED");
  if (env != nullptr && *env != '\0') return std::strtoull(env, nullptr, 0);
  return kDefaultSeed;
}

int OpsPerRun() {
  const char* env = std::getenv("LODE_PROPERTY_OPS");
  if (env != nullptr && std::atoi(env) > 0) return std::atoi(env);
  return kDefaultOps;
}

std::string Canon(const LabelMap& labels) {
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out += ", ";
    out += k + "=\"" + v + "\"";
  }
  return out + "}";
}

std::string ToHex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

// The body around `at`, for a failure message.
std::string Around(const std::string& body, size_t at) {
  size_t from = at > 160 ? at - 160 : 0;
  return "..." + body.substr(from, 400) + "...";
}

std::string Snip(const std::string& body) {
  return body.size() <= 1200
             ? body
             : body.substr(0, 1200) + "...(" + std::to_string(body.size()) + " bytes)";
}

std::string Join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : " ") + s;
  return "[" + out + "]";
}

std::string Describe(const std::string& method, const std::string& path, const Headers& headers) {
  std::string out = method + " " + path;
  for (const auto& [k, v] : headers) out += " [" + k + ": " + v + "]";
  return out;
}

// One record a tenant pushed.
struct Entry {
  int tenant = 0;
  int64_t ts = 0;
  std::string line;
  LabelMap stream;
  LabelMap metadata;  // structured metadata (may be empty)
  std::string word;
  std::string trace;  // metadata trace_id, or ""
  int stream_no = 0;  // 0..2 own streams, 3 the stream every tenant has
};

struct Tenant {
  std::string name;
  bool is_default = false;  // `fake`: also reached without X-Scope-OrgID
  std::string sec;          // the secret word in everything it pushes
  std::vector<std::string> markers;
  std::vector<size_t> entries;                // into Model entries
  std::map<std::string, LabelMap> streams;    // canonical -> labels
  std::map<std::string, std::string> groups;  // rule group -> namespace
  int next_group = 0;
  // With auth: read-write (two), read-only and write-only tokens.
  std::string rw, rw2, ro, wo;
};

// A record as an answer gives it.
struct Got {
  int64_t ts = 0;
  std::string line;
  std::string labels;  // canonical
  bool operator<(const Got& o) const {
    return std::tie(ts, line, labels) < std::tie(o.ts, o.line, o.labels);
  }
  bool operator==(const Got& o) const { return ts == o.ts && line == o.line && labels == o.labels; }
};

std::string Show(const Got& g) { return std::to_string(g.ts) + " " + g.labels + " " + g.line; }

// The streams of a streams answer or a tail message: each with its
// labels (stream, metadata and, over several tenants, __tenant_id__).
// `order` checks each stream's values run forward (1) or backward (-1).
bool ParseStreamArray(simdjson::dom::array streams, std::vector<Got>& out, int order,
                      std::string& error) {
  for (simdjson::dom::element stream : streams) {
    simdjson::dom::object labels;
    if (stream["stream"].get_object().get(labels) != simdjson::SUCCESS) {
      error = "a stream without labels";
      return false;
    }
    LabelMap map;
    for (auto field : labels) {
      std::string_view v;
      if (field.value.get_string().get(v) != simdjson::SUCCESS) {
        error = "a label value that is not a string";
        return false;
      }
      map[std::string(field.key)] = std::string(v);
    }
    const std::string canon = Canon(map);
    simdjson::dom::array values;
    if (stream["values"].get_array().get(values) != simdjson::SUCCESS) {
      error = "a stream without values";
      return false;
    }
    int64_t previous = 0;
    bool first = true;
    for (simdjson::dom::element v : values) {
      std::string_view ts, line;
      if (v.at(0).get_string().get(ts) != simdjson::SUCCESS ||
          v.at(1).get_string().get(line) != simdjson::SUCCESS) {
        error = "a value that is not [ts, line]";
        return false;
      }
      Got g{std::stoll(std::string(ts)), std::string(line), canon};
      if (!first && order != 0 && (order > 0 ? g.ts < previous : g.ts > previous)) {
        error = "values of stream " + canon + " out of order";
        return false;
      }
      first = false;
      previous = g.ts;
      out.push_back(std::move(g));
    }
  }
  return true;
}

// A metric answer as series (canonical labels) -> every sample's value.
struct MetricAnswer {
  bool ok = false;
  std::string type;
  std::map<std::string, std::vector<double>> series;
  std::string error;
};

MetricAnswer ParseMetricAnswer(const std::string& body) {
  MetricAnswer m;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) {
    m.error = "not JSON";
    return m;
  }
  std::string_view type;
  if (root["data"]["resultType"].get_string().get(type) != simdjson::SUCCESS) {
    m.error = "no data.resultType";
    return m;
  }
  m.type = std::string(type);
  simdjson::dom::array result;
  if (root["data"]["result"].get_array().get(result) != simdjson::SUCCESS) {
    m.error = "no data.result array";
    return m;
  }
  auto value = [](simdjson::dom::element pair) {
    std::string_view v;
    if (pair.at(1).get_string().get(v) != simdjson::SUCCESS) return -1.0;
    return std::strtod(std::string(v).c_str(), nullptr);
  };
  for (simdjson::dom::element s : result) {
    LabelMap labels;
    simdjson::dom::object metric;
    if (s["metric"].get_object().get(metric) == simdjson::SUCCESS) {
      for (auto field : metric) {
        labels[std::string(field.key)] = std::string(field.value.get_string().value());
      }
    }
    auto& samples = m.series[Canon(labels)];
    simdjson::dom::array values;
    if (m.type == "vector") {
      samples.push_back(value(s["value"]));
    } else if (s["values"].get_array().get(values) == simdjson::SUCCESS) {
      for (simdjson::dom::element p : values) samples.push_back(value(p));
    }
  }
  m.ok = true;
  return m;
}

// A list of strings at `path` ("data" or "values"), as a set.
bool ParseStringList(const std::string& body, const char* key, std::set<std::string>& out) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) return false;
  simdjson::dom::array items;
  if (root[key].get_array().get(items) != simdjson::SUCCESS) return false;
  for (simdjson::dom::element e : items) {
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) return false;
    out.insert(std::string(s));
  }
  return true;
}

// A WebSocket client for one tail, with the headers it sends on the
// upgrade; reads with a deadline (one read kept outstanding across calls,
// as tail_test.cc does).
class TailClient {
 public:
  TailClient(const std::string& base_url, const std::string& target, const Headers& headers)
      : ws_(ioc_) {
    std::string hostport = base_url.substr(7);  // http://HOST:PORT
    std::string host = hostport.substr(0, hostport.find(':'));
    std::string port = hostport.substr(hostport.find(':') + 1);
    asio::ip::tcp::resolver resolver(ioc_);
    beast::get_lowest_layer(ws_).connect(*resolver.resolve(host, port).begin());
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (const auto& [name, value] : headers) req.set(name, value);
    }));
    // (Boost 1.74 keeps the answer to itself when it declines: see
    // AskUpgrade for refusals.)
    beast::error_code ec;
    ws_.handshake(hostport, target, ec);
    ok_ = !ec;
    error_ = ec.message();
  }

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

  // The next message, or "" when none came within `timeout`.
  std::string Read(std::chrono::milliseconds timeout) {
    if (!reading_) {
      reading_ = true;
      done_ = false;
      buffer_.clear();
      ws_.async_read(buffer_, [this](beast::error_code ec, size_t) {
        done_ = true;
        result_ = ec;
      });
    }
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done_) return "";
    reading_ = false;
    if (result_) {
      broken_ = true;
      return "";
    }
    return beast::buffers_to_string(buffer_.data());
  }
  bool broken() const { return broken_; }

 private:
  asio::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  bool reading_ = false, done_ = false, broken_ = false;
  beast::error_code result_;
  bool ok_ = false;
  std::string error_;
};

// The answer to a WebSocket upgrade request sent by hand: its status, and
// every byte that came within a moment (frames included, when accepted).
struct RawAnswer {
  int status = 0;
  std::string raw;
};

RawAnswer AskUpgrade(const std::string& base_url, const std::string& target,
                     const Headers& headers) {
  namespace http = beast::http;
  RawAnswer answer;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  const std::string hostport = base_url.substr(7);
  asio::ip::tcp::resolver resolver(ioc);
  stream.connect(
      *resolver
           .resolve(hostport.substr(0, hostport.find(':')), hostport.substr(hostport.find(':') + 1))
           .begin());
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, hostport);
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::sec_websocket_version, "13");
  req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  for (const auto& [name, value] : headers) req.set(name, value);
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(5));
  http::write(stream, req, ec);
  if (ec) {
    answer.raw = "write: " + ec.message();
    return answer;
  }
  // Read whatever comes until the server closes or goes quiet.
  std::string bytes;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  while (std::chrono::steady_clock::now() < deadline) {
    stream.expires_after(std::chrono::milliseconds(300));
    size_t n = stream.read_some(asio::buffer(buf), ec);
    bytes.append(buf, n);
    if (ec) break;
  }
  answer.raw = bytes;
  if (bytes.starts_with("HTTP/1.1 ") && bytes.size() >= 12) {
    answer.status = std::atoi(bytes.substr(9, 3).c_str());
  }
  return answer;
}

// A request written byte for byte (headers may repeat, which no client
// here sends), and the whole answer as read until the server closes.
RawAnswer RawHttp(const std::string& base_url, const std::string& method, const std::string& target,
                  const std::vector<std::string>& header_lines) {
  RawAnswer answer;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  const std::string hostport = base_url.substr(7);
  asio::ip::tcp::resolver resolver(ioc);
  stream.connect(
      *resolver
           .resolve(hostport.substr(0, hostport.find(':')), hostport.substr(hostport.find(':') + 1))
           .begin());
  std::string request =
      method + " " + target + " HTTP/1.1\r\nHost: " + hostport + "\r\nConnection: close\r\n";
  for (const std::string& line : header_lines) request += line + "\r\n";
  request += "\r\n";
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(10));
  asio::write(stream, asio::buffer(request), ec);
  char buf[16384];
  while (!ec) {
    size_t n = stream.read_some(asio::buffer(buf), ec);
    answer.raw.append(buf, n);
  }
  if (answer.raw.starts_with("HTTP/1.1 ") && answer.raw.size() >= 12) {
    answer.status = std::atoi(answer.raw.substr(9, 3).c_str());
  }
  return answer;
}

// What a query keeps of a tenant's records.
using Keep = std::function<bool(const Entry&)>;

struct OpenTail {
  std::vector<int> who;
  Keep keep;
  std::unique_ptr<TailClient> client;
  std::vector<Got> received;
  bool lossy = false;  // concurrent pushes to two of its tenants: it may miss lines
  std::string desc;
};

class TenantIsolationProperty : public ::testing::Test {
 protected:
  void TearDown() override {
    tails_.clear();
    server_.reset();
  }

  // ---- set-up ----------------------------------------------------------

  void Start(bool auth) {
    auth_ = auth;
    seed_ = Seed();
    std::seed_seq seq{static_cast<uint32_t>(seed_), static_cast<uint32_t>(seed_ >> 32),
                      static_cast<uint32_t>(auth ? 1 : 0)};
    rng_.seed(seq);
    // Names that are prefixes of each other, differ only in case, or hold
    // the punctuation tenant IDs may hold.
    const std::vector<std::string> names = {"acme", "acme-dev", "ACME", "acme.dev*", "o'k(2)!"};
    for (size_t i = 0; i < names.size(); ++i) AddTenant(names[i], false);
    if (!auth) AddTenant("fake", true);  // the default tenant, reached without a header
    std::string yaml = "ruler:\n  rule_path: " + dir_.path() + "/rules\n";
    if (auth) {
      yaml += "auth:\n  tokens:\n";
      for (size_t i = 0; i < tenants_.size(); ++i) {
        Tenant& t = tenants_[i];
        const std::string n = std::to_string(i);
        t.rw = "rw-" + n + "-" + RandomHex(12);
        t.rw2 = "rw2-" + n + "-" + RandomHex(12);
        t.ro = "ro-" + n + "-" + RandomHex(12);
        t.wo = "wo-" + n + "-" + RandomHex(12);
        const std::string tenant = Json(t.name);
        yaml += "    - {token: \"" + t.rw + "\", tenant: " + tenant + ", access: read-write}\n";
        yaml += "    - {token: \"" + t.rw2 + "\", tenant: " + tenant + "}\n";
        yaml += "    - {token: \"" + t.ro + "\", tenant: " + tenant + ", access: read}\n";
        yaml += "    - {token: \"" + t.wo + "\", tenant: " + tenant + ", access: write}\n";
      }
    }
    // Small heads, flushed to parts often, and past days rewritten cold
    // soon: answers come from heads, WAL, parts and merged and cold parts
    // alike, across restarts.
    yaml +=
        "head_max_bytes: 8192\nhead_max_age: 300ms\nheads_max_bytes: 1048576\n"
        "small_day_cold_after: 3s\ncold_after: 1h\n";
    server_args_ = ConfigArgs(dir_.path(), yaml);
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data", server_args_);
    // Records are stamped from 47 hours ago on, increasing, spread over
    // two or three days, so that every day partition is written, and a
    // tail's cursor never passes a later push.
    base_ = NowNanos() - 47 * 3600 * kNanosPerSecond;
    next_ts_ = base_;
    spacing_ = 46 * 3600 * kNanosPerSecond / (static_cast<int64_t>(OpsPerRun()) * 8);
  }

  // The next record's time: increasing, and always a while before now.
  int64_t NextTimestamp() {
    int64_t next = next_ts_ + spacing_;
    if (next > NowNanos() - 120 * kNanosPerSecond) next = next_ts_ + 1000;
    return next_ts_ = next;
  }

  void AddTenant(const std::string& name, bool is_default) {
    Tenant t;
    t.name = name;
    t.is_default = is_default;
    t.sec = "mk" + std::to_string(tenants_.size()) + RandomHex(8);
    // As a line shows in a JSON answer: tenant=\"<name>\".
    t.markers = {t.sec, "tenant=\\\"" + name + "\\\""};
    tenants_.push_back(std::move(t));
  }

  std::string RandomHex(int n) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < n; ++i) out += digits[rng_() % 16];
    return out;
  }
  size_t Rand(size_t n) { return static_cast<size_t>(rng_() % n); }
  bool Chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }
  int RandTenant() { return static_cast<int>(Rand(tenants_.size())); }
  int OtherTenant(int t) {
    int o = RandTenant();
    while (o == t) o = RandTenant();
    return o;
  }

  // The tenants a read is for: one, or (without auth) sometimes 2 or 3.
  std::vector<int> PickWho() {
    std::vector<int> who = {RandTenant()};
    if (!auth_ && Chance(25)) {
      size_t n = 2 + Rand(2);
      while (who.size() < n) {
        int t = RandTenant();
        if (std::find(who.begin(), who.end(), t) == who.end()) who.push_back(t);
      }
    }
    std::sort(who.begin(), who.end());
    return who;
  }
  bool Multi(const std::vector<int>& who) const { return who.size() > 1; }

  std::string WhoName(const std::vector<int>& who) const {
    std::string out;
    for (int t : who) out += (out.empty() ? "" : "|") + tenants_[t].name;
    return out;
  }

  // ---- credentials -----------------------------------------------------

  std::string Basic(const std::string& token) {
    static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::string in = "user-" + RandomHex(4) + ":" + token;
    std::string out;
    for (size_t i = 0; i < in.size(); i += 3) {
      uint32_t n = static_cast<unsigned char>(in[i]) << 16;
      if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
      if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
      out += table[(n >> 18) & 63];
      out += table[(n >> 12) & 63];
      out += i + 1 < in.size() ? table[(n >> 6) & 63] : '=';
      out += i + 2 < in.size() ? table[n & 63] : '=';
    }
    return "Basic " + out;
  }

  void AddToken(Headers& h, const std::string& token) {
    h.emplace_back("Authorization", Chance(25) ? Basic(token) : "Bearer " + token);
  }

  // Headers for reading as `who`: X-Scope-OrgID without auth; a token that
  // may read (and sometimes its own tenant named as well) with auth.
  Headers ReadHeaders(const std::vector<int>& who) {
    Headers h;
    if (!auth_) {
      if (Multi(who)) {
        // Any order names the same tenants.
        std::vector<int> order = who;
        std::shuffle(order.begin(), order.end(), rng_);
        h.emplace_back("X-Scope-OrgID", WhoName(order));
      } else if (!tenants_[who[0]].is_default || Chance(50)) {
        h.emplace_back("X-Scope-OrgID", tenants_[who[0]].name);
      }
      return h;
    }
    const Tenant& t = tenants_[who[0]];
    const std::string* tokens[] = {&t.rw, &t.rw2, &t.ro};
    AddToken(h, *tokens[Rand(3)]);
    if (Chance(30)) h.emplace_back("X-Scope-OrgID", t.name);
    return h;
  }

  Headers WriteHeaders(int tenant) {
    Headers h;
    const Tenant& t = tenants_[tenant];
    if (!auth_) {
      if (!t.is_default || Chance(50)) h.emplace_back("X-Scope-OrgID", t.name);
      return h;
    }
    const std::string* tokens[] = {&t.rw, &t.rw2, &t.wo};
    AddToken(h, *tokens[Rand(3)]);
    if (Chance(30)) h.emplace_back("X-Scope-OrgID", t.name);
    return h;
  }

  // ---- requests --------------------------------------------------------

  HttpResponse Send(const std::string& method, const std::string& path, const std::string& body,
                    const Headers& headers) const {
    ClientRequest request;
    request.method = method;
    request.url = server_->base_url() + path;
    request.headers = headers;
    request.body = body;
    auto response = SendHttpRequest(request);
    if (!response.ok()) {
      ADD_FAILURE() << Describe(method, path, headers)
                    << ": exchange failed: " << response.status().ToString();
      HttpResponse none;
      none.status = 0;
      return none;
    }
    return *response;
  }

  std::string Window() const {
    return "start=" + std::to_string(base_ - kNanosPerSecond) +
           "&end=" + std::to_string(NowNanos() + kNanosPerSecond);
  }

  // The markers of every tenant not in `allowed` that `text` holds, as
  // failure text ("" when none).
  std::string Leaks(const std::string& text, const std::vector<int>& allowed) const {
    std::string out;
    for (size_t i = 0; i < tenants_.size(); ++i) {
      if (std::find(allowed.begin(), allowed.end(), static_cast<int>(i)) != allowed.end()) continue;
      for (const std::string& m : tenants_[i].markers) {
        size_t at = text.find(m);
        if (at != std::string::npos) {
          out += "\n  LEAK: marker '" + m + "' of tenant \"" + tenants_[i].name + "\" at byte " +
                 std::to_string(at) + ": " + Around(text, at);
        }
      }
    }
    return out;
  }

  void ExpectNoLeak(const std::string& what, const std::string& text,
                    const std::vector<int>& allowed) {
    std::string leaks = Leaks(text, allowed);
    if (!leaks.empty()) {
      std::string names;
      for (int t : allowed) names += "\"" + tenants_[t].name + "\" ";
      ADD_FAILURE() << what << " (asked for tenants " << names
                    << ") answered data of others:" << leaks;
    }
  }

  // A read: the answer must be `status` and hold nothing of tenants not
  // in `who`.
  HttpResponse Read(const std::vector<int>& who, const std::string& path, int status = 200,
                    const std::string& method = "GET") {
    Headers h = ReadHeaders(who);
    last_request_ = Describe(method, path, h);
    HttpResponse r = Send(method, path, "", h);
    EXPECT_EQ(r.status, status) << last_request_ << "\n" << Snip(r.body);
    ExpectNoLeak(last_request_, r.body, who);
    return r;
  }

  // ---- the model -------------------------------------------------------

  LabelMap StreamLabels(const Tenant& t, int n) const {
    if (n == 3) return {{"app", "shared"}, {"kind", "shared"}};
    LabelMap m{
        {"app", t.sec + "-app-" + std::to_string(n)}, {"kind", "own"}, {"tenant_tag", t.sec}};
    if (n == 2) m["lbl_" + t.sec] = "v";
    return m;
  }

  const std::vector<std::string> kWords = {"alpha", "bravo", "charlie", "delta"};
  const std::vector<std::string> kTraces = {"4bf92f3577b34da6a3ce929d0e0e4700",
                                            "4bf92f3577b34da6a3ce929d0e0e4701",
                                            "4bf92f3577b34da6a3ce929d0e0e4702"};

  // New records for `tenant` over 1 to 3 of its streams; not yet in the
  // model.
  std::vector<Entry> MakeRecords(int tenant, int op) {
    const Tenant& t = tenants_[tenant];
    std::vector<int> streams = {0, 1, 2, 3};
    std::shuffle(streams.begin(), streams.end(), rng_);
    streams.resize(1 + Rand(3));
    std::vector<Entry> out;
    int i = 0;
    for (int n : streams) {
      const size_t count = 1 + Rand(4);
      for (size_t k = 0; k < count; ++k) {
        Entry e;
        e.tenant = tenant;
        e.ts = NextTimestamp();
        e.stream_no = n;
        e.stream = StreamLabels(t, n);
        e.word = kWords[Rand(kWords.size())];
        e.line = "tenant=\"" + t.name + "\" sec=" + t.sec + " op=" + std::to_string(op) +
                 " i=" + std::to_string(i++) + " w=" + e.word;
        if (Chance(50)) {
          e.trace = kTraces[Rand(kTraces.size())];
          e.metadata = {{"trace_id", e.trace}, {"sec_md", t.sec}};
        }
        out.push_back(std::move(e));
      }
    }
    return out;
  }

  void Commit(const std::vector<Entry>& records) {
    for (const Entry& e : records) {
      Tenant& t = tenants_[e.tenant];
      t.entries.push_back(entries_.size());
      t.streams[Canon(e.stream)] = e.stream;
      entries_.push_back(e);
    }
  }

  // The records of `who` that `keep` keeps.
  std::vector<const Entry*> Select(const std::vector<int>& who, const Keep& keep) const {
    std::vector<const Entry*> out;
    for (int t : who) {
      for (size_t i : tenants_[t].entries) {
        if (keep(entries_[i])) out.push_back(&entries_[i]);
      }
    }
    return out;
  }

  // A record as an answer for `who` shows it: stream labels, metadata and,
  // over several tenants, __tenant_id__.
  Got Expected(const Entry& e, bool multi) const {
    LabelMap labels = e.stream;
    for (const auto& [k, v] : e.metadata) labels[k] = v;
    if (multi) labels["__tenant_id__"] = tenants_[e.tenant].name;
    return Got{e.ts, e.line, Canon(labels)};
  }

  // Compares records got with the model's, reporting the first differences.
  void ExpectSameRecords(const std::string& what, std::vector<Got> got,
                         const std::vector<const Entry*>& want_entries, bool multi) {
    std::vector<Got> want;
    for (const Entry* e : want_entries) want.push_back(Expected(*e, multi));
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    if (got == want) return;
    std::vector<Got> missing, extra;
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                        std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(),
                        std::back_inserter(extra));
    std::string text;
    for (size_t i = 0; i < missing.size() && i < 5; ++i) text += "\n  missing: " + Show(missing[i]);
    for (size_t i = 0; i < extra.size() && i < 5; ++i) text += "\n  extra:   " + Show(extra[i]);
    ADD_FAILURE() << what << ": got " << got.size() << " records, the model has " << want.size()
                  << " (" << missing.size() << " missing, " << extra.size()
                  << " extra or duplicated)" << text;
  }

  // Distinct stream label sets of `who`'s streams that `keep` keeps.
  std::set<std::string> StreamSet(const std::vector<int>& who,
                                  const std::function<bool(const LabelMap&)>& keep) const {
    std::set<std::string> out;
    for (int t : who) {
      for (const auto& [canon, labels] : tenants_[t].streams) {
        if (keep(labels)) out.insert(canon);
      }
    }
    return out;
  }

  // ---- log queries -----------------------------------------------------

  struct Query {
    std::string text;
    Keep keep;
    std::function<bool(const LabelMap&)> keep_stream;  // for selector-only queries
  };

  Query PickLogQuery(const std::vector<int>& who) {
    const int o = RandTenant();  // any tenant, often another one
    const std::string osec = tenants_[o].sec;
    const std::string word = kWords[Rand(kWords.size())];
    const std::string trace = kTraces[Rand(kTraces.size())];
    const int n = static_cast<int>(Rand(3));
    auto all = [](const LabelMap&) { return true; };
    switch (Rand(Multi(who) ? 10 : 8)) {
      case 0:
        return {R"({kind=~".+"})", [](const Entry&) { return true; }, all};
      case 1:
        return {R"({app="shared"})", [](const Entry& e) { return e.stream_no == 3; },
                [](const LabelMap& l) { return l.at("app") == "shared"; }};
      case 2: {
        const std::string app = osec + "-app-" + std::to_string(n);
        return {"{app=\"" + app + "\"}",
                [app](const Entry& e) { return e.stream.at("app") == app; },
                [app](const LabelMap& l) { return l.at("app") == app; }};
      }
      case 3:
        return {R"({kind=~".+"} |= "w=)" + word + "\"",
                [word](const Entry& e) { return e.word == word; }, nullptr};
      case 4:
        return {"{tenant_tag=\"" + osec + "\"}",
                [osec](const Entry& e) {
                  auto it = e.stream.find("tenant_tag");
                  return it != e.stream.end() && it->second == osec;
                },
                [osec](const LabelMap& l) {
                  auto it = l.find("tenant_tag");
                  return it != l.end() && it->second == osec;
                }};
      case 5:
        return {R"({kind=~".+"} | trace_id=")" + trace + "\"",
                [trace](const Entry& e) { return e.trace == trace; }, nullptr};
      case 6:
        return {R"({kind=~".+"} |~ "sec=)" + osec + " \"",
                [o](const Entry& e) { return e.tenant == o; }, nullptr};
      case 7:
        return {R"({kind="own"} != "w=)" + word + "\"",
                [word](const Entry& e) { return e.stream_no != 3 && e.word != word; }, nullptr};
      default: {
        // Over several tenants, __tenant_id__ chooses among them (a tenant
        // not asked for chooses none).
        const std::string name = tenants_[o].name;
        const bool equal = Chance(60);
        return {std::string(R"({kind=~".+", __tenant_id__)") + (equal ? "=" : "!=") + "\"" + name +
                    "\"}",
                [o, equal](const Entry& e) { return (e.tenant == o) == equal; }, nullptr};
      }
    }
  }

  void OpLogQuery() {
    std::vector<int> who = PickWho();
    Query q = PickLogQuery(who);
    const bool forward = Chance(50);
    const std::string path = "/loki/api/v1/query_range?query=" + UrlEncode(q.text) + "&" +
                             Window() + "&limit=" + std::to_string(kLimit) +
                             "&direction=" + (forward ? "forward" : "backward");
    HttpResponse r = Read(who, path);
    if (r.status != 200) return;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array result;
    std::string_view type;
    if (parser.parse(r.body).get(root) != simdjson::SUCCESS ||
        root["data"]["resultType"].get_string().get(type) != simdjson::SUCCESS ||
        type != "streams" || root["data"]["result"].get_array().get(result) != simdjson::SUCCESS) {
      ADD_FAILURE() << last_request_ << ": not a streams answer: " << Snip(r.body);
      return;
    }
    std::vector<Got> got;
    std::string error;
    if (!ParseStreamArray(result, got, forward ? 1 : -1, error)) {
      ADD_FAILURE() << last_request_ << ": " << error << ": " << Snip(r.body);
      return;
    }
    ExpectSameRecords(last_request_, std::move(got), Select(who, q.keep), Multi(who));
  }

  // ---- metric queries ----------------------------------------------------

  struct MetricQ {
    std::string text;
    Keep keep;
    std::function<LabelMap(const Entry&)> key;
    bool bytes = false;
  };

  MetricQ PickMetricQuery(const std::vector<int>& who) {
    const bool multi = Multi(who);
    const std::string by_tenant = multi ? "__tenant_id__, " : "";
    auto tenant_of = [this, multi](const Entry& e, LabelMap m) {
      if (multi) m["__tenant_id__"] = tenants_[e.tenant].name;
      return m;
    };
    const std::string word = kWords[Rand(kWords.size())];
    auto all = [](const Entry&) { return true; };
    switch (Rand(5)) {
      case 0:
        return {"sum by (" + by_tenant + "kind) (count_over_time({kind=~\".+\"}[3d]))", all,
                [=](const Entry& e) {
                  return tenant_of(e, {{"kind", e.stream.at("kind")}});
                }};
      case 1:
        return {"sum by (" + by_tenant + "app) (count_over_time({kind=~\".+\"} |= \"w=" + word +
                    "\" [3d]))",
                [word](const Entry& e) { return e.word == word; },
                [=](const Entry& e) {
                  return tenant_of(e, {{"app", e.stream.at("app")}});
                }};
      case 2:
        return {"sum by (" + by_tenant +
                    "trace_id) (count_over_time({kind=~\".+\"} | trace_id!=\"\" [3d]))",
                [](const Entry& e) { return !e.trace.empty(); },
                [=](const Entry& e) {
                  return tenant_of(e, {{"trace_id", e.trace}});
                }};
      case 3:
        return {multi ? "sum by (__tenant_id__) (bytes_over_time({kind=~\".+\"}[3d]))"
                      : "sum(bytes_over_time({kind=~\".+\"}[3d]))",
                all, [=](const Entry& e) { return tenant_of(e, {}); }, true};
      default:
        // Per series: the stream's labels and its metadata.
        return {"count_over_time({app=\"shared\"}[3d])",
                [](const Entry& e) { return e.stream_no == 3; },
                [=](const Entry& e) {
                  LabelMap m = e.stream;
                  for (const auto& [k, v] : e.metadata) m[k] = v;
                  return tenant_of(e, m);
                }};
    }
  }

  std::map<std::string, double> MetricModel(const std::vector<int>& who, const MetricQ& q) const {
    std::map<std::string, double> out;
    for (const Entry* e : Select(who, q.keep)) {
      out[Canon(q.key(*e))] += q.bytes ? static_cast<double>(e->line.size()) : 1.0;
    }
    return out;
  }

  // Each series' values must be the model's, or with `slack`, between the
  // model's value and that plus the series' slack.
  void ExpectMetric(const std::string& what, const std::string& body, const std::string& type,
                    const std::map<std::string, double>& want,
                    const std::map<std::string, double>* slack = nullptr) {
    MetricAnswer m = ParseMetricAnswer(body);
    if (!m.ok || m.type != type) {
      ADD_FAILURE() << what << ": not a " << type << " answer (" << m.error << "): " << Snip(body);
      return;
    }
    std::string diff;
    for (const auto& [series, samples] : m.series) {
      auto it = want.find(series);
      if (it == want.end()) {
        diff += "\n  extra series " + series;
        continue;
      }
      const double most = it->second + (slack != nullptr ? slack->at(series) : 0.0);
      for (double v : samples) {
        if (v < it->second || v > most) {
          diff += "\n  " + series + ": got " + std::to_string(v) + ", the model has " +
                  std::to_string(it->second) +
                  (most > it->second ? " (up to " + std::to_string(most) + ")" : "");
          break;
        }
      }
    }
    for (const auto& [series, value] : want) {
      if (!m.series.count(series)) {
        diff += "\n  missing series " + series + " = " + std::to_string(value);
      }
    }
    if (!diff.empty()) ADD_FAILURE() << what << ":" << diff << "\n  body: " << Snip(body);
  }

  void OpInstantMetric() {
    std::vector<int> who = PickWho();
    MetricQ q = PickMetricQuery(who);
    const std::string path =
        "/loki/api/v1/query?query=" + UrlEncode(q.text) + "&time=" + std::to_string(NowNanos());
    HttpResponse r = Read(who, path);
    if (r.status == 200) ExpectMetric(last_request_, r.body, "vector", MetricModel(who, q));
  }

  void OpRangeMetric() {
    std::vector<int> who = PickWho();
    MetricQ q = PickMetricQuery(who);
    // Three steps ending now: every window of 3 days holds every record.
    const int64_t now = NowNanos();
    const std::string path = "/loki/api/v1/query_range?query=" + UrlEncode(q.text) +
                             "&start=" + std::to_string(now - 120 * kNanosPerSecond) +
                             "&end=" + std::to_string(now) + "&step=60";
    HttpResponse r = Read(who, path);
    if (r.status == 200) ExpectMetric(last_request_, r.body, "matrix", MetricModel(who, q));
  }

  // ---- labels, series, stats, volume -------------------------------------

  // A selector and the streams it keeps.
  std::pair<std::string, std::function<bool(const LabelMap&)>> PickSelector() {
    const int o = RandTenant();
    const std::string osec = tenants_[o].sec;
    switch (Rand(5)) {
      case 0:
        return {R"({kind=~".+"})", [](const LabelMap&) { return true; }};
      case 1:
        return {R"({app="shared"})", [](const LabelMap& l) { return l.at("app") == "shared"; }};
      case 2:
        return {"{tenant_tag=\"" + osec + "\"}", [osec](const LabelMap& l) {
                  auto it = l.find("tenant_tag");
                  return it != l.end() && it->second == osec;
                }};
      case 3:
        return {"{app=~\"" + osec + "-app-[01]\"}", [osec](const LabelMap& l) {
                  const std::string& app = l.at("app");
                  return app == osec + "-app-0" || app == osec + "-app-1";
                }};
      default:
        return {R"({kind="own"})", [](const LabelMap& l) { return l.at("kind") == "own"; }};
    }
  }

  void OpLabels() {
    std::vector<int> who = PickWho();
    auto [selector, keep] = PickSelector();
    const bool with_query = Chance(50);
    HttpResponse r = Read(who, "/loki/api/v1/labels?" + Window() +
                                   (with_query ? "&query=" + UrlEncode(selector) : ""));
    if (r.status != 200) return;
    std::set<std::string> got, want;
    if (!ParseStringList(r.body, "data", got)) {
      ADD_FAILURE() << last_request_ << ": not a list: " << Snip(r.body);
      return;
    }
    got.erase("__tenant_id__");  // Loki names it over several tenants
    for (int t : who) {
      for (const auto& [canon, labels] : tenants_[t].streams) {
        if (with_query && !keep(labels)) continue;
        for (const auto& [k, v] : labels) want.insert(k);
      }
    }
    EXPECT_EQ(got, want) << last_request_ << "\n got " << Join(got) << "\nwant " << Join(want);
  }

  void OpLabelValues() {
    std::vector<int> who = PickWho();
    const int o = RandTenant();
    const std::string names[] = {"app", "kind", "tenant_tag", "lbl_" + tenants_[o].sec};
    const std::string name = names[Rand(4)];
    auto [selector, keep] = PickSelector();
    const bool with_query = Chance(40);
    HttpResponse r = Read(who, "/loki/api/v1/label/" + name + "/values?" + Window() +
                                   (with_query ? "&query=" + UrlEncode(selector) : ""));
    if (r.status != 200) return;
    std::set<std::string> got, want;
    if (!ParseStringList(r.body, "data", got)) {
      ADD_FAILURE() << last_request_ << ": not a list: " << Snip(r.body);
      return;
    }
    for (int t : who) {
      for (const auto& [canon, labels] : tenants_[t].streams) {
        if (with_query && !keep(labels)) continue;
        auto it = labels.find(name);
        if (it != labels.end()) want.insert(it->second);
      }
    }
    EXPECT_EQ(got, want) << last_request_ << "\n got " << Join(got) << "\nwant " << Join(want);
  }

  void OpSeries() {
    std::vector<int> who = PickWho();
    const auto first = PickSelector();
    const auto second = PickSelector();
    const bool two = Chance(30);
    std::string path = "/loki/api/v1/series?" + Window() + "&match[]=" + UrlEncode(first.first);
    if (two) path += std::string(Chance(50) ? "&match[]=" : "&match=") + UrlEncode(second.first);
    HttpResponse r = Read(who, path, 200, Chance(30) ? "POST" : "GET");
    if (r.status != 200) return;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array data;
    if (parser.parse(r.body).get(root) != simdjson::SUCCESS ||
        root["data"].get_array().get(data) != simdjson::SUCCESS) {
      ADD_FAILURE() << last_request_ << ": not a series answer: " << Snip(r.body);
      return;
    }
    std::set<std::string> got;
    for (simdjson::dom::element s : data) {
      LabelMap labels;
      for (auto field : s.get_object()) {
        labels[std::string(field.key)] = std::string(field.value.get_string().value());
      }
      // Loki names each series' tenant over several; then it must be the
      // tenant that has the stream.
      auto tid = labels.find("__tenant_id__");
      if (tid != labels.end()) {
        const std::string tenant = tid->second;
        labels.erase(tid);
        bool found = false;
        for (int t : who) {
          found |= tenants_[t].name == tenant && tenants_[t].streams.count(Canon(labels));
        }
        EXPECT_TRUE(found) << last_request_ << ": series " << Canon(labels) << " named for tenant "
                           << tenant << ", which has no such stream";
      }
      got.insert(Canon(labels));
    }
    std::set<std::string> want = StreamSet(
        who, [&](const LabelMap& l) { return first.second(l) || (two && second.second(l)); });
    EXPECT_EQ(got, want) << last_request_ << "\n got " << Join(got) << "\nwant " << Join(want);
  }

  void OpIndexStats() {
    std::vector<int> who = PickWho();
    auto [selector, keep] = PickSelector();
    HttpResponse r =
        Read(who, "/loki/api/v1/index/stats?" + Window() + "&query=" + UrlEncode(selector));
    if (r.status != 200) return;
    uint64_t entries = 0, bytes = 0, slack = 0;
    std::set<std::string> streams;
    size_t stream_count = 0;
    for (int t : who) {
      for (size_t i : tenants_[t].entries) {
        const Entry& e = entries_[i];
        if (!keep(e.stream)) continue;
        ++entries;
        bytes += e.line.size();
        slack += PayloadSlack(e);
      }
      for (const auto& [canon, labels] : tenants_[t].streams) {
        if (keep(labels)) {
          streams.insert(canon);
          ++stream_count;
        }
      }
    }
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    uint64_t got_entries = 0, got_bytes = 0, got_streams = 0;
    if (parser.parse(r.body).get(root) != simdjson::SUCCESS ||
        root["entries"].get_uint64().get(got_entries) != simdjson::SUCCESS ||
        root["bytes"].get_uint64().get(got_bytes) != simdjson::SUCCESS ||
        root["streams"].get_uint64().get(got_streams) != simdjson::SUCCESS) {
      ADD_FAILURE() << last_request_ << ": not a stats answer: " << Snip(r.body);
      return;
    }
    EXPECT_EQ(got_entries, entries) << last_request_ << ": " << r.body;
    // Lines' bytes for records in heads, payload bytes for parts (see
    // OpVolume).
    EXPECT_TRUE(got_bytes >= bytes && got_bytes <= bytes + slack)
        << last_request_ << ": bytes " << got_bytes << ", the lines hold " << bytes << " (up to "
        << bytes + slack << " counting parts' columns): " << r.body;
    // Over several tenants a label set two of them have may count once
    // (merged) or once per tenant (as Loki sums per-tenant stats).
    if (Multi(who)) {
      EXPECT_TRUE(got_streams == streams.size() || got_streams == stream_count)
          << last_request_ << ": " << r.body;
    } else {
      EXPECT_EQ(got_streams, streams.size()) << last_request_ << ": " << r.body;
    }
  }

  void OpVolume() {
    std::vector<int> who = PickWho();
    const bool by_app = Chance(40);
    const bool range = Chance(30);
    std::string path;
    if (range) {
      // One point, now - 60s, whose window of 3 days holds every record.
      const int64_t now = NowNanos();
      path = "/loki/api/v1/index/volume_range?query=" + UrlEncode(R"({kind=~".+"})") +
             "&start=" + std::to_string(now - 60 * kNanosPerSecond) +
             "&end=" + std::to_string(now) + "&step=259200";
    } else {
      path = "/loki/api/v1/index/volume?query=" + UrlEncode(R"({kind=~".+"})") + "&" + Window();
    }
    if (by_app) path += "&targetLabels=app";
    HttpResponse r = Read(who, path);
    if (r.status != 200) return;
    // volume_range reads lines; volume answers from block summaries,
    // which count a part's payload (lines and their columns), a head's
    // lines (ARCHITECTURE.md): at least the lines' bytes, and at most a
    // record's columns more per record.
    std::map<std::string, double> want, slack;
    for (const Entry* e : Select(who, [](const Entry&) { return true; })) {
      const std::string key =
          Canon({{by_app ? "app" : "kind", e->stream.at(by_app ? "app" : "kind")}});
      want[key] += static_cast<double>(e->line.size());
      slack[key] += static_cast<double>(PayloadSlack(*e));
    }
    ExpectMetric(last_request_, r.body, range ? "matrix" : "vector", want,
                 range ? nullptr : &slack);
  }

  // The most a part's payload may hold for a record beyond its line: its
  // time and length, and its metadata.
  static uint64_t PayloadSlack(const Entry& e) {
    uint64_t n = 32;
    for (const auto& [k, v] : e.metadata) n += k.size() + v.size() + 8;
    return n;
  }

  // ---- detected labels and fields, patterns, trace -----------------------

  void OpDetected() {
    std::vector<int> who = PickWho();
    const std::vector<const Entry*> all = Select(who, [](const Entry&) { return true; });
    const std::string q = "query=" + UrlEncode(R"({kind=~".+"})") + "&" + Window();
    switch (Rand(3)) {
      case 0: {
        HttpResponse r = Read(who, "/loki/api/v1/detected_labels?" + q);
        if (r.status != 200) return;
        std::map<std::string, std::set<std::string>> values;
        for (int t : who) {
          for (const auto& [canon, labels] : tenants_[t].streams) {
            for (const auto& [k, v] : labels) values[k].insert(v);
          }
        }
        std::string want = R"({"detectedLabels":[)";
        bool first = true;
        for (const auto& [k, v] : values) {
          want += std::string(first ? "" : ",") + "{\"label\":" + Json(k) +
                  ",\"cardinality\":" + std::to_string(v.size()) + "}";
          first = false;
        }
        want += "]}";
        // Loki answers a placeholder over several tenants; lode merges.
        if (!Multi(who)) {
          EXPECT_EQ(r.body, want) << last_request_;
        }
        return;
      }
      case 1: {
        HttpResponse r = Read(
            who, "/loki/api/v1/detected_fields?" + q + "&line_limit=" + std::to_string(kLimit));
        if (r.status != 200) return;
        std::set<std::string> want, got;
        for (const Entry* e : all) {
          want.insert({"tenant", "sec", "op", "i", "w"});
          for (const auto& [k, v] : e->metadata) want.insert(k);
        }
        simdjson::dom::parser parser;
        simdjson::dom::element root;
        simdjson::dom::array fields;
        if (parser.parse(r.body).get(root) != simdjson::SUCCESS) {
          ADD_FAILURE() << last_request_ << ": not JSON: " << Snip(r.body);
          return;
        }
        if (root["fields"].get_array().get(fields) == simdjson::SUCCESS) {
          for (simdjson::dom::element f : fields) {
            got.insert(std::string(f["label"].get_string().value()));
          }
        }
        if (!Multi(who)) {
          EXPECT_EQ(got, want) << last_request_ << "\n got " << Join(got) << "\nwant " << Join(want)
                               << "\n"
                               << Snip(r.body);
        }
        return;
      }
      default: {
        const std::string fields[] = {"sec", "tenant", "trace_id", "w", "sec_md"};
        const std::string field = fields[Rand(5)];
        HttpResponse r = Read(who, "/loki/api/v1/detected_field/" + field + "/values?" + q +
                                       "&line_limit=" + std::to_string(kLimit));
        if (r.status != 200) return;
        std::set<std::string> want, got;
        for (const Entry* e : all) {
          if (field == "sec") want.insert(tenants_[e->tenant].sec);
          if (field == "tenant") want.insert(tenants_[e->tenant].name);
          if (field == "w") want.insert(e->word);
          if (field == "trace_id" && !e->trace.empty()) want.insert(e->trace);
          if (field == "sec_md" && !e->trace.empty()) want.insert(tenants_[e->tenant].sec);
        }
        if (r.body != "{}" && !ParseStringList(r.body, "values", got)) {
          ADD_FAILURE() << last_request_ << ": not a values answer: " << Snip(r.body);
          return;
        }
        if (!Multi(who)) {
          EXPECT_EQ(got, want) << last_request_ << "\n got " << Join(got) << "\nwant "
                               << Join(want);
        } else {
          for (const std::string& v : got) {
            EXPECT_TRUE(want.count(v)) << last_request_ << ": value " << v << " is no tenant's";
          }
        }
        return;
      }
    }
  }

  void OpPatterns() {
    std::vector<int> who = PickWho();
    HttpResponse r = Read(who, "/loki/api/v1/patterns?query=" + UrlEncode(R"({kind=~".+"})") + "&" +
                                   Window() + "&step=3600");
    if (r.status != 200) return;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array data;
    if (parser.parse(r.body).get(root) != simdjson::SUCCESS ||
        root["data"].get_array().get(data) != simdjson::SUCCESS) {
      ADD_FAILURE() << last_request_ << ": not a patterns answer: " << Snip(r.body);
      return;
    }
    uint64_t lines = 0;
    for (simdjson::dom::element p : data) {
      simdjson::dom::array samples;
      if (p["samples"].get_array().get(samples) != simdjson::SUCCESS) continue;
      for (simdjson::dom::element s : samples) {
        uint64_t n = 0;
        if (s.at(1).get_uint64().get(n) == simdjson::SUCCESS) lines += n;
      }
    }
    EXPECT_EQ(lines, Select(who, [](const Entry&) { return true; }).size())
        << last_request_ << ": the patterns' counts are not the records'\n"
        << Snip(r.body);
  }

  void OpTrace() {
    std::vector<int> who = PickWho();
    const std::string id = kTraces[Rand(kTraces.size())];
    HttpResponse r = Read(who, "/api/v1/trace?id=" + id + "&" + Window());
    if (r.status != 200) return;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array records;
    if (parser.parse(r.body).get(root) != simdjson::SUCCESS ||
        root["data"]["records"].get_array().get(records) != simdjson::SUCCESS) {
      ADD_FAILURE() << last_request_ << ": not a trace answer: " << Snip(r.body);
      return;
    }
    std::vector<Got> got;
    for (simdjson::dom::element rec : records) {
      LabelMap labels;
      for (auto field : rec["stream"].get_object()) {
        labels[std::string(field.key)] = std::string(field.value.get_string().value());
      }
      simdjson::dom::object md;
      if (rec["metadata"].get_object().get(md) == simdjson::SUCCESS) {
        for (auto field : md) {
          labels[std::string(field.key)] = std::string(field.value.get_string().value());
        }
      }
      std::string_view tenant;
      if (rec["tenant"].get_string().get(tenant) == simdjson::SUCCESS) {
        labels["__tenant_id__"] = std::string(tenant);
      }
      got.push_back(Got{std::stoll(std::string(rec["timestamp"].get_string().value())),
                        std::string(rec["line"].get_string().value()), Canon(labels)});
    }
    ExpectSameRecords(last_request_, std::move(got),
                      Select(who, [&id](const Entry& e) { return e.trace == id; }), Multi(who));
  }

  // ---- pushes --------------------------------------------------------------

  // The request that pushes `records` (all of one tenant) in one of three
  // ways: Loki JSON, gzipped Loki JSON (either at /loki/api/v1/push or at
  // the legacy /api/prom/push), or JSON lines.
  struct PushRequest {
    std::string path, body;
    Headers headers;
  };

  PushRequest BuildPush(const std::vector<Entry>& records, int how,
                        bool legacy_path = false) const {
    PushRequest p;
    if (how == 2) {
      const Tenant& t = tenants_[records[0].tenant];
      p.path = "/insert/jsonl?_stream_fields=app,kind,tenant_tag,lbl_" + t.sec +
               "&_time_field=ts&_msg_field=msg";
      for (const Entry& e : records) {
        p.body += "{\"ts\":\"" + std::to_string(e.ts) + "\"";
        for (const auto& [k, v] : e.stream) p.body += "," + Json(k) + ":" + Json(v);
        for (const auto& [k, v] : e.metadata) p.body += "," + Json(k) + ":" + Json(v);
        p.body += ",\"msg\":" + Json(e.line) + "}\n";
      }
      p.headers.emplace_back("Content-Type", "application/x-ndjson");
      return p;
    }
    p.path = legacy_path ? "/api/prom/push" : "/loki/api/v1/push";
    std::vector<std::string> order;
    std::map<std::string, std::vector<const Entry*>> by_stream;
    for (const Entry& e : records) {
      const std::string c = Canon(e.stream);
      if (!by_stream.count(c)) order.push_back(c);
      by_stream[c].push_back(&e);
    }
    p.body = R"({"streams":[)";
    for (size_t s = 0; s < order.size(); ++s) {
      const auto& list = by_stream[order[s]];
      p.body += std::string(s ? "," : "") + R"({"stream":{)";
      bool first = true;
      for (const auto& [k, v] : list[0]->stream) {
        p.body += std::string(first ? "" : ",") + Json(k) + ":" + Json(v);
        first = false;
      }
      p.body += R"(},"values":[)";
      for (size_t i = 0; i < list.size(); ++i) {
        const Entry& e = *list[i];
        p.body += std::string(i ? "," : "") + "[\"" + std::to_string(e.ts) + "\"," + Json(e.line);
        if (!e.metadata.empty()) {
          p.body += ",{";
          bool f = true;
          for (const auto& [k, v] : e.metadata) {
            p.body += std::string(f ? "" : ",") + Json(k) + ":" + Json(v);
            f = false;
          }
          p.body += "}";
        }
        p.body += "]";
      }
      p.body += "]}";
    }
    p.body += "]}";
    p.headers.emplace_back("Content-Type", "application/json");
    if (how == 1) {
      p.body = Gzip(p.body);
      p.headers.emplace_back("Content-Encoding", "gzip");
    }
    return p;
  }

  void OpPush(int op) {
    const int t = RandTenant();
    std::vector<Entry> records = MakeRecords(t, op);
    const int how = static_cast<int>(Rand(3));
    const bool legacy_path = Chance(15);
    PushRequest p = BuildPush(records, how, legacy_path);
    Headers h = WriteHeaders(t);
    p.headers.insert(p.headers.end(), h.begin(), h.end());
    last_request_ = Describe("POST", p.path, p.headers);
    HttpResponse r = Send("POST", p.path, p.body, p.headers);
    EXPECT_EQ(r.status, 204) << last_request_ << ": " << Snip(r.body);
    ExpectNoLeak(last_request_, r.body, {t});
    if (r.status == 204) Commit(records);
    pushed_ += records.size();
  }

  // Several tenants push and then read their records back, at once, each
  // on a thread of its own: what each reads is exactly its own.
  void OpBurst(int op) {
    std::vector<int> who;
    const size_t n = 3 + Rand(2);
    while (who.size() < n && who.size() < tenants_.size()) {
      int t = RandTenant();
      if (std::find(who.begin(), who.end(), t) == who.end()) who.push_back(t);
    }
    struct Job {
      int tenant;
      std::vector<Entry> records;
      PushRequest push;
      Headers read_headers;
      std::string query_path;
      std::vector<Got> want;
      std::vector<std::string> problems;
      bool stored = false;
    };
    std::vector<Job> jobs(who.size());
    for (size_t j = 0; j < who.size(); ++j) {
      Job& job = jobs[j];
      job.tenant = who[j];
      job.records = MakeRecords(job.tenant, op);
      job.push = BuildPush(job.records, static_cast<int>(Rand(3)));
      Headers h = WriteHeaders(job.tenant);
      job.push.headers.insert(job.push.headers.end(), h.begin(), h.end());
      job.read_headers = ReadHeaders({job.tenant});
      job.query_path = "/loki/api/v1/query_range?query=" + UrlEncode(R"({kind=~".+"})") + "&" +
                       Window() + "&limit=" + std::to_string(kLimit);
      for (const Entry* e : Select({job.tenant}, [](const Entry&) { return true; })) {
        job.want.push_back(Expected(*e, false));
      }
      for (const Entry& e : job.records) job.want.push_back(Expected(e, false));
      std::sort(job.want.begin(), job.want.end());
    }
    // Tails over two of these tenants may see their pushes out of time
    // order, and so miss some: they are checked for leaks only.
    for (auto& tail : tails_) {
      int hits = 0;
      for (int t : tail->who) hits += std::count(who.begin(), who.end(), t);
      if (hits >= 2) tail->lossy = true;
    }
    std::vector<std::thread> threads;
    for (Job& job : jobs) {
      threads.emplace_back([this, &job] {
        ClientRequest push;
        push.method = "POST";
        push.url = server_->base_url() + job.push.path;
        push.headers = job.push.headers;
        push.body = job.push.body;
        auto pushed = SendHttpRequest(push);
        if (!pushed.ok() || pushed->status != 204) {
          job.problems.push_back(Describe("POST", job.push.path, job.push.headers) + ": " +
                                 (pushed.ok() ? std::to_string(pushed->status) + " " + pushed->body
                                              : pushed.status().ToString()));
          return;
        }
        job.stored = true;
        ClientRequest query;
        query.url = server_->base_url() + job.query_path;
        query.headers = job.read_headers;
        auto answer = SendHttpRequest(query);
        const std::string what = Describe("GET", job.query_path, job.read_headers);
        if (!answer.ok() || answer->status != 200) {
          job.problems.push_back(what + ": " + (answer.ok() ? answer->body : "exchange failed"));
          return;
        }
        std::string leaks = Leaks(answer->body, {job.tenant});
        if (!leaks.empty()) job.problems.push_back(what + " answered others' data:" + leaks);
        simdjson::dom::parser parser;
        simdjson::dom::element root;
        simdjson::dom::array result;
        std::vector<Got> got;
        std::string error;
        if (parser.parse(answer->body).get(root) != simdjson::SUCCESS ||
            root["data"]["result"].get_array().get(result) != simdjson::SUCCESS ||
            !ParseStreamArray(result, got, 0, error)) {
          job.problems.push_back(what + ": not a streams answer " + error);
          return;
        }
        std::sort(got.begin(), got.end());
        if (got != job.want) {
          job.problems.push_back(what + ": got " + std::to_string(got.size()) +
                                 " records, the model has " + std::to_string(job.want.size()));
        }
      });
    }
    for (auto& th : threads) th.join();
    for (Job& job : jobs) {
      for (const std::string& p : job.problems) ADD_FAILURE() << "burst: " << p;
      if (job.stored) Commit(job.records);
      pushed_ += job.records.size();
    }
  }

  // ---- tails -----------------------------------------------------------------

  void OpTailOpen() {
    if (tails_.size() >= kMaxOpenTails) return OpTailDrain();
    auto tail = std::make_unique<OpenTail>();
    tail->who = PickWho();
    std::string query = R"({kind=~".+"})";
    tail->keep = [](const Entry&) { return true; };
    switch (Rand(3)) {
      case 0:
        break;
      case 1: {
        const std::string word = kWords[Rand(kWords.size())];
        query += " |= \"w=" + word + "\"";
        tail->keep = [word](const Entry& e) { return e.word == word; };
        break;
      }
      default:
        query = R"({app="shared"})";
        tail->keep = [](const Entry& e) { return e.stream_no == 3; };
    }
    const std::string target = "/loki/api/v1/tail?query=" + UrlEncode(query) +
                               "&start=" + std::to_string(base_ - kNanosPerSecond) +
                               "&limit=" + std::to_string(kLimit) + "&delay_for=0";
    Headers h;
    const Tenant& t = tenants_[tail->who[0]];
    if (Chance(35)) {
      // As the web UI sends them: subprotocols beside "lode".
      std::string offer = "lode";
      if (auth_) offer += ", lode.token." + ToHex(Chance(50) ? t.rw : t.ro);
      if (auth_ ? Chance(30) : (Multi(tail->who) || !t.is_default || Chance(50))) {
        offer += ", lode.tenant." + ToHex(WhoName(tail->who));
      }
      h.emplace_back("Sec-WebSocket-Protocol", offer);
    } else {
      h = ReadHeaders(tail->who);
    }
    tail->desc = "tail " + Describe("GET", target, h);
    last_request_ = tail->desc;
    tail->client = std::make_unique<TailClient>(server_->base_url(), target, h);
    if (!tail->client->ok()) {
      RawAnswer answer = AskUpgrade(server_->base_url(), target, h);
      ADD_FAILURE() << tail->desc << ": refused: " << tail->client->error() << "\n"
                    << Snip(answer.raw);
      return;
    }
    tails_.push_back(std::move(tail));
  }

  // Reads what a tail has sent so far, checking each message for leaks.
  void Drain(OpenTail& tail, std::chrono::milliseconds wait) {
    while (true) {
      std::string message = tail.client->Read(wait);
      if (message.empty()) return;
      ExpectNoLeak(tail.desc, message, tail.who);
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      simdjson::dom::array streams;
      std::string error;
      if (parser.parse(message).get(root) != simdjson::SUCCESS ||
          root["streams"].get_array().get(streams) != simdjson::SUCCESS ||
          !ParseStreamArray(streams, tail.received, 1, error)) {
        ADD_FAILURE() << tail.desc << ": not a tail message (" << error << "): " << Snip(message);
        return;
      }
      wait = std::chrono::milliseconds(1);
    }
  }

  void OpTailDrain() {
    for (auto& tail : tails_) Drain(*tail, std::chrono::milliseconds(5));
  }

  void CloseTail(size_t index) {
    OpenTail& tail = *tails_[index];
    last_request_ = tail.desc;
    const std::vector<const Entry*> want = Select(tail.who, tail.keep);
    // Lines arrive at the tail's next poll (each second).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    Drain(tail, std::chrono::milliseconds(5));
    while (!tail.lossy && tail.received.size() < want.size() &&
           std::chrono::steady_clock::now() < deadline && !tail.client->broken()) {
      Drain(tail, std::chrono::milliseconds(200));
    }
    if (tail.lossy) {
      // Only what the model has, each once.
      std::vector<Got> wanted;
      for (const Entry* e : want) wanted.push_back(Expected(*e, Multi(tail.who)));
      std::sort(wanted.begin(), wanted.end());
      std::vector<Got> got = tail.received;
      std::sort(got.begin(), got.end());
      EXPECT_TRUE(std::adjacent_find(got.begin(), got.end()) == got.end())
          << tail.desc << ": a line sent twice";
      for (const Got& g : got) {
        EXPECT_TRUE(std::binary_search(wanted.begin(), wanted.end(), g))
            << tail.desc << ": sent a record the model does not have: " << Show(g);
      }
    } else {
      ExpectSameRecords(tail.desc, tail.received, want, Multi(tail.who));
    }
    tails_.erase(tails_.begin() + static_cast<std::ptrdiff_t>(index));
  }

  void OpTailClose() {
    if (tails_.empty()) return OpTailOpen();
    CloseTail(Rand(tails_.size()));
  }

  // ---- rules (the tenant-owned configuration that can be deleted) -----------

  std::string GroupYaml(const Tenant& t, const std::string& group, int k) const {
    const std::string suffix = t.sec + "_" + std::to_string(k);
    return "name: " + group +
           "\ninterval: 1s\nrules:\n"
           "  - alert: Al_" +
           suffix +
           "\n    expr: sum(count_over_time({kind=~\".+\"}[3d])) > 0\n"
           "    labels:\n      sec: " +
           t.sec + "\n  - record: rec_" + suffix +
           ":count\n    expr: sum(count_over_time({kind=~\".+\"}[3d]))\n";
  }

  void OpRuleCreate() {
    const int ti = RandTenant();
    Tenant& t = tenants_[ti];
    if (t.groups.size() >= kMaxGroupsPerTenant) return OpRuleDelete();
    const int k = t.next_group++;
    const std::string group = "g_" + t.sec + "_" + std::to_string(k);
    const std::string ns = "ns_" + t.sec + "_" + std::to_string(k % 2);
    Headers h = WriteHeaders(ti);
    h.emplace_back("Content-Type", "application/yaml");
    const std::string path = "/loki/api/v1/rules/" + ns;
    last_request_ = Describe("POST", path, h);
    HttpResponse r = Send("POST", path, GroupYaml(t, group, k), h);
    EXPECT_EQ(r.status, 202) << last_request_ << ": " << Snip(r.body);
    ExpectNoLeak(last_request_, r.body, {ti});
    if (r.status == 202) t.groups[group] = ns;
  }

  void OpRuleDelete() {
    const int ti = RandTenant();
    Tenant& t = tenants_[ti];
    const size_t how = Rand(4);
    if (t.groups.empty() || how == 3) {
      // Another tenant's group, by its path: not there for this tenant.
      const int o = OtherTenant(ti);
      const Tenant& other = tenants_[o];
      std::string path;
      if (!other.groups.empty()) {
        auto it =
            std::next(other.groups.begin(), static_cast<std::ptrdiff_t>(Rand(other.groups.size())));
        path = "/loki/api/v1/rules/" + it->second + (Chance(50) ? "/" + it->first : "");
      } else {
        path = "/loki/api/v1/rules/ns_" + other.sec + "_0/g_" + other.sec + "_0";
      }
      Headers h = WriteHeaders(ti);
      last_request_ = Describe("DELETE", path, h);
      HttpResponse r = Send("DELETE", path, "", h);
      EXPECT_EQ(r.status, 404) << last_request_ << ": another tenant's rules: " << Snip(r.body);
      ExpectNoLeak(last_request_, r.body, {ti});
      return;
    }
    auto it = std::next(t.groups.begin(), static_cast<std::ptrdiff_t>(Rand(t.groups.size())));
    const std::string group = it->first, ns = it->second;
    const bool whole_namespace = how == 2;
    const std::string path = "/loki/api/v1/rules/" + ns + (whole_namespace ? "" : "/" + group);
    Headers h = WriteHeaders(ti);
    last_request_ = Describe("DELETE", path, h);
    HttpResponse r = Send("DELETE", path, "", h);
    EXPECT_EQ(r.status, 202) << last_request_ << ": " << Snip(r.body);
    ExpectNoLeak(last_request_, r.body, {ti});
    if (r.status != 202) return;
    for (auto g = t.groups.begin(); g != t.groups.end();) {
      g = (g->first == group || (whole_namespace && g->second == ns)) ? t.groups.erase(g)
                                                                      : std::next(g);
    }
  }

  // The groups (and namespaces) a rules listing in YAML names.
  static void ParseRuleYaml(const std::string& yaml, std::set<std::string>& groups,
                            std::set<std::string>& namespaces) {
    std::istringstream in(yaml);
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("  - name: ")) groups.insert(line.substr(10));
      if (!line.empty() && line[0] != ' ' && line.back() == ':') {
        namespaces.insert(line.substr(0, line.size() - 1));
      }
    }
  }

  void OpRuleList() {
    const int ti = RandTenant();
    const Tenant& t = tenants_[ti];
    std::set<std::string> want_groups, want_ns;
    for (const auto& [g, ns] : t.groups) {
      want_groups.insert(g);
      want_ns.insert(ns);
    }
    switch (Rand(3)) {
      case 0: {
        HttpResponse r = Read({ti}, "/loki/api/v1/rules", want_groups.empty() ? 404 : 200);
        std::set<std::string> groups, namespaces;
        if (r.status == 200) ParseRuleYaml(r.body, groups, namespaces);
        EXPECT_EQ(groups, want_groups) << last_request_ << "\n" << Snip(r.body);
        EXPECT_EQ(namespaces, want_ns) << last_request_ << "\n" << Snip(r.body);
        return;
      }
      case 1: {
        // One namespace: its own, or one of another tenant's.
        const int o = Chance(60) ? ti : OtherTenant(ti);
        const std::string ns = "ns_" + tenants_[o].sec + "_" + std::to_string(Rand(2));
        std::set<std::string> want;
        for (const auto& [g, n] : t.groups) {
          if (n == ns) want.insert(g);
        }
        HttpResponse r = Read({ti}, "/loki/api/v1/rules/" + ns, want.empty() ? 404 : 200);
        std::set<std::string> groups, namespaces;
        if (r.status == 200) ParseRuleYaml(r.body, groups, namespaces);
        EXPECT_EQ(groups, want) << last_request_ << "\n" << Snip(r.body);
        return;
      }
      default: {
        // Prometheus' view of the running groups: a change shows once the
        // ruler has loaded it, so only what the model has (and all of it
        // at the end of the run).
        HttpResponse r = Read({ti}, "/prometheus/api/v1/rules");
        std::set<std::string> groups;
        ParsePromGroups(r.body, groups);
        for (const std::string& g : groups) {
          EXPECT_TRUE(want_groups.count(g))
              << last_request_ << ": group " << g << " is not " << t.name << "'s";
        }
        return;
      }
    }
  }

  bool ParsePromGroups(const std::string& body, std::set<std::string>& groups) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array list;
    if (parser.parse(body).get(root) != simdjson::SUCCESS ||
        root["data"]["groups"].get_array().get(list) != simdjson::SUCCESS) {
      ADD_FAILURE() << last_request_ << ": not a rules answer: " << Snip(body);
      return false;
    }
    for (simdjson::dom::element g : list)
      groups.insert(std::string(g["name"].get_string().value()));
    return true;
  }

  // The alerts of a tenant: name -> value.
  std::map<std::string, double> Alerts(int ti, std::string* body = nullptr) {
    HttpResponse r = Read({ti}, "/prometheus/api/v1/alerts");
    if (body != nullptr) *body = r.body;
    std::map<std::string, double> out;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array list;
    if (parser.parse(r.body).get(root) != simdjson::SUCCESS ||
        root["data"]["alerts"].get_array().get(list) != simdjson::SUCCESS) {
      ADD_FAILURE() << last_request_ << ": not an alerts answer: " << Snip(r.body);
      return out;
    }
    for (simdjson::dom::element a : list) {
      std::string name(a["labels"]["alertname"].get_string().value());
      std::string value(a["value"].get_string().value());
      out[name] = std::strtod(value.c_str(), nullptr);
    }
    return out;
  }

  void OpAlerts() {
    const int ti = RandTenant();
    for (const auto& [name, value] : Alerts(ti)) {
      EXPECT_TRUE(name.starts_with("Al_" + tenants_[ti].sec + "_"))
          << last_request_ << ": alert " << name << " is not " << tenants_[ti].name << "'s";
    }
  }

  // ---- deletes of records: not an API lode has ------------------------------

  void OpLogDelete() {
    const int ti = RandTenant();
    const std::string path =
        "/loki/api/v1/delete?query=" + UrlEncode(R"({kind="own"})") + "&" + Window();
    // The path is no route, so a reader's token passes auth to its 404.
    Headers h = auth_ ? Headers{{"Authorization", "Bearer " + tenants_[ti].rw}} : WriteHeaders(ti);
    last_request_ = Describe("POST", path, h);
    HttpResponse r = Send("POST", path, "", h);
    // Nothing is deleted (later answers still hold every record).
    EXPECT_EQ(r.status, 404) << last_request_ << ": " << Snip(r.body);
    ExpectNoLeak(last_request_, r.body, {});
  }

  // ---- restarts ---------------------------------------------------------------

  // A clean stop (heads flushed or left in their WAL) and a start on the
  // same data: what follows reads what the restart left. Open tails end
  // with the server, so they are checked first.
  void OpRestart() {
    while (!tails_.empty()) CloseTail(0);
    last_request_ = "SIGTERM and start again";
    EXPECT_EQ(server_->Terminate(), 0) << server_->Log();
    server_.reset();
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data", server_args_);
  }

  // ---- refused requests ------------------------------------------------------

  // A path that reads something, for the refusals below.
  std::string AnyReadPath() {
    const std::string q = UrlEncode(R"({kind=~".+"})");
    const std::string paths[] = {
        "/loki/api/v1/query_range?query=" + q + "&" + Window() + "&limit=" + std::to_string(kLimit),
        "/loki/api/v1/query?query=" + UrlEncode(R"(sum(count_over_time({kind=~".+"}[3d])))"),
        "/loki/api/v1/labels?" + Window(),
        "/loki/api/v1/label/app/values?" + Window(),
        "/loki/api/v1/series?match[]=" + q + "&" + Window(),
        "/loki/api/v1/index/stats?query=" + q + "&" + Window(),
        "/loki/api/v1/index/volume?query=" + q + "&" + Window(),
        "/loki/api/v1/detected_fields?query=" + q + "&" + Window(),
        "/loki/api/v1/detected_labels?query=" + q + "&" + Window(),
        "/loki/api/v1/patterns?query=" + q + "&" + Window(),
        "/api/v1/trace?id=" + kTraces[0] + "&" + Window(),
        "/loki/api/v1/rules",
        "/prometheus/api/v1/rules",
        "/prometheus/api/v1/alerts",
    };
    return paths[Rand(std::size(paths))];
  }

  void ExpectRefused(const std::string& method, const std::string& path, const std::string& body,
                     const Headers& h, std::set<int> statuses) {
    last_request_ = Describe(method, path, h);
    HttpResponse r = Send(method, path, body, h);
    EXPECT_TRUE(statuses.count(r.status))
        << last_request_ << ": expected refusal, got " << r.status << ": " << Snip(r.body);
    ExpectNoLeak(last_request_ + " (refused)", r.body, {});
  }

  void ExpectTailRefused(const Headers& h, int status) {
    const std::string target = "/loki/api/v1/tail?query=" + UrlEncode(R"({kind=~".+"})") +
                               "&start=" + std::to_string(base_ - kNanosPerSecond);
    last_request_ = "tail " + Describe("GET", target, h);
    RawAnswer answer = AskUpgrade(server_->base_url(), target, h);
    EXPECT_EQ(answer.status, status) << last_request_ << ": " << Snip(answer.raw);
    // Frames from the server are not masked: a line sent is in the bytes.
    ExpectNoLeak(last_request_ + " (refused)", answer.raw, {});
  }

  // A header sent twice, naming two tenants (or, with auth, two tokens):
  // the server picks one or refuses, and never answers with both
  // tenants' data, nor (with auth) with a tenant the token is not for.
  void ExpectDuplicateHeaders(int t, int o) {
    const Tenant& tt = tenants_[t];
    const Tenant& ot = tenants_[o];
    const std::string target = "/loki/api/v1/query_range?query=" + UrlEncode(R"({kind=~".+"})") +
                               "&" + Window() + "&limit=" + std::to_string(kLimit);
    std::vector<std::string> lines;
    std::vector<int> may;  // whose data the answer may hold
    if (!auth_) {
      lines = {"X-Scope-OrgID: " + tt.name, "X-Scope-OrgID: " + ot.name};
      may = {t, o};
    } else if (Chance(50)) {
      // One token, its own tenant and another named.
      lines = {"Authorization: Bearer " + tt.rw, "X-Scope-OrgID: " + tt.name,
               "X-Scope-OrgID: " + ot.name};
      if (Chance(50)) std::swap(lines[1], lines[2]);
      may = {t};
    } else {
      // Two tokens of two tenants.
      lines = {"Authorization: Bearer " + tt.rw, "Authorization: Bearer " + ot.ro};
      may = {t, o};
    }
    last_request_ = "raw GET " + target;
    for (const std::string& l : lines) last_request_ += " [" + l + "]";
    RawAnswer answer = RawHttp(server_->base_url(), "GET", target, lines);
    EXPECT_TRUE(answer.status == 200 || answer.status == 400 || answer.status == 401 ||
                answer.status == 403)
        << last_request_ << ": " << Snip(answer.raw);
    if (answer.status != 200) {
      ExpectNoLeak(last_request_ + " (refused)", answer.raw, {});
      return;
    }
    ExpectNoLeak(last_request_, answer.raw, may);
    if (may.size() == 2) {
      const bool has_t = !Leaks(answer.raw, {o}).empty();
      const bool has_o = !Leaks(answer.raw, {t}).empty();
      EXPECT_FALSE(has_t && has_o)
          << last_request_ << ": answered two tenants' data at once: " << Snip(answer.raw);
    }
  }

  void OpNegative(int op) {
    const int t = RandTenant();
    const int o = OtherTenant(t);
    const Tenant& tt = tenants_[t];
    const Tenant& ot = tenants_[o];
    auto push = [&](Headers h) {
      // Records that must not be stored: a later answer that holds them
      // differs from the model.
      std::vector<Entry> records = MakeRecords(t, op);
      PushRequest p = BuildPush(records, static_cast<int>(Rand(3)));
      h.insert(h.end(), p.headers.begin(), p.headers.end());
      return std::make_pair(p, h);
    };
    if (!auth_) {
      switch (Rand(5)) {
        case 0: {  // a push names several tenants
          auto [p, h] = push({{"X-Scope-OrgID", tt.name + "|" + ot.name}});
          return ExpectRefused("POST", p.path, p.body, h, {400});
        }
        case 1: {  // not a tenant ID
          const std::string bad[] = {"../" + tt.name, tt.name + "/x", tt.name + " x", ".."};
          auto [p, h] = push({{"X-Scope-OrgID", bad[Rand(4)]}});
          return ExpectRefused("POST", p.path, p.body, h, {400});
        }
        case 2: {  // the ruler takes one tenant
          Headers h = {{"X-Scope-OrgID", tt.name + "|" + ot.name}};
          if (Chance(50)) return ExpectRefused("GET", "/loki/api/v1/rules", "", h, {400});
          h.emplace_back("Content-Type", "application/yaml");
          return ExpectRefused("POST", "/loki/api/v1/rules/ns_" + tt.sec + "_0",
                               GroupYaml(tt, "g_" + tt.sec + "_neg", 99), h, {400});
        }
        case 3:
          return ExpectDuplicateHeaders(t, o);
        default: {  // a read names a tenant that is not an ID
          return ExpectRefused("GET", AnyReadPath(), "",
                               {{"X-Scope-OrgID", tt.name + "|../" + ot.name}}, {400});
        }
      }
    }
    auto bearer = [](const std::string& token) {
      return Headers{{"Authorization", "Bearer " + token}};
    };
    switch (Rand(13)) {
      case 0:  // no token, naming a tenant or not
        return ExpectRefused("GET", AnyReadPath(), "",
                             Chance(50) ? Headers{} : Headers{{"X-Scope-OrgID", tt.name}}, {401});
      case 1: {  // a wrong token: changed, cut short, or longer
        std::string token = tt.rw;
        switch (Rand(3)) {
          case 0:
            token.back() = token.back() == 'a' ? 'b' : 'a';
            break;
          case 1:
            token.pop_back();
            break;
          default:
            token += "0";
        }
        return ExpectRefused("GET", AnyReadPath(), "", bearer(token), {401});
      }
      case 2: {  // a token of one tenant naming another
        Headers h = bearer(Chance(50) ? tt.rw : tt.ro);
        h.emplace_back("X-Scope-OrgID", ot.name);
        return ExpectRefused("GET", AnyReadPath(), "", h, {403});
      }
      case 3: {  // ... or several
        Headers h = bearer(tt.rw);
        h.emplace_back("X-Scope-OrgID", tt.name + "|" + ot.name);
        return ExpectRefused("GET", AnyReadPath(), "", h, {403});
      }
      case 4: {  // a read-only token pushes
        auto [p, h] = push(bearer(tt.ro));
        return ExpectRefused("POST", p.path, p.body, h, {403});
      }
      case 5:  // a write-only token reads
        return ExpectRefused("GET", AnyReadPath(), "", bearer(tt.wo), {403});
      case 6: {  // a token pushes naming another tenant
        Headers auth = bearer(Chance(50) ? tt.rw : tt.wo);
        auth.emplace_back("X-Scope-OrgID", ot.name);
        auto [p, h] = push(auth);
        return ExpectRefused("POST", p.path, p.body, h, {403});
      }
      case 7: {  // Basic with a wrong password, or a token as the user name
        Headers h = {{"Authorization", Chance(50) ? Basic(tt.rw + "x") : Basic("nope")}};
        return ExpectRefused("GET", AnyReadPath(), "", h, {401});
      }
      case 8: {  // no token at all on a push
        auto [p, h] = push({{"X-Scope-OrgID", tt.name}});
        return ExpectRefused("POST", p.path, p.body, h, {401});
      }
      case 9: {  // rule changes: a reader, or a writer naming another tenant
        Headers h = bearer(Chance(50) ? tt.ro : tt.rw);
        if (h[0].second == "Bearer " + tt.rw) h.emplace_back("X-Scope-OrgID", ot.name);
        h.emplace_back("Content-Type", "application/yaml");
        if (Chance(50)) {
          return ExpectRefused("POST", "/loki/api/v1/rules/ns_" + tt.sec + "_0",
                               GroupYaml(tt, "g_" + tt.sec + "_neg", 99), h, {403});
        }
        return ExpectRefused("DELETE", "/loki/api/v1/rules/ns_" + tt.sec + "_0", "", h, {403});
      }
      case 10: {  // a tail without a token, with another tenant's name, or a writer's token
        switch (Rand(4)) {
          case 0:
            return ExpectTailRefused({{"X-Scope-OrgID", tt.name}}, 401);
          case 1: {
            Headers h = bearer(tt.rw);
            h.emplace_back("X-Scope-OrgID", ot.name);
            return ExpectTailRefused(h, 403);
          }
          case 2:
            return ExpectTailRefused(
                {{"Sec-WebSocket-Protocol",
                  "lode, lode.token." + ToHex(tt.ro) + ", lode.tenant." + ToHex(ot.name)}},
                403);
          default:
            return ExpectTailRefused(bearer(tt.wo), 403);
        }
      }
      case 11:
        return ExpectDuplicateHeaders(t, o);
      default: {
        // An Authorization header beats a subprotocol token: a wrong header
        // with a right subprotocol is still refused.
        return ExpectTailRefused({{"Authorization", "Bearer " + tt.rw + "zz"},
                                  {"Sec-WebSocket-Protocol", "lode, lode.token." + ToHex(tt.rw)}},
                                 401);
      }
    }
  }

  // ---- the run ---------------------------------------------------------------

  enum Op {
    kPush,
    kBurst,
    kLogQuery,
    kInstantMetric,
    kRangeMetric,
    kLabels,
    kLabelValues,
    kSeries,
    kStats,
    kVolume,
    kDetected,
    kPatterns,
    kTrace,
    kTailOpen,
    kTailDrain,
    kTailClose,
    kRuleCreate,
    kRuleDelete,
    kRuleList,
    kAlerts,
    kLogDelete,
    kRestart,
    kNegative,
    kOpCount
  };
  static constexpr const char* kOpNames[kOpCount] = {
      "push",      "burst",     "log-query",  "instant-metric", "range-metric", "labels",
      "values",    "series",    "stats",      "volume",         "detected",     "patterns",
      "trace",     "tail-open", "tail-drain", "tail-close",     "rule-create",  "rule-delete",
      "rule-list", "alerts",    "log-delete", "restart",        "refused"};

  Op PickOp() {
    const int weights[kOpCount] = {
        26, 3, 12, 6, 4, 4, 5, 5, 3, 3, 4, 2, 3, 3, 3, 2, 3, 2, 3, 2, 1, 1, auth_ ? 10 : 4};
    int total = 0;
    for (int w : weights) total += w;
    int pick = static_cast<int>(Rand(static_cast<size_t>(total)));
    for (int i = 0; i < kOpCount; ++i) {
      if (pick < weights[i]) return static_cast<Op>(i);
      pick -= weights[i];
    }
    return kPush;
  }

  void Step(Op op, int index) {
    switch (op) {
      case kPush:
        return OpPush(index);
      case kBurst:
        return OpBurst(index);
      case kLogQuery:
        return OpLogQuery();
      case kInstantMetric:
        return OpInstantMetric();
      case kRangeMetric:
        return OpRangeMetric();
      case kLabels:
        return OpLabels();
      case kLabelValues:
        return OpLabelValues();
      case kSeries:
        return OpSeries();
      case kStats:
        return OpIndexStats();
      case kVolume:
        return OpVolume();
      case kDetected:
        return OpDetected();
      case kPatterns:
        return OpPatterns();
      case kTrace:
        return OpTrace();
      case kTailOpen:
        return OpTailOpen();
      case kTailDrain:
        return OpTailDrain();
      case kTailClose:
        return OpTailClose();
      case kRuleCreate:
        return OpRuleCreate();
      case kRuleDelete:
        return OpRuleDelete();
      case kRuleList:
        return OpRuleList();
      case kAlerts:
        return OpAlerts();
      case kLogDelete:
        return OpLogDelete();
      case kRestart:
        return OpRestart();
      default:
        return OpNegative(index);
    }
  }

  // After the random part: every tenant's whole view, once, and the
  // ruler's, once it has caught up.
  void FinalSweep() {
    while (!tails_.empty() && !HasFailure()) CloseTail(0);
    for (int t = 0; t < static_cast<int>(tenants_.size()) && !HasFailure(); ++t) {
      std::vector<int> who = {t};
      const std::string path = "/loki/api/v1/query_range?query=" + UrlEncode(R"({kind=~".+"})") +
                               "&" + Window() + "&limit=" + std::to_string(kLimit);
      HttpResponse r = Read(who, path);
      std::vector<Got> got;
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      simdjson::dom::array result;
      std::string error;
      if (parser.parse(r.body).get(root) == simdjson::SUCCESS &&
          root["data"]["result"].get_array().get(result) == simdjson::SUCCESS &&
          ParseStreamArray(result, got, 0, error)) {
        ExpectSameRecords("final " + last_request_, std::move(got),
                          Select(who, [](const Entry&) { return true; }), false);
      } else {
        ADD_FAILURE() << last_request_ << ": " << Snip(r.body);
      }
      // The ruler: its groups, and their alerts' values (each counts the
      // tenant's records) once evaluated after the last push.
      const Tenant& tt = tenants_[t];
      std::set<std::string> want_groups;
      for (const auto& [g, ns] : tt.groups) want_groups.insert(g);
      const size_t records = tt.entries.size();
      std::set<std::string> groups;
      std::map<std::string, double> alerts;
      std::string alerts_body;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      bool settled = false;
      while (!settled && std::chrono::steady_clock::now() < deadline && !HasFailure()) {
        groups.clear();
        ParsePromGroups(Read(who, "/prometheus/api/v1/rules").body, groups);
        alerts = Alerts(t, &alerts_body);
        settled = groups == want_groups && alerts.size() == (records ? want_groups.size() : 0);
        for (const auto& [name, value] : alerts) settled = settled && value == records;
        if (!settled) std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      EXPECT_TRUE(settled) << "ruler of tenant " << tt.name << ": groups " << Join(groups)
                           << ", the model has " << Join(want_groups) << "; each alert's value "
                           << "should be " << records << ": " << Snip(alerts_body);
    }
  }

  void Run(bool auth) {
    Start(auth);
    const auto started = std::chrono::steady_clock::now();
    std::map<std::string, int> counts;
    std::deque<std::string> recent;
    int index = 0;
    const int ops = OpsPerRun();
    for (; index < ops && !HasFailure(); ++index) {
      SCOPED_TRACE(::testing::Message()
                   << "LODE_PROPERTY_SEED=" << seed_ << " auth=" << auth_ << " op #" << index);
      const Op op = PickOp();
      ++counts[kOpNames[op]];
      last_request_.clear();
      Step(op, index);
      recent.push_back("#" + std::to_string(index) + " " + kOpNames[op] + ": " + last_request_);
      if (recent.size() > 12) recent.pop_front();
    }
    if (!HasFailure()) {
      SCOPED_TRACE(::testing::Message()
                   << "LODE_PROPERTY_SEED=" << seed_ << " auth=" << auth_ << " final sweep");
      FinalSweep();
    }
    tails_.clear();
    // Where the answers came from, for the summary: parts and heads.
    std::string storage;
    if (server_ != nullptr) {
      std::istringstream metrics(server_->Get("/metrics").body);
      std::string line;
      while (std::getline(metrics, line)) {
        for (const char* name :
             {"lode_parts ", "lode_merges_total ", "lode_head_records ", "lode_stored_records "}) {
          if (line.starts_with(name)) storage += " " + line;
        }
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::string summary;
    for (const auto& [name, n] : counts) summary += " " + name + "=" + std::to_string(n);
    std::cout << "[ property ] seed=" << seed_ << " auth=" << auth_ << " ops=" << index
              << " records=" << entries_.size() << " in " << seconds << " s:" << summary
              << "\n[ property ] storage at the end:" << storage << std::endl;
    if (HasFailure()) {
      std::string ops;
      for (const std::string& s : recent) ops += "\n  " + s;
      ADD_FAILURE() << "reproduce with LODE_PROPERTY_SEED=" << seed_
                    << " --gtest_filter=TenantIsolation*; the last operations:" << ops
                    << "\nserver log tail:\n"
                    << [&] {
                         std::string log = server_->Log();
                         return log.size() > 3000 ? log.substr(log.size() - 3000) : log;
                       }();
    }
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
  bool auth_ = false;
  uint64_t seed_ = 0;
  std::mt19937_64 rng_;
  std::vector<Tenant> tenants_;
  std::vector<Entry> entries_;
  std::vector<std::unique_ptr<OpenTail>> tails_;
  int64_t base_ = 0;
  int64_t next_ts_ = 0;
  int64_t spacing_ = 1000;
  std::vector<std::string> server_args_;
  size_t pushed_ = 0;
  std::string last_request_;
};

TEST_F(TenantIsolationProperty, TenantsByHeaderWithoutAuth) { Run(false); }

TEST_F(TenantIsolationProperty, TenantsByTokenWithAuth) { Run(true); }

// Over several tenants (X-Scope-OrgID: a|b) a query names each result's
// tenant in __tenant_id__; Loki's label and series endpoints do too
// (pkg/querier/multi_tenant_querier.go): the values of __tenant_id__ are
// the tenants asked for, the label names include it, and each tenant's
// stream is a series of its own, named for its tenant, even when two
// tenants have streams with the same labels. lode's label and series
// answers do not yet: disabled until they do (it fails today).
TEST(TenantIsolationMultiTenant, LabelsAndSeriesNameEachTenantAsLokiDoes) {
  TempDir dir;
  LodeServer server(dir.path() + "/data");
  const int64_t ts = NowNanos() - 60 * kNanosPerSecond;
  ASSERT_EQ(server
                .PushJson(PushBody(R"({"app":"same"})", {{ts, "from a"}}),
                          {{"X-Scope-OrgID", "tenant-a"}})
                .status,
            204);
  ASSERT_EQ(server
                .PushJson(PushBody(R"({"app":"same"})", {{ts, "from b"}}),
                          {{"X-Scope-OrgID", "tenant-b"}})
                .status,
            204);
  const Headers both = {{"X-Scope-OrgID", "tenant-a|tenant-b"}};
  const std::string window = "start=" + std::to_string(ts - kNanosPerSecond) +
                             "&end=" + std::to_string(ts + kNanosPerSecond);
  // The query names both tenants' streams apart.
  ParsedStreams q = ParseStreams(server.QueryRange(R"({app="same"})", window, both).body);
  EXPECT_EQ(q.stream_labels,
            (std::vector<std::string>{R"({__tenant_id__="tenant-a", app="same"})",
                                      R"({__tenant_id__="tenant-b", app="same"})"}));

  HttpResponse r = server.Get("/loki/api/v1/label/__tenant_id__/values?" + window, both);
  EXPECT_EQ(r.body, R"({"status":"success","data":["tenant-a","tenant-b"]})");
  r = server.Get("/loki/api/v1/labels?" + window, both);
  EXPECT_EQ(r.body, R"({"status":"success","data":["__tenant_id__","app"]})");
  r = server.Get("/loki/api/v1/series?" + window + "&match[]=" + UrlEncode(R"({app="same"})"),
                 both);
  std::set<std::string> series;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array data;
  ASSERT_EQ(parser.parse(r.body).get(root), simdjson::SUCCESS) << r.body;
  ASSERT_EQ(root["data"].get_array().get(data), simdjson::SUCCESS) << r.body;
  for (simdjson::dom::element s : data) {
    LabelMap labels;
    for (auto field : s.get_object()) {
      labels[std::string(field.key)] = std::string(field.value.get_string().value());
    }
    series.insert(Canon(labels));
  }
  EXPECT_EQ(series, (std::set<std::string>{R"({__tenant_id__="tenant-a", app="same"})",
                                           R"({__tenant_id__="tenant-b", app="same"})"}))
      << r.body;
}

}  // namespace
}  // namespace lode::testing
