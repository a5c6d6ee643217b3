// WalStore: storage v0. Each tenant's records go to its own write-ahead
// log under <data>/tenants/<tenant>/wal/ and are held in memory for
// queries; on open, every tenant's log is replayed. Simple and safe, not
// fast: the engine with parts and indexes replaces it behind Storage.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "io/env.h"
#include "model/tenant.h"
#include "storage/storage.h"
#include "storage/tenant_log.h"

namespace lode {

struct WalStoreOptions {
  std::string data_dir;
  // Best-effort records are written and fsynced at least this often.
  std::chrono::milliseconds flush_interval{1000};
  TenantLogOptions log;
};

class WalStore final : public Storage {
 public:
  static Result<std::unique_ptr<WalStore>> Open(Env* env, const WalStoreOptions& options);
  ~WalStore() override;

  Status Append(const std::string& tenant, const std::vector<StreamBatch>& batches,
                Durability durability) override;
  Result<std::unique_ptr<RecordIterator>> Select(const SelectRequest& request) override;
  Status Flush() override;
  Status Close() override;

  uint64_t record_count() const;

 private:
  WalStore(Env* env, WalStoreOptions options) : env_(env), options_(std::move(options)) {}
  Status OpenExistingTenants();
  Result<TenantLog*> GetOrOpenTenant(const std::string& tenant);
  TenantLog* FindTenant(const std::string& tenant) const;
  void FlushLoop();

  Env* const env_;
  const WalStoreOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<TenantLog>> tenants_;  // guarded by mu_
  bool closed_ = false;                                        // guarded by mu_
  std::condition_variable flush_cv_;
  std::thread flusher_;
};

}  // namespace lode
