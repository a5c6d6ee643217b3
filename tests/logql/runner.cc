// The LogQL script test runner: runs one .test file against the real
// storage engine (a LocalStore in a temporary directory) and the real
// query engine, and reports every expectation that does not hold.
//
// A script is a sequence of commands; `#` starts a comment line.
//
//   push {app="api", env="prod"}        records of one stream, one per line:
//     0s level=info msg=hi              <time> <line>; time is an offset from
//     1m30s meta{trace_id="t1"} text    2024-01-01T00:00:00Z; meta{..} sets
//                                       structured metadata
//   flush                               moves everything pushed into parts
//
//   logs <query>                        a log query over [0, 1h), newest first;
//   logs forward limit 2 from 0s to 1m <query>   (options before the query;
//                                       `interval 3s`: Loki's interval)
//     {labels} <time> <line>            the expected entries, in result order
//     (none)                            or no entries at all
//
//   instant at <time> <metric query>    a metric query at one time
//     {labels} <value>                  the expected samples (any order)
//     scalar <value>                    or a scalar
//     (none)
//   instant ordered at <time> <query>   the same, and the series must come
//                                       in the order listed (sort(),
//                                       sort_desc())
//
//   range from <t> to <t> step <d> <metric query>
//     {labels} <v> <v> _ <v>            a value per step, `_` for none
//   range ordered from ...              the series in the order listed
//
//   error <query>                       parsing or running the query fails
//     <text the message must contain>   (a metric query: instant at 1h)
//   error range from <t> to <t> step <d> <query>   the same over a range
//
// Values compare with a relative tolerance of 1e-9; NaN, +Inf and -Inf
// are written as such. A metric result holding two series with the same
// labels fails its check: a query answers one series per label set.
// Exit status 0 when every expectation held.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/time.h"
#include "io/env.h"
#include "logql/parser.h"
#include "model/labels.h"
#include "query/log_query.h"
#include "query/metric_query.h"
#include "storage/local_store.h"

namespace lode {
namespace {

constexpr int64_t kEpoch = 1704067200LL * kNanosPerSecond;  // 2024-01-01T00:00:00Z
const char* const kTenant = "fake";

struct Line {
  int number = 0;
  std::string text;
};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// A duration offset ("0s", "1m30s", "-5s") from the epoch, in ns.
bool ParseOffset(const std::string& text, int64_t* out) {
  if (text == "0") {
    *out = 0;
    return true;
  }
  std::string body = text;
  bool neg = false;
  if (!body.empty() && body[0] == '-') {
    neg = true;
    body = body.substr(1);
  }
  auto d = ParseDuration(body);
  if (!d.ok()) return false;
  *out = neg ? -*d : *d;
  return true;
}

// Splits off the first space-separated word of *s.
std::string Word(std::string* s) {
  *s = Trim(*s);
  size_t sp = s->find(' ');
  std::string w = s->substr(0, sp);
  *s = sp == std::string::npos ? "" : Trim(s->substr(sp + 1));
  return w;
}

// Splits `{...} rest` into the label text and the rest (braces inside
// quoted values are allowed).
bool SplitLabels(const std::string& s, std::string* labels, std::string* rest) {
  if (s.empty() || s[0] != '{') return false;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '}') {
      *labels = s.substr(0, i + 1);
      *rest = Trim(s.substr(i + 1));
      return true;
    }
  }
  return false;
}

bool ParseValue(const std::string& text, double* v) {
  if (text == "NaN") {
    *v = NAN;
    return true;
  }
  if (text == "+Inf" || text == "Inf") {
    *v = INFINITY;
    return true;
  }
  if (text == "-Inf") {
    *v = -INFINITY;
    return true;
  }
  char* end = nullptr;
  *v = std::strtod(text.c_str(), &end);
  return end != nullptr && *end == '\0' && !text.empty();
}

bool Close(double want, double got) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return want == got;
  return std::fabs(want - got) <= 1e-9 * std::max(1.0, std::fabs(want));
}

std::string Offset(int64_t ts) {
  int64_t d = ts - kEpoch;
  if (d % kNanosPerSecond == 0) return std::to_string(d / kNanosPerSecond) + "s";
  return std::to_string(d) + "ns";
}

class Runner {
 public:
  Runner(std::string path, std::string dir) : path_(std::move(path)), dir_(std::move(dir)) {}

  int Run() {
    std::ifstream in(path_);
    if (!in) {
      std::cerr << path_ << ": cannot open\n";
      return 2;
    }
    std::string text;
    int n = 0;
    while (std::getline(in, text)) {
      ++n;
      std::string t = Trim(text);
      if (t.empty() || t[0] == '#') continue;
      const bool indented = !text.empty() && (text[0] == ' ' || text[0] == '\t');
      lines_.push_back(Line{n, indented ? "  " + t : t});
    }
    LocalStoreOptions options;
    options.data_dir = dir_;
    options.flush_interval = std::chrono::hours(1);
    auto store = LocalStore::Open(Env::Default(), options);
    if (!store.ok()) {
      std::cerr << "cannot open store: " << store.status().ToString() << "\n";
      return 2;
    }
    store_ = std::move(store).value();
    size_t i = 0;
    while (i < lines_.size()) {
      const Line& head = lines_[i++];
      std::vector<Line> body;
      while (i < lines_.size() && lines_[i].text.starts_with("  ")) {
        body.push_back(Line{lines_[i].number, Trim(lines_[i].text)});
        ++i;
      }
      Command(head, body);
    }
    Status s = store_->Close();
    (void)s;
    std::cout << path_ << ": " << checks_ << " checks, " << failures_ << " failed\n";
    std::cout << (checks_ - failures_) << " passed, " << failures_ << " failed\n";
    return failures_ == 0 ? 0 : 1;
  }

 private:
  void Fail(const Line& at, const std::string& what) {
    ++failures_;
    std::cerr << path_ << ":" << at.number << ": " << what << "\n";
  }

  void Command(const Line& head, const std::vector<Line>& body) {
    std::string rest = head.text;
    std::string cmd = Word(&rest);
    if (cmd == "push") return Push(head, rest, body);
    if (cmd == "flush") {
      Status s = store_->Flush();
      if (!s.ok()) Fail(head, "flush: " + s.ToString());
      return;
    }
    if (cmd == "logs") return Logs(head, rest, body);
    if (cmd == "instant") return Instant(head, rest, body);
    if (cmd == "range") return Range(head, rest, body);
    if (cmd == "error") return Error(head, rest, body);
    Fail(head, "unknown command \"" + cmd + "\"");
  }

  void Push(const Line& head, const std::string& rest, const std::vector<Line>& body) {
    auto labels = Labels::Parse(rest);
    if (!labels.ok()) return Fail(head, "bad labels: " + labels.status().message());
    StreamBatch batch;
    batch.labels = *labels;
    for (const Line& l : body) {
      std::string text = l.text;
      std::string when = Word(&text);
      int64_t offset;
      if (!ParseOffset(when, &offset)) return Fail(l, "bad time \"" + when + "\"");
      Entry e;
      e.timestamp = kEpoch + offset;
      if (text.starts_with("meta{")) {
        std::string meta, line;
        if (!SplitLabels(text.substr(4), &meta, &line)) return Fail(l, "bad meta{...}");
        auto m = Labels::Parse(meta);
        if (!m.ok()) return Fail(l, "bad metadata: " + m.status().message());
        e.metadata = *m;
        text = line;
      }
      e.line = text == "\"\"" ? "" : text;
      batch.entries.push_back(std::move(e));
    }
    Status s = store_->Append(kTenant, {batch}, Durability::kBestEffort);
    if (!s.ok()) Fail(head, "push: " + s.ToString());
  }

  void Logs(const Line& head, std::string rest, const std::vector<Line>& body) {
    LogQueryParams params;
    params.tenants = {kTenant};
    params.start = kEpoch;
    params.end = kEpoch + 3600 * kNanosPerSecond;
    params.limit = 1000;
    while (true) {
      std::string save = rest;
      std::string w = Word(&rest);
      int64_t t;
      if (w == "forward") {
        params.direction = Direction::kForward;
      } else if (w == "backward") {
        params.direction = Direction::kBackward;
      } else if (w == "limit") {
        params.limit = std::stoul(Word(&rest));
      } else if (w == "from" && ParseOffset(Word(&rest), &t)) {
        params.start = kEpoch + t;
      } else if (w == "to" && ParseOffset(Word(&rest), &t)) {
        params.end = kEpoch + t;
      } else if (w == "interval" && ParseOffset(Word(&rest), &t)) {
        params.interval_ns = t;
      } else {
        rest = save;
        break;
      }
    }
    ++checks_;
    auto expr = logql::ParseQuery(rest);
    if (!expr.ok()) return Fail(head, "parse: " + expr.status().message());
    if (!expr->is_log()) return Fail(head, "not a log query: " + rest);
    auto result = ExecuteLogQuery(*store_, *expr->log(), params);
    if (!result.ok()) return Fail(head, "query failed: " + result.status().message());
    // Entries in result order across streams: by time in the query's
    // direction, then by labels.
    struct Got {
      int64_t ts;
      std::string labels, line;
    };
    std::vector<Got> got;
    for (const StreamResult& s : result->streams) {
      for (const LogEntry& e : s.entries)
        got.push_back(Got{e.timestamp, s.labels.ToString(), e.line});
    }
    const bool forward = params.direction == Direction::kForward;
    std::stable_sort(got.begin(), got.end(), [&](const Got& a, const Got& b) {
      if (a.ts != b.ts) return forward ? a.ts < b.ts : a.ts > b.ts;
      return a.labels < b.labels;
    });
    std::vector<std::string> want, have;
    for (const Line& l : body) {
      if (l.text == "(none)") continue;
      std::string labels_text, rest2;
      if (!SplitLabels(l.text, &labels_text, &rest2))
        return Fail(l, "expected {labels} <time> <line>");
      auto labels = Labels::Parse(labels_text);
      if (!labels.ok()) return Fail(l, "bad labels: " + labels.status().message());
      std::string when = Word(&rest2);
      int64_t t;
      if (!ParseOffset(when, &t)) return Fail(l, "bad time \"" + when + "\"");
      want.push_back(labels->ToString() + " " + Offset(kEpoch + t) + " " + rest2);
    }
    for (const Got& g : got) have.push_back(g.labels + " " + Offset(g.ts) + " " + g.line);
    Compare(head, want, have);
  }

  void Compare(const Line& head, const std::vector<std::string>& want,
               const std::vector<std::string>& have) {
    if (want == have) return;
    std::string msg = "result differs\n  want:\n";
    for (const auto& w : want) msg += "    " + w + "\n";
    if (want.empty()) msg += "    (none)\n";
    msg += "  got:\n";
    for (const auto& h : have) msg += "    " + h + "\n";
    if (have.empty()) msg += "    (none)\n";
    Fail(head, msg);
  }

  Result<MetricQueryResult> RunMetric(const std::string& query, MetricQueryParams params) {
    LODE_ASSIGN_OR_RETURN(logql::Expr expr, logql::ParseQuery(query));
    if (expr.is_log())
      return Status::InvalidArgument("a log query where a metric query was expected");
    params.tenants = {kTenant};
    return ExecuteMetricQuery(*store_, expr, params);
  }

  void Instant(const Line& head, std::string rest, const std::vector<Line>& body) {
    int64_t at;
    std::string w = Word(&rest);
    const bool ordered = w == "ordered";
    if (ordered) w = Word(&rest);
    if (w != "at" || !ParseOffset(Word(&rest), &at)) {
      return Fail(head, "expected: instant [ordered] at <time> <query>");
    }
    MetricQueryParams params;
    params.start = params.end = kEpoch + at;
    params.instant = true;
    ++checks_;
    auto result = RunMetric(rest, params);
    if (!result.ok()) return Fail(head, "query failed: " + result.status().message());
    CheckSamples(head, *result, body, 1, ordered);
  }

  void Range(const Line& head, std::string rest, const std::vector<Line>& body) {
    int64_t from, to, step;
    std::string w = Word(&rest);
    const bool ordered = w == "ordered";
    if (ordered) w = Word(&rest);
    if (w != "from" || !ParseOffset(Word(&rest), &from) || Word(&rest) != "to" ||
        !ParseOffset(Word(&rest), &to) || Word(&rest) != "step" ||
        !ParseOffset(Word(&rest), &step) || step <= 0) {
      return Fail(head, "expected: range [ordered] from <t> to <t> step <d> <query>");
    }
    MetricQueryParams params;
    params.start = kEpoch + from;
    params.end = kEpoch + to;
    params.step_ns = step;
    ++checks_;
    auto result = RunMetric(rest, params);
    if (!result.ok()) return Fail(head, "query failed: " + result.status().message());
    CheckSamples(head, *result, body, static_cast<size_t>((to - from) / step) + 1, ordered,
                 kEpoch + from, step);
  }

  // Compares samples: each expected line is `{labels} v...` (one value per
  // step) or `scalar v`. `ordered`: the series must also come in the
  // expected order.
  void CheckSamples(const Line& head, const MetricQueryResult& result,
                    const std::vector<Line>& body, size_t steps, bool ordered, int64_t first = 0,
                    int64_t step = 0) {
    std::map<std::string, std::vector<std::string>> want, have;
    std::vector<std::string> want_order, have_order;
    auto fmt = [](double v) {
      if (std::isnan(v)) return std::string("NaN");
      if (std::isinf(v)) return std::string(v > 0 ? "+Inf" : "-Inf");
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.15g", v);
      return std::string(buf);
    };
    for (const MetricSeries& s : result.series) {
      std::vector<std::string> values(steps, "_");
      for (const MetricSample& p : s.samples) {
        size_t k = steps == 1 || step == 0 ? 0 : static_cast<size_t>((p.t - first) / step);
        if (k < steps) values[k] = fmt(p.value);
      }
      std::string key =
          result.type == MetricQueryResult::Type::kScalar ? "scalar" : s.labels.ToString();
      if (!have.emplace(key, values).second) {
        return Fail(head, "the result holds two series labelled " + key);
      }
      have_order.push_back(key);
    }
    std::map<std::string, std::vector<double>> want_values;
    for (const Line& l : body) {
      if (l.text == "(none)") continue;
      std::string key, rest;
      if (l.text.starts_with("scalar ")) {
        key = "scalar";
        rest = l.text.substr(7);
      } else {
        std::string labels_text;
        if (!SplitLabels(l.text, &labels_text, &rest)) return Fail(l, "expected {labels} <values>");
        auto labels = Labels::Parse(labels_text);
        if (!labels.ok()) return Fail(l, "bad labels: " + labels.status().message());
        key = labels->ToString();
      }
      std::vector<std::string> values;
      std::istringstream words(rest);
      std::string w;
      while (words >> w) values.push_back(w);
      if (values.size() != steps) {
        return Fail(l, "expected " + std::to_string(steps) + " values, found " +
                           std::to_string(values.size()));
      }
      if (!want.emplace(key, values).second) return Fail(l, "series expected twice: " + key);
      want_order.push_back(key);
    }
    // Values are compared with a tolerance, so match them one by one.
    bool same = want.size() == have.size() && (!ordered || want_order == have_order);
    for (const auto& [key, values] : want) {
      auto it = have.find(key);
      if (it == have.end()) {
        same = false;
        break;
      }
      for (size_t k = 0; k < steps && same; ++k) {
        const std::string& a = values[k];
        const std::string& b = it->second[k];
        if (a == "_" || b == "_") {
          same = a == b;
          continue;
        }
        double x, y;
        if (!ParseValue(a, &x) || !ParseValue(b, &y) || !Close(x, y)) same = false;
      }
    }
    if (same) return;
    // Shown in the expected and the result's order when order matters.
    auto show = [ordered](const std::map<std::string, std::vector<std::string>>& m,
                          const std::vector<std::string>& order) {
      std::vector<std::string> lines;
      auto add = [&](const std::string& k, const std::vector<std::string>& v) {
        std::string line = k;
        for (const auto& x : v) line += " " + x;
        lines.push_back(line);
      };
      if (ordered) {
        for (const std::string& k : order) add(k, m.at(k));
      } else {
        for (const auto& [k, v] : m) add(k, v);
      }
      return lines;
    };
    Compare(head, show(want, want_order), show(have, have_order));
  }

  void Error(const Line& head, std::string query, const std::vector<Line>& body) {
    ++checks_;
    // A metric query runs as an instant query at 1h, or over a range
    // with `error range from <t> to <t> step <d> <query>`.
    MetricQueryParams metric;
    metric.tenants = {kTenant};
    metric.start = metric.end = kEpoch + 3600 * kNanosPerSecond;
    metric.instant = true;
    if (query.starts_with("range ")) {
      std::string rest = query.substr(6);
      int64_t from, to, step;
      if (Word(&rest) != "from" || !ParseOffset(Word(&rest), &from) || Word(&rest) != "to" ||
          !ParseOffset(Word(&rest), &to) || Word(&rest) != "step" ||
          !ParseOffset(Word(&rest), &step) || step <= 0) {
        return Fail(head, "expected: error range from <t> to <t> step <d> <query>");
      }
      metric.start = kEpoch + from;
      metric.end = kEpoch + to;
      metric.step_ns = step;
      metric.instant = false;
      query = rest;
    }
    std::string message;
    auto expr = logql::ParseQuery(query);
    if (!expr.ok()) {
      message = expr.status().message();
    } else if (expr->is_log()) {
      LogQueryParams params;
      params.tenants = {kTenant};
      params.start = kEpoch;
      params.end = kEpoch + 3600 * kNanosPerSecond;
      auto r = ExecuteLogQuery(*store_, *expr->log(), params);
      if (r.ok()) return Fail(head, "expected an error, the query succeeded");
      message = r.status().message();
    } else {
      auto r = ExecuteMetricQuery(*store_, *expr, metric);
      if (r.ok()) return Fail(head, "expected an error, the query succeeded");
      message = r.status().message();
    }
    for (const Line& l : body) {
      if (message.find(l.text) == std::string::npos) {
        Fail(l, "error message lacks \"" + l.text + "\": " + message);
      }
    }
  }

  std::string path_;
  std::string dir_;
  std::vector<Line> lines_;
  std::unique_ptr<LocalStore> store_;
  int checks_ = 0;
  int failures_ = 0;
};

}  // namespace
}  // namespace lode

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: lode_logql_scripts FILE.test...\n";
    return 2;
  }
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    char tmpl[] = "/tmp/lode-logql-XXXXXX";
    char* dir = mkdtemp(tmpl);
    if (dir == nullptr) return 2;
    int s = lode::Runner(argv[i], dir).Run();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    status = std::max(status, s);
  }
  return status;
}
