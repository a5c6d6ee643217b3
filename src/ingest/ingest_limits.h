// What a tenant may push: the per-entry and per-stream checks every push
// path applies before storing anything. Names and defaults follow Loki's
// limits_config, which operators already know.
#pragma once

#include <cstdint>

namespace lode {

struct IngestLimits {
  // Longest line in bytes (0: any). Longer lines are rejected, or cut to
  // this length when max_line_size_truncate is set.
  uint64_t max_line_size = 256 * 1024;
  bool max_line_size_truncate = false;
  uint32_t max_label_names_per_series = 15;
  uint32_t max_label_name_length = 1024;
  uint32_t max_label_value_length = 2048;
  // Structured metadata of one entry: bytes of names and values (0: any),
  // and number of pairs (0: any).
  uint64_t max_structured_metadata_size = 64 * 1024;
  uint32_t max_structured_metadata_entries_count = 128;
  // Entries older than now minus this are rejected (0: any age, so that
  // old files can be imported).
  int64_t reject_old_samples_max_age_ns = 0;
  // Entries newer than now plus this are rejected (0: any time).
  int64_t creation_grace_period_ns = 10LL * 60 * 1'000'000'000;
  // Bytes of lines per second a tenant may push, and the burst above it
  // (0: no limit). A push over it is refused whole with 429.
  double ingestion_rate_bytes = 0;
  double ingestion_burst_bytes = 0;
  // Streams a tenant may have active (pushed to in the last 30 minutes);
  // a push that would create more is refused whole with 429 (0: any).
  uint32_t max_global_streams_per_user = 10000;
};

}  // namespace lode
