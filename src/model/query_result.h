// What queries answer, as plain values: the query engine fills them, the
// API encodes them (wire/query_response), and nothing here knows how they
// were computed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/labels.h"
#include "model/record.h"

namespace lode {

// What a read did, for query statistics.
struct ReadStats {
  uint64_t blocks_referenced = 0;   // part blocks of matching streams in the time range
  uint64_t blocks_skipped = 0;      // of those, ruled out by their token filters
  uint64_t blocks_ruled_out = 0;    // ... or by their template columns, unrebuilt
  uint64_t blocks_read = 0;         // read and decoded
  uint64_t compressed_bytes = 0;    // of the blocks read, as stored
  uint64_t decompressed_bytes = 0;  // line bytes of the blocks read
  uint64_t decompressed_lines = 0;
  // What the answer may lack and why (a cluster member that could not be
  // reached): Loki's "warnings" of a query response. Each said once.
  std::vector<std::string> warnings;

  void AddWarning(const std::string& warning) {
    for (const std::string& w : warnings) {
      if (w == warning) return;
    }
    warnings.push_back(warning);
  }

  ReadStats& operator+=(const ReadStats& o) {
    for (const std::string& w : o.warnings) AddWarning(w);
    blocks_referenced += o.blocks_referenced;
    blocks_skipped += o.blocks_skipped;
    blocks_ruled_out += o.blocks_ruled_out;
    blocks_read += o.blocks_read;
    compressed_bytes += o.compressed_bytes;
    decompressed_bytes += o.decompressed_bytes;
    decompressed_lines += o.decompressed_lines;
    return *this;
  }
};

struct LogEntry {
  TimestampNs timestamp = 0;
  std::string line;
  Labels metadata;  // only with categorize_labels
  Labels parsed;    // only with categorize_labels
};

struct StreamResult {
  // All labels of the entries (stream, metadata, parsed); with
  // categorize_labels, the stream labels only.
  Labels labels;
  std::vector<LogEntry> entries;  // in the query's direction
};

struct QueryStats {
  uint64_t lines_scanned = 0;
  uint64_t bytes_scanned = 0;
  uint64_t entries_returned = 0;
  uint64_t post_filter_lines = 0;
  double exec_seconds = 0;
  ReadStats read;  // what storage read from parts
};

struct LogQueryResult {
  std::vector<StreamResult> streams;  // in order of each stream's first entry
  QueryStats stats;
};

struct MetricSample {
  TimestampNs t = 0;
  double value = 0;
};

struct MetricSeries {
  Labels labels;
  std::vector<MetricSample> samples;  // in time order
};

struct MetricQueryResult {
  enum class Type { kMatrix, kVector, kScalar };
  Type type = Type::kMatrix;
  // kMatrix: every series with its samples; kVector: one sample each;
  // kScalar: one series without labels.
  std::vector<MetricSeries> series;
  QueryStats stats;
};

}  // namespace lode
