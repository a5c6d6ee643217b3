#include "wire/query_response.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "base/json_writer.h"

namespace lode {
namespace {

void WriteZeros(JsonWriter& w, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    w.Key(k);
    w.Int(0);
  }
}

// The "store" object: `read` is what came from part blocks (Loki's
// chunks); lines examined and kept are reported once, by the caller's
// choice of `scanned`.
void WriteStoreStats(JsonWriter& w, const ReadStats& read, const QueryStats* scanned) {
  w.Key("totalChunksRef");
  w.Uint(read.blocks_referenced);
  w.Key("totalChunksDownloaded");
  w.Uint(read.blocks_read);
  WriteZeros(w, {"chunksDownloadTime", "chunkRefsFetchTime", "congestionControlLatency",
                 "pipelineWrapperFilteredLines"});
  w.Key("queryReferencedStructuredMetadata");
  w.Bool(false);
  w.Key("chunk");
  w.BeginObject();
  w.Key("headChunkBytes");
  w.Uint(scanned != nullptr ? scanned->bytes_scanned : 0);
  w.Key("headChunkLines");
  w.Uint(scanned != nullptr ? scanned->lines_scanned : 0);
  w.Key("decompressedBytes");
  w.Uint(read.decompressed_bytes);
  w.Key("decompressedLines");
  w.Uint(read.decompressed_lines);
  w.Key("compressedBytes");
  w.Uint(read.compressed_bytes);
  WriteZeros(w, {"totalDuplicates"});
  w.Key("postFilterLines");
  w.Uint(scanned != nullptr ? scanned->post_filter_lines : 0);
  WriteZeros(w, {"headChunkStructuredMetadataBytes", "decompressedStructuredMetadataBytes"});
  w.EndObject();
}

// Loki's stats block. lode has one process: lines it examined count as
// "ingester/head" work, part blocks it read as the querier's chunks; the
// cache and index sections are zero but present, because clients parse
// them.
void WriteStats(JsonWriter& w, const QueryStats& s) {
  double secs = s.exec_seconds > 0 ? s.exec_seconds : 1e-9;
  w.BeginObject();
  w.Key("summary");
  w.BeginObject();
  w.Key("bytesProcessedPerSecond");
  w.Uint(static_cast<uint64_t>(static_cast<double>(s.bytes_scanned) / secs));
  w.Key("linesProcessedPerSecond");
  w.Uint(static_cast<uint64_t>(static_cast<double>(s.lines_scanned) / secs));
  w.Key("totalBytesProcessed");
  w.Uint(s.bytes_scanned);
  w.Key("totalLinesProcessed");
  w.Uint(s.lines_scanned);
  w.Key("execTime");
  w.Double(s.exec_seconds);
  w.Key("queueTime");
  w.Double(0);
  w.Key("subqueries");
  w.Int(0);
  w.Key("totalEntriesReturned");
  w.Uint(s.entries_returned);
  w.Key("splits");
  w.Int(0);
  w.Key("shards");
  w.Int(0);
  w.Key("totalPostFilterLines");
  w.Uint(s.post_filter_lines);
  w.Key("totalStructuredMetadataBytesProcessed");
  w.Int(0);
  w.EndObject();

  w.Key("querier");
  w.BeginObject();
  w.Key("store");
  w.BeginObject();
  WriteStoreStats(w, s.read, nullptr);
  w.EndObject();
  w.EndObject();

  w.Key("ingester");
  w.BeginObject();
  WriteZeros(w, {"totalReached", "totalChunksMatched", "totalBatches"});
  w.Key("totalLinesSent");
  w.Uint(s.entries_returned);
  w.Key("store");
  w.BeginObject();
  WriteStoreStats(w, ReadStats{}, &s);
  w.EndObject();
  w.EndObject();

  w.Key("cache");
  w.BeginObject();
  for (const char* cache : {"chunk", "index", "result", "statsResult", "volumeResult",
                            "seriesResult", "labelResult", "instantMetricResult"}) {
    w.Key(cache);
    w.BeginObject();
    WriteZeros(w, {"entriesFound", "entriesRequested", "entriesStored", "bytesReceived",
                   "bytesSent", "requests", "downloadTime", "queryLengthServed"});
    w.EndObject();
  }
  w.EndObject();

  w.Key("index");
  w.BeginObject();
  WriteZeros(w, {"totalChunks", "postFilterChunks", "shardsDuration"});
  w.Key("usedBloomFilters");
  w.Bool(false);
  w.EndObject();
  w.EndObject();
}

// The envelope every query answer shares:
// {"status":"success","data":{"resultType":T,"result":<...>,"stats":{...}},
//  "warnings":[...]} (warnings only when there are some).

// BeginResult leaves the writer where the result's value goes.
void BeginResult(JsonWriter& w, const char* result_type, bool categorized = false) {
  w.BeginObject();
  w.Key("status");
  w.String("success");
  w.Key("data");
  w.BeginObject();
  if (categorized) {
    w.Key("encodingFlags");
    w.BeginArray();
    w.String("categorize-labels");
    w.EndArray();
  }
  w.Key("resultType");
  w.String(result_type);
  w.Key("result");
}

void EndResult(JsonWriter& w, const QueryStats& stats) {
  w.Key("stats");
  WriteStats(w, stats);
  w.EndObject();
  // Beside "data", as Loki writes what an answer may lack.
  if (!stats.read.warnings.empty()) {
    w.Key("warnings");
    w.BeginArray();
    for (const std::string& warning : stats.read.warnings) w.String(warning);
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

void WriteLabels(JsonWriter& w, const Labels& labels) {
  w.BeginObject();
  for (const Label& l : labels) {
    w.Key(l.name);
    w.String(l.value);
  }
  w.EndObject();
}

namespace {

// The streams array of a streams result or a tail message.
void WriteStreams(JsonWriter& w, const std::vector<StreamResult>& streams, bool categorized) {
  w.BeginArray();
  for (const StreamResult& stream : streams) {
    w.BeginObject();
    w.Key("stream");
    WriteLabels(w, stream.labels);
    w.Key("values");
    w.BeginArray();
    for (const LogEntry& e : stream.entries) {
      w.BeginArray();
      w.String(std::to_string(e.timestamp));
      w.String(e.line);
      if (categorized) {
        // The third element: {"structuredMetadata":{..},"parsed":{..}},
        // each only when present.
        w.BeginObject();
        if (!e.metadata.empty()) {
          w.Key("structuredMetadata");
          WriteLabels(w, e.metadata);
        }
        if (!e.parsed.empty()) {
          w.Key("parsed");
          WriteLabels(w, e.parsed);
        }
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

std::string EncodeStreamsResponse(const LogQueryResult& result, bool categorized) {
  std::string out;
  JsonWriter w(out);
  BeginResult(w, "streams", categorized);
  WriteStreams(w, result.streams, categorized);
  EndResult(w, result.stats);
  return out;
}

std::string EncodeTailMessage(const std::vector<StreamResult>& streams) {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("streams");
  WriteStreams(w, streams, false);
  w.EndObject();
  return out;
}

namespace {

void WriteSampleTime(JsonWriter& w, TimestampNs t) {
  // Milliseconds, as float seconds without trailing zeros.
  int64_t ms = t / 1000000;
  std::string text = ms < 0 ? "-" : "";
  uint64_t a = static_cast<uint64_t>(ms < 0 ? -ms : ms);
  text += std::to_string(a / 1000);
  if (a % 1000 != 0) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), ".%03d", static_cast<int>(a % 1000));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    text += f;
  }
  w.Raw(text);
}

std::string SampleValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

void WriteSample(JsonWriter& w, const MetricSample& s) {
  w.BeginArray();
  WriteSampleTime(w, s.t);
  w.String(SampleValue(s.value));
  w.EndArray();
}

void WriteMetric(JsonWriter& w, const Labels& labels) {
  w.Key("metric");
  WriteLabels(w, labels);
}

}  // namespace

std::string EncodeMetricResponse(const MetricQueryResult& result) {
  using Type = MetricQueryResult::Type;
  std::string out;
  JsonWriter w(out);
  BeginResult(w, result.type == Type::kMatrix   ? "matrix"
                 : result.type == Type::kVector ? "vector"
                                                : "scalar");
  if (result.type == Type::kScalar) {
    const MetricSeries& s = result.series.at(0);
    WriteSample(w, s.samples.at(0));
  } else {
    w.BeginArray();
    for (const MetricSeries& s : result.series) {
      w.BeginObject();
      WriteMetric(w, s.labels);
      if (result.type == Type::kVector) {
        w.Key("value");
        WriteSample(w, s.samples.at(0));
      } else {
        w.Key("values");
        w.BeginArray();
        for (const MetricSample& sample : s.samples) WriteSample(w, sample);
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndArray();
  }
  EndResult(w, result.stats);
  return out;
}

}  // namespace lode
