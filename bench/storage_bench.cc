// Micro-benchmarks of the ingest and query path below HTTP.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>

#include "base/json_writer.h"
#include "ingest/loki_push_json.h"
#include "logql/parser.h"
#include "query/line_filter.h"
#include "storage/local_store.h"

namespace lode {
namespace {

// Lines shaped like a web server's, with varying numbers.
std::vector<Entry> MakeEntries(size_t n) {
  std::vector<Entry> entries;
  entries.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    Entry e;
    e.timestamp = 1714521600000000000LL + static_cast<int64_t>(i) * 1000;
    e.line = "10.0." + std::to_string(i % 256) + "." + std::to_string(i * 7 % 256) +
             " - - [01/May/2024:00:00:00 +0000] \"GET /api/v1/users/" + std::to_string(i * 31) +
             " HTTP/1.1\" " + (i % 50 == 0 ? "500" : "200") + " " + std::to_string(i * 13 % 9000) +
             " \"-\" \"curl/8.0\"";
    entries.push_back(std::move(e));
  }
  return entries;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-bench-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void AppendBench(benchmark::State& state, Durability durability) {
  TempDir dir;
  LocalStoreOptions options;
  options.data_dir = dir.path();
  auto store = LocalStore::Open(Env::Default(), options);
  StreamBatch batch{Labels({{"app", "bench"}}), MakeEntries(static_cast<size_t>(state.range(0)))};
  size_t bytes = 0;
  for (const Entry& e : batch.entries) bytes += e.line.size();
  for (auto _ : state) {
    Status s = (*store)->Append("bench", {batch}, durability);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void BM_AppendBestEffort(benchmark::State& state) { AppendBench(state, Durability::kBestEffort); }
BENCHMARK(BM_AppendBestEffort)->Arg(1000)->Unit(benchmark::kMicrosecond);

void BM_AppendDurable(benchmark::State& state) { AppendBench(state, Durability::kDurable); }
BENCHMARK(BM_AppendDurable)->Arg(1000)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_DecodePushJson(benchmark::State& state) {
  auto entries = MakeEntries(1000);
  std::string body = R"({"streams":[{"stream":{"app":"bench"},"values":[)";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) body += ",";
    body += "[\"" + std::to_string(entries[i].timestamp) + "\",";
    AppendJsonString(body, entries[i].line);
    body += "]";
  }
  body += "]}]}";
  if (!DecodeLokiPushJson(body).ok()) state.SkipWithError("benchmark body does not decode");
  for (auto _ : state) {
    auto batches = DecodeLokiPushJson(body);
    benchmark::DoNotOptimize(batches);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_DecodePushJson)->Unit(benchmark::kMicrosecond);

void BM_LineFilter(benchmark::State& state, const char* query) {
  auto entries = MakeEntries(10000);
  auto expr = logql::ParseQuery(query);
  auto chain = LineFilterChain::Compile(expr->filters);
  size_t bytes = 0;
  for (const Entry& e : entries) bytes += e.line.size();
  for (auto _ : state) {
    size_t hits = 0;
    for (const Entry& e : entries) hits += chain->Matches(e.line);
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(state.iterations() * 10000);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK_CAPTURE(BM_LineFilter, contains, R"({a="b"} |= "HTTP/1.1\" 500")");
BENCHMARK_CAPTURE(BM_LineFilter, regex, R"({a="b"} |~ "users/[0-9]+5 ")");

}  // namespace
}  // namespace lode

BENCHMARK_MAIN();
