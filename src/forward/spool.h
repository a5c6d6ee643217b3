// The forwarder's on-disk spool: records are kept in a directory from the
// moment they are read until the server has accepted them, so that a
// crash of the forwarder (kill -9, or of the machine for what was synced)
// loses nothing it took in; the next run sends what is left.
//
// Files (docs/format/spool.md):
//   open.log              the batch being filled: a header with its batch
//                         id and labels, then one record per line read
//   <seq>-<id>.batch      a sealed batch waiting to be accepted
// Every record carries a CRC-32C; a torn tail is dropped on replay.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "io/env.h"
#include "model/record.h"

namespace lode {

struct SpooledBatch {
  uint64_t seq = 0;
  std::string id;  // the idempotency key it is sent with, stable across runs
  Labels labels;
  std::vector<Entry> entries;
  uint64_t bytes = 0;  // size on disk
};

class Spool {
 public:
  // Opens (creating) `dir`. Batches an earlier run left, the open one
  // sealed first, are returned by TakeLeftovers.
  static Result<std::unique_ptr<Spool>> Open(Env* env, const std::string& dir);

  // The sealed batches of earlier runs, oldest first (once).
  std::vector<SpooledBatch> TakeLeftovers();

  // Starts the open batch (if none is open) with a new id and `labels`,
  // and appends one record to it: written through to the OS, so a crash of
  // this process keeps it.
  Status Append(const Labels& labels, const Entry& entry);
  // Seals the open batch: its records go to `<seq>-<id>.batch` (synced,
  // renamed into place, directory synced), and the open log starts over.
  // Returns the sealed batch (entries included), or nullopt with nothing open.
  Result<std::optional<SpooledBatch>> Seal();
  // Removes a batch once it has been accepted.
  Status Remove(const SpooledBatch& batch);

  // Bytes held: sealed batches and the open log.
  uint64_t bytes() const;

 private:
  Spool(Env* env, std::string dir) : env_(env), dir_(std::move(dir)) {}
  Status Recover();
  // Seal, for a caller that holds mu_ (Recover).
  Result<std::optional<SpooledBatch>> SealLocked() REQUIRES(mu_);
  std::string BatchPath(uint64_t seq, const std::string& id) const;

  Env* env_;
  const std::string dir_;
  mutable Mutex mu_;
  std::unique_ptr<WritableFile> open_ GUARDED_BY(mu_);
  std::string open_id_ GUARDED_BY(mu_);
  Labels open_labels_ GUARDED_BY(mu_);
  std::vector<Entry> open_entries_ GUARDED_BY(mu_);
  uint64_t next_seq_ GUARDED_BY(mu_) = 1;
  uint64_t sealed_bytes_ GUARDED_BY(mu_) = 0;
  std::vector<SpooledBatch> leftovers_ GUARDED_BY(mu_);
};

}  // namespace lode
