// LocalStore: the storage engine on a local data directory. Each tenant
// (see TenantLog) has a write-ahead log, an in-memory head, and immutable
// part files under <data>/tenants/<tenant>/. A background thread fsyncs
// best-effort records every flush interval and flushes heads that are over
// their size or age limit into parts.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "base/mutex.h"
#include "io/env.h"
#include "model/tenant.h"
#include "storage/storage.h"
#include "storage/tenant_log.h"

namespace lode {

struct LocalStoreOptions {
  std::string data_dir;
  // Best-effort records are written and fsynced at least this often, and
  // heads are checked against their limits as often.
  std::chrono::milliseconds flush_interval{1000};
  // Retention, per tenant, applied as often: parts whose newest record is
  // older than retention_period are deleted (0: keep any age), then the
  // oldest parts while a tenant's parts exceed retention_bytes (0: no limit).
  std::chrono::nanoseconds retention_period{0};
  uint64_t retention_bytes = 0;
  // Tenants whose retention differs from the two settings above.
  struct Retention {
    std::chrono::nanoseconds period{0};
    uint64_t bytes = 0;
  };
  std::map<std::string, Retention> tenant_retention;
  // Threads decoding and filtering part blocks for queries (0: one per
  // core), shared by all queries.
  size_t read_threads = 0;
  // Memory of all tenants' heads together (those being flushed included).
  // Past half of it the largest heads are flushed early; past all of it
  // appends are held back: best-effort ones fail with Unavailable (retry
  // later), durable ones wait for room up to head_room_wait, then fail
  // the same way. 0: no store-wide limit.
  uint64_t max_heads_bytes = 64ull << 20;
  std::chrono::milliseconds head_room_wait{std::chrono::seconds(30)};
  // Tenants' WAL segment files kept open at most (0: a quarter of the
  // open-file limit, WalFileBudget); past it, the least recently written
  // are closed, as is any not written for wal_idle_close. A closed one
  // opens again on its tenant's next write.
  size_t wal_file_budget = 0;
  std::chrono::milliseconds wal_idle_close{std::chrono::seconds(30)};
  // Close flushes heads to parts (largest first) for at most this long;
  // the others stay in the WAL, replayed at the next open.
  std::chrono::milliseconds close_flush_time{std::chrono::seconds(2)};
  // With log.read_only the store is opened to read it as it is on disk
  // (`lode verify`): nothing is written and no background work runs.
  TenantLogOptions log;
};

class LocalStore final : public Storage {
 public:
  static Result<std::unique_ptr<LocalStore>> Open(Env* env, const LocalStoreOptions& options);
  ~LocalStore() override;

  using Storage::Append;
  Status Append(const std::string& tenant, const std::vector<StreamBatch>& batches,
                Durability durability, std::string_view batch_id) override;
  Result<std::unique_ptr<RecordIterator>> Select(const SelectRequest& request) override;
  Result<std::vector<SeriesInfo>> Series(const SeriesRequest& request) override;
  Status ScanTimestamps(const SelectRequest& request,
                        const std::function<void(const TimestampRun&)>& fn) override;
  Result<std::vector<AuditChain>> AuditChains(const std::string& tenant) override;
  Status Flush() override;
  Status Close() override;

  // The tenants with data, sorted.
  std::vector<std::string> Tenants() const;

  uint64_t record_count() const;
  StorageStats Stats() const;

 private:
  LocalStore(Env* env, LocalStoreOptions options, std::unique_ptr<ReadPool> read_pool);
  Status OpenExistingTenants();
  Result<TenantLog*> GetOrOpenTenant(const std::string& tenant);
  TenantLog* FindTenant(const std::string& tenant) const;
  // Calls `work` with the tenants every flush interval until Close.
  // Sum of every tenant's head memory.
  uint64_t HeadsBytes() const EXCLUDES(mu_);
  // Waits for (durable) or checks (best-effort) room under max_heads_bytes.
  Status WaitForHeadRoom(const TenantLog& log, Durability durability);
  bool HasHeadRoom(const TenantLog& log) const;
  // Flushes the largest heads until the heads together are under half of
  // max_heads_bytes.
  void RelieveHeads(const std::vector<TenantLog*>& logs);
  // Runs `work` every flush_interval until closed, and at once when
  // `*requested` (guarded by mu_) is set by RequestFlush.
  void EveryInterval(const std::function<void(const std::vector<TenantLog*>&)>& work,
                     bool* requested = nullptr) EXCLUDES(mu_);
  // Wakes the flush thread now (a head past its limit, memory short).
  void RequestFlush() EXCLUDES(mu_);
  // Closes the WAL files of idle tenants, and of the least recently
  // written while more than wal_file_budget are open.
  void CloseSpareWalFiles() EXCLUDES(mu_);
  void FlushLoop();
  void MergeLoop();

  Env* const env_;
  // The data directory's LOCK file: exclusive while open for writing,
  // shared while open read-only; released by Close.
  std::unique_ptr<FileLock> dir_lock_;
  // Declared first, destroyed last: tenants use it until they close.
  const std::unique_ptr<ReadPool> read_pool_;
  const LocalStoreOptions options_;
  const size_t wal_file_budget_;
  std::atomic<size_t> open_wal_files_{0};  // as of the last count, plus opens since
  std::atomic<size_t> wal_file_opens_{0};  // ever: what a count must add for opens during it

  mutable Mutex mu_;
  std::map<std::string, std::unique_ptr<TenantLog>> tenants_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
  // Set once Open has succeeded (before any other thread sees the store).
  bool opened_ = false;
  std::atomic<uint64_t> retention_parts_{0};
  std::atomic<uint64_t> retention_bytes_{0};
  CondVar flush_cv_{mu_};
  bool flush_requested_ GUARDED_BY(mu_) = false;
  std::thread flusher_;
  std::thread merger_;
  // Set by Close: merges in progress are abandoned, background flushes end.
  std::atomic<bool> stopping_{false};
  std::atomic<bool> merging_{false};          // a merge is looking for work or running
  std::atomic<uint64_t> appends_held_{0};     // appends that waited for head room
  std::atomic<uint64_t> appends_refused_{0};  // appends refused for lack of it
};

}  // namespace lode
