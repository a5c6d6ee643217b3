// Writes one part file from a set of streams' records and publishes it
// atomically (temporary name, fsync, rename, fsync of the directory), so a
// reader or a restart sees either the whole part or none of it.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "io/env.h"
#include "model/record.h"
#include "storage/part/part_format.h"

namespace lode::part {

struct PartWriterOptions {
  size_t block_raw_bytes = 1u << 20;  // a block closes at this many line bytes
  size_t block_max_records = 16384;
  int zstd_level = 3;
};

struct StreamRecords {
  Labels labels;
  std::vector<const Entry*> entries;  // sorted by timestamp, ties in append order
};

// Writes `streams` (sorted by labels; each non-empty) to `path`. `meta`'s
// wal_checkpoint is stored as given; its times and record count are
// computed. Any file left at `path`.tmp by an earlier crash is replaced.
Status WritePart(Env* env, const std::string& path, const std::vector<StreamRecords>& streams,
                 uint64_t wal_checkpoint, const PartWriterOptions& options);

}  // namespace lode::part
