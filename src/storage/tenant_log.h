// TenantLog: one tenant's records in storage v0: a write-ahead log on disk
// and every record held in memory for queries.
//
// Writes use group commit: an append puts its frame in a shared pending
// buffer; whoever next takes the write mutex writes everything pending
// with one write(2) and, if any waiting append is durable, one fsync.
// Concurrent durable appends therefore share fsyncs.
//
// Thread-safe. Lock order: write_mu_ before mu_.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "io/env.h"
#include "storage/storage.h"
#include "storage/wal/wal_writer.h"

namespace lode {

struct TenantLogOptions {
  uint64_t segment_size_limit = 64ull << 20;
  // Best-effort frames pending beyond this many bytes are written out
  // (without fsync) by the appender itself, bounding the buffer.
  size_t max_pending_bytes = 4u << 20;
};

class TenantLog {
 public:
  // Replays every segment in `dir` (creating it if absent), truncating a
  // torn or corrupt tail where it starts, then opens a new segment.
  static Result<std::unique_ptr<TenantLog>> Open(Env* env, std::string tenant, std::string dir,
                                                 const TenantLogOptions& options);

  Status Append(const std::vector<StreamBatch>& batches, Durability durability);
  // Writes and fsyncs everything pending.
  Status Flush();
  Status Close();

  // Copies the matching records, sorted by (timestamp, append order).
  std::vector<Record> Select(const SelectRequest& request) const;

  uint64_t record_count() const;

 private:
  struct StoredEntry {
    TimestampNs timestamp;
    uint64_t seq;  // global append order within the tenant
    std::string line;
    Labels metadata;
  };
  struct Stream {
    Labels labels;
    std::vector<StoredEntry> entries;
  };

  TenantLog(Env* env, std::string tenant, std::string dir, const TenantLogOptions& options)
      : env_(env), tenant_(std::move(tenant)), dir_(std::move(dir)), options_(options) {}

  Status Recover(uint64_t& next_segment);
  void InsertLocked(const std::vector<StreamBatch>& batches);  // requires mu_
  // Takes write_mu_; writes what is pending and, if `sync`, fsyncs it.
  Status WritePending(bool sync);

  Env* const env_;
  const std::string tenant_;
  const std::string dir_;
  const TenantLogOptions options_;

  std::mutex write_mu_;                  // serialises WAL writes
  std::unique_ptr<wal::WalWriter> wal_;  // guarded by write_mu_

  mutable std::mutex mu_;
  std::condition_variable synced_cv_;
  std::string pending_;           // framed, not yet written; guarded by mu_
  uint64_t appended_frames_ = 0;  // frames ever added to pending_
  uint64_t written_frames_ = 0;   // frames handed to the OS
  uint64_t synced_frames_ = 0;    // frames fsynced
  Status failed_;                 // sticky: after an I/O error the log refuses writes
  uint64_t next_seq_ = 0;
  uint64_t record_count_ = 0;
  std::map<std::string, Stream> streams_;  // by canonical label string
};

}  // namespace lode
