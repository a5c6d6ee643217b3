// Micro-benchmarks of the ingest and query path below HTTP.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/json_writer.h"
#include "base/time.h"
#include "ingest/loki_push.h"
#include "logql/parser.h"
#include "query/line_filter.h"
#include "query/pipeline.h"
#include "storage/local_store.h"
#include "storage/part/block_codec.h"
#include "storage/part/line_templates.h"
#include "storage/part/part_writer.h"
#include "storage/part/token_filter.h"
#include "wire/loki_push_json.h"
#include "wire/loki_push_proto.h"

namespace lode {
namespace {

// Appends of about this many line bytes, like lode forward's batches.
constexpr size_t kBatchBytes = 1 << 20;

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

// An append refused for now, which a client sends again: a best-effort
// one while the heads are full (RateLimited), or a store shedding load.
bool Refused(const Status& s) {
  return s.code() == StatusCode::kRateLimited || s.code() == StatusCode::kUnavailable;
}

void AppendBench(benchmark::State& state, Durability durability) {
  TempDir dir;
  LocalStoreOptions options;
  options.data_dir = dir.path();
  auto store = LocalStore::Open(Env::Default(), options);
  StreamBatch batch{Labels({{"app", "bench"}}), MakeEntries(static_cast<size_t>(state.range(0)))};
  size_t bytes = 0;
  for (const Entry& e : batch.entries) bytes += e.line.size();
  uint64_t refused = 0;
  for (auto _ : state) {
    Status s;
    // A best-effort append is refused (RateLimited, HTTP 429) while the
    // heads are full and flushing catches up; like a client, retry it
    // (the wait is counted).
    while (Refused(s = (*store)->Append("bench", {batch}, durability))) {
      ++refused;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.counters["appends_refused"] = static_cast<double>(refused);
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void BM_AppendBestEffort(benchmark::State& state) { AppendBench(state, Durability::kBestEffort); }
BENCHMARK(BM_AppendBestEffort)->Arg(1000)->Unit(benchmark::kMicrosecond);

void BM_AppendDurable(benchmark::State& state) { AppendBench(state, Durability::kDurable); }
BENCHMARK(BM_AppendDurable)->Arg(1000)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Lines for BM_StoreIngest: the corpus file named by LODE_BENCH_CORPUS (at
// most LODE_BENCH_CORPUS_BYTES of it, default 256 MB; bench/run.sh sets
// both), else generated access-log lines.
std::vector<std::string> IngestLines() {
  const char* path = getenv("LODE_BENCH_CORPUS");
  std::vector<std::string> lines;
  if (path == nullptr || *path == '\0') {
    for (Entry& e : MakeEntries(500000)) lines.push_back(e.line.str());
    return lines;
  }
  const char* max_env = getenv("LODE_BENCH_CORPUS_BYTES");
  uint64_t max_bytes = max_env != nullptr ? strtoull(max_env, nullptr, 10) : 256000000;
  std::ifstream in(path, std::ios::binary);
  uint64_t bytes = 0;
  for (std::string line; bytes < max_bytes && std::getline(in, line);) {
    bytes += line.size() + 1;
    lines.push_back(std::move(line));
  }
  return lines;
}

double ProcessCpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Storage-API ingest: a fresh LocalStore takes the lines in best-effort
// appends of about 1 MiB (lode forward's default batch), then is closed,
// which flushes the head into parts. Reports lines per second of wall time
// and per second of CPU time of the whole process (the appending thread
// plus the store's flush thread): lines/s per core.
void BM_StoreIngest(benchmark::State& state) {
  std::vector<std::string> lines = IngestLines();
  if (lines.empty()) {
    state.SkipWithError("no lines to ingest (LODE_BENCH_CORPUS is empty or unreadable)");
    return;
  }
  std::vector<std::vector<StreamBatch>> pushes;
  TimestampNs ts = NowNanos() - 3600LL * 1000000000;
  size_t bytes = 0;
  for (size_t i = 0; i < lines.size();) {
    StreamBatch batch{Labels({{"app", "bench"}}), {}};
    for (size_t batch_bytes = 0; i < lines.size() && batch_bytes < kBatchBytes; ++i) {
      batch_bytes += lines[i].size();
      bytes += lines[i].size();
      batch.entries.push_back(Entry{ts++, std::move(lines[i]), {}});
    }
    pushes.push_back({std::move(batch)});
  }
  double wall = 0, cpu = 0;
  uint64_t refused = 0;
  Status failed;
  for (auto _ : state) {
    state.PauseTiming();
    auto dir = std::make_unique<TempDir>();
    LocalStoreOptions options;
    options.data_dir = dir->path();
    auto store = LocalStore::Open(Env::Default(), options);
    if (!store.ok()) {
      state.SkipWithError(store.status().ToString().c_str());
      return;
    }
    state.ResumeTiming();
    auto start = std::chrono::steady_clock::now();
    double cpu_start = ProcessCpuSeconds();
    for (const auto& push : pushes) {
      // Best-effort appends are refused while the heads are full and
      // flushing catches up; a client retries them.
      Status s;
      while (Refused(s = (*store)->Append("bench", push, Durability::kBestEffort))) {
        ++refused;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (!s.ok()) failed = s;
    }
    Status s = (*store)->Close();
    if (!s.ok()) failed = s;
    cpu += ProcessCpuSeconds() - cpu_start;
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.PauseTiming();
    store->reset();
    dir.reset();
    state.ResumeTiming();
  }
  if (!failed.ok()) {
    state.SkipWithError(failed.ToString().c_str());
    return;
  }
  double total = static_cast<double>(lines.size()) * static_cast<double>(state.iterations());
  state.counters["lines"] = static_cast<double>(lines.size());
  state.counters["appends_refused"] = static_cast<double>(refused);
  state.counters["lines_per_s"] = total / wall;
  state.counters["lines_per_cpu_s"] = total / cpu;
  state.counters["cores_used"] = cpu / wall;
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.SetBytesProcessed(static_cast<int64_t>(bytes * state.iterations()));
}
BENCHMARK(BM_StoreIngest)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// Count per minute over the whole range through the storage API: the
// corpus lines (as for BM_StoreIngest) one millisecond apart, in parts
// after a Close and reopen; each iteration reads every record and counts
// them by minute. Arg 1 reads timestamps only (what count_over_time
// needs), arg 0 whole records, for comparison. Reports records per second
// of wall time and per CPU-second of the process.
void BM_CountPerMinute(benchmark::State& state) {
  const bool timestamps_only = state.range(0) != 0;
  std::vector<std::string> lines = IngestLines();
  TempDir dir;
  LocalStoreOptions options;
  options.data_dir = dir.path();
  const TimestampNs first = NowNanos() - 6LL * 3600 * 1000000000;
  {
    auto store = LocalStore::Open(Env::Default(), options);
    if (!store.ok()) {
      state.SkipWithError(store.status().ToString().c_str());
      return;
    }
    TimestampNs ts = first;
    for (size_t i = 0; i < lines.size();) {
      StreamBatch batch{Labels({{"app", "bench"}}), {}};
      for (size_t bytes = 0; i < lines.size() && bytes < kBatchBytes; ++i) {
        bytes += lines[i].size();
        batch.entries.push_back(Entry{ts, std::move(lines[i]), {}});
        ts += 1000000;
      }
      Status s;
      while (Refused(s = (*store)->Append("bench", {batch}, Durability::kBestEffort))) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (!s.ok()) {
        state.SkipWithError(s.ToString().c_str());
        return;
      }
    }
    (void)(*store)->Close();
  }
  auto store = LocalStore::Open(Env::Default(), options);
  if (!store.ok()) {
    state.SkipWithError(store.status().ToString().c_str());
    return;
  }
  SelectRequest request;
  request.tenant = "bench";
  request.start = first;
  request.end = NowNanos();
  request.matchers = {Matcher::Create(MatchType::kEqual, "app", "bench").value()};
  request.direction = Direction::kForward;
  request.timestamps_only = timestamps_only;
  uint64_t records = 0;
  double cpu = 0;
  for (auto _ : state) {
    double cpu_start = ProcessCpuSeconds();
    std::vector<uint64_t> per_minute(6 * 60 + 1);
    auto it = (*store)->Select(request);
    if (!it.ok()) {
      state.SkipWithError(it.status().ToString().c_str());
      return;
    }
    while ((*it)->Next()) {
      size_t minute = static_cast<size_t>(((*it)->record().timestamp - first) / 60000000000LL);
      if (minute < per_minute.size()) ++per_minute[minute];
      ++records;
    }
    benchmark::DoNotOptimize(per_minute.data());
    cpu += ProcessCpuSeconds() - cpu_start;
  }
  state.counters["records"] = static_cast<double>(records / state.iterations());
  state.counters["records_per_s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
  state.counters["records_per_cpu_s"] = static_cast<double>(records) / cpu;
}
BENCHMARK(BM_CountPerMinute)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

// The token filters' false-positive rate, measured: filters are built as
// the part writer builds them, from blocks of about 1 MiB of corpus lines
// (LODE_BENCH_CORPUS, else generated lines), then probed with keys of
// tokens that are in none of the lines. Reports the rate and the filter
// size relative to the lines.
void BM_TokenFilterFalsePositives(benchmark::State& state) {
  std::vector<std::string> lines = IngestLines();
  std::vector<std::string> filters;
  size_t line_bytes = 0, filter_bytes = 0;
  std::vector<uint64_t> keys;
  size_t block_bytes = 0;
  for (size_t i = 0; i < lines.size() && filters.size() < 64; ++i) {
    part::AddLineKeys(lines[i], keys);
    block_bytes += lines[i].size();
    if (block_bytes >= (1u << 20)) {
      filters.push_back(part::BuildBloom(keys));
      line_bytes += block_bytes;
      filter_bytes += filters.back().size();
      keys.clear();
      block_bytes = 0;
    }
  }
  if (filters.empty()) {
    state.SkipWithError("corpus smaller than one block");
    return;
  }
  uint64_t probes = 0, positives = 0;
  uint64_t n = 0;
  for (auto _ : state) {
    // "qz" + a counter: a token no corpus line holds.
    std::string token = "qz" + std::to_string(n++) + "xq";
    // A block passes when it may hold every key group of the literal.
    auto groups = part::RequiredKeys(" " + token + " ");
    for (const std::string& f : filters) {
      ++probes;
      bool pass = true;
      for (const part::KeyGroup& g : groups) pass = pass && part::BloomMayContainAny(f, g);
      positives += pass ? 1 : 0;
    }
  }
  state.counters["false_positive_rate"] =
      static_cast<double>(positives) / static_cast<double>(std::max<uint64_t>(probes, 1));
  state.counters["filter_bytes_per_line_byte"] =
      static_cast<double>(filter_bytes) / static_cast<double>(line_bytes);
  state.counters["blocks"] = static_cast<double>(filters.size());
}
BENCHMARK(BM_TokenFilterFalsePositives)->Iterations(20000);

// The server's decoding of Loki protobuf pushes (snappy, then the
// PushRequest into streams): bodies of 1,000 lines of the corpus, as
// lode_ingest_bench sends them. items_per_second is lines decoded per
// second on one core.
void BM_DecodePushProto(benchmark::State& state) {
  setenv("LODE_BENCH_CORPUS_BYTES", "33554432", 0);
  std::vector<std::string> lines = IngestLines();
  std::vector<std::string> bodies;
  const Labels labels({{"app", "bench"}});
  for (size_t i = 0; i < lines.size(); i += 1000) {
    std::vector<Entry> entries;
    for (size_t k = i; k < std::min(lines.size(), i + 1000); ++k) {
      entries.push_back(Entry{static_cast<TimestampNs>(k), lines[k], {}});
    }
    bodies.push_back(EncodeLokiPushBody(labels, entries));
  }
  for (auto _ : state) {
    for (const std::string& body : bodies) {
      PushReport report;
      std::string decoded;
      auto batches = DecodeLokiPush(PushBody{"application/x-protobuf", "", body}, PushLimits{},
                                    report, decoded);
      if (!batches.ok()) state.SkipWithError(batches.status().ToString().c_str());
      benchmark::DoNotOptimize(batches);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(lines.size() * state.iterations()));
}
BENCHMARK(BM_DecodePushProto)->Unit(benchmark::kMillisecond);

// A head flush: 32 MiB of the corpus's lines (a full head) written as
// one stream's part, as TenantLog::FlushHead writes it: lines cut into
// templates, token and string filters built, blocks compressed.
// items_per_second is lines flushed per second on one core. The
// arguments price the two costliest parts of a flush: templates:0 stores
// lines as they are (zstd alone), filters:0 builds no token or string
// filters; lode always writes both (templates:1/filters:1), as they are
// what keeps its parts below zstd -19 and its searches from reading
// every block.
void BM_FlushPart(benchmark::State& state) {
  setenv("LODE_BENCH_CORPUS_BYTES", "33554432", 0);
  std::vector<std::string> lines = IngestLines();
  part::StreamRecords stream;
  stream.labels = Labels({{"app", "bench"}});
  uint64_t line_bytes = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    stream.entries.push_back(part::RecordRef{static_cast<TimestampNs>(i), lines[i], nullptr});
    line_bytes += lines[i].size();
  }
  TempDir dir;
  const std::string path = dir.path() + "/bench.part";
  uint64_t part_bytes = 0;
  for (auto _ : state) {
    part::PartWriterOptions options;
    options.line_templates = state.range(0) != 0;
    options.token_filters = state.range(1) != 0;
    Status s = part::WritePart(Env::Default(), path, {stream}, 0, options);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    part_bytes = std::filesystem::file_size(path);
    std::filesystem::remove(path);
  }
  state.counters["part_bytes"] = static_cast<double>(part_bytes);
  state.SetItemsProcessed(static_cast<int64_t>(lines.size() * state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(line_bytes * state.iterations()));
}
BENCHMARK(BM_FlushPart)
    ->ArgNames({"templates", "filters"})
    ->Args({1, 1})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({0, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Cutting lines into templates and variable columns with their token
// and string filter keys, as a head flush does for each block: the
// corpus's first 32 MiB in blocks of 1 MiB of lines. items_per_second is
// lines split per second on one core.
void BM_SplitLineTemplates(benchmark::State& state) {
  setenv("LODE_BENCH_CORPUS_BYTES", "33554432", 0);
  std::vector<std::string> lines = IngestLines();
  std::vector<std::vector<std::string_view>> blocks(1);
  uint64_t line_bytes = 0, block_bytes = 0;
  for (const std::string& line : lines) {
    if (block_bytes >= (1u << 20)) {
      blocks.emplace_back();
      block_bytes = 0;
    }
    blocks.back().push_back(line);
    block_bytes += line.size();
    line_bytes += line.size();
  }
  part::TemplateColumns columns;
  std::vector<uint64_t> token_keys, string_keys;
  for (auto _ : state) {
    for (const auto& block : blocks) {
      token_keys.clear();
      string_keys.clear();
      part::SplitLineTemplates(block, columns, nullptr, &token_keys, part::kCurrentTemplateLayout,
                               part::kCurrentKeyScheme, &string_keys, part::SplitMode::kAuto);
      benchmark::DoNotOptimize(columns.ids.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(lines.size() * state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(line_bytes * state.iterations()));
}
BENCHMARK(BM_SplitLineTemplates)->Unit(benchmark::kMillisecond);

// Decoding part blocks (decompress and rebuild every line), the bulk of a
// query that cannot skip blocks: the first 64 MB of the corpus in blocks
// of 1 MiB of lines, as parts hold them. bytes_per_second is lines'
// bytes rebuilt per second on one core.
void BM_DecodeBlocks(benchmark::State& state) {
  setenv("LODE_BENCH_CORPUS_BYTES", "64000000", 0);
  std::vector<std::string> lines = IngestLines();
  std::vector<std::string> blocks;
  std::vector<size_t> records;
  uint64_t line_bytes = 0;
  for (size_t i = 0; i < lines.size();) {
    std::vector<Entry> entries;
    size_t bytes = 0;
    for (; i < lines.size() && bytes < (1u << 20); ++i) {
      entries.push_back(Entry{static_cast<TimestampNs>(i), lines[i], {}});
      bytes += lines[i].size();
    }
    std::vector<part::RecordRef> ptrs;
    for (const Entry& e : entries) ptrs.push_back(part::RecordRef::Of(e));
    blocks.emplace_back();
    part::EncodeBlock(blocks.back(), ptrs, 3);
    records.push_back(entries.size());
    line_bytes += bytes;
  }
  part::DecodedBlock decoded;
  for (auto _ : state) {
    for (size_t b = 0; b < blocks.size(); ++b) {
      Status s = part::DecodeBlockInto(blocks[b], records[b], decoded);
      if (!s.ok()) state.SkipWithError(s.ToString().c_str());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(line_bytes * state.iterations()));
}
BENCHMARK(BM_DecodeBlocks)->Unit(benchmark::kMillisecond);

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

// A label parser over lines of `fields` keys (and a nested object), the
// per-record cost of `| json` and `| logfmt` in every query that parses.
void BM_ParseLabels(benchmark::State& state, const char* parser) {
  const int fields = static_cast<int>(state.range(0));
  const bool json = std::string_view(parser) == "json";
  std::vector<std::string> lines;
  for (int i = 0; i < 1000; ++i) {
    std::string line = json ? "{" : "";
    for (int k = 0; k < fields; ++k) {
      const std::string key = "field_" + std::to_string(k);
      const std::string value = "value-" + std::to_string(i * 31 + k);
      if (json) {
        line += (k > 0 ? ",\"" : "\"") + key + "\":\"" + value + "\"";
      } else {
        line += (k > 0 ? " " : "") + key + "=" + value;
      }
    }
    line += json ? ",\"req\":{\"method\":\"GET\",\"status\":200}}" : " method=GET status=200";
    lines.push_back(std::move(line));
  }
  auto expr = logql::ParseQuery(std::string(R"({app="a"} | )") + parser);
  auto pipeline = Pipeline::Compile(expr->log()->pipeline);
  Labels stream{{"app", "a"}, {"env", "prod"}};
  Labels metadata;
  LabelsBuilder labels;
  PipelineState ps;
  size_t i = 0;
  for (auto _ : state) {
    std::string_view line = lines[i++ % lines.size()];
    labels.Reset(stream, metadata);
    benchmark::DoNotOptimize(pipeline->Process(0, &line, labels, ps));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_ParseLabels, json, "json")->Arg(4)->Arg(20)->Arg(60);
BENCHMARK_CAPTURE(BM_ParseLabels, logfmt, "logfmt")->Arg(4)->Arg(20)->Arg(60);

void BM_LineFilter(benchmark::State& state, const char* query) {
  auto entries = MakeEntries(10000);
  auto expr = logql::ParseQuery(query);
  auto chain = LineFilterChain::Compile(expr->log()->LineFilters());
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

// A log pipeline over JSON or logfmt lines, as a metric query runs it:
// the labels reset per record, then every stage. Lines per second per core.
void BM_Pipeline(benchmark::State& state, const char* query, bool json) {
  std::vector<std::string> lines;
  for (int i = 0; i < 10000; ++i) {
    std::string n = std::to_string(i);
    lines.push_back(
        json ? R"({"ts":"2024-05-01T00:00:00.)" + n + R"(Z","level":")" +
                   (i % 5 == 0 ? "error" : "info") +
                   R"(","service":"checkout","trace_id":"0994d0c11702500c899c6430b113b)" + n +
                   R"(","msg":"order placed","order_id":)" + n + R"(,"status":)" +
                   (i % 7 == 0 ? "503" : "200") + R"(,"duration_ms":)" + n + ".5}"
             : "ts=2024-05-01T00:00:00." + n + "Z level=" + (i % 5 == 0 ? "error" : "info") +
                   " caller=main.go:768 msg=\"request completed\" method=GET path=/api/" +
                   std::to_string(i % 13) + " status=" + (i % 7 == 0 ? "503" : "200") +
                   " duration=" + n + "ms");
  }
  auto expr = logql::ParseQuery(query);
  if (!expr.ok()) return state.SkipWithError(expr.status().ToString().c_str());
  const logql::LogSelectorExpr* log = expr->log();
  if (log == nullptr) {
    const auto* agg = std::get_if<logql::RangeAggregation>(&expr->node);
    log = &agg->range.selector;
  }
  auto pipeline = Pipeline::Compile(log->pipeline);
  if (!pipeline.ok()) return state.SkipWithError(pipeline.status().ToString().c_str());
  const Labels stream{{"app", "bench"}};
  LabelsBuilder labels;
  PipelineState scratch;
  size_t bytes = 0;
  for (const std::string& l : lines) bytes += l.size();
  for (auto _ : state) {
    size_t kept = 0;
    for (const std::string& l : lines) {
      labels.Reset(stream, {});
      std::string_view line = l;
      kept += pipeline->Process(0, &line, labels, scratch);
    }
    benchmark::DoNotOptimize(kept);
  }
  state.SetItemsProcessed(state.iterations() * 10000);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK_CAPTURE(BM_Pipeline, json_all, R"({a="b"} | json)", true);
BENCHMARK_CAPTURE(BM_Pipeline, json_status_filter, R"({a="b"} | json | status >= 500)", true);
BENCHMARK_CAPTURE(BM_Pipeline, logfmt_all, R"({a="b"} | logfmt)", false);
BENCHMARK_CAPTURE(BM_Pipeline, logfmt_line_format,
                  R"({a="b"} | logfmt | line_format "{{.method}} {{.path}} {{.status}}")", false);

}  // namespace
}  // namespace lode

BENCHMARK_MAIN();
