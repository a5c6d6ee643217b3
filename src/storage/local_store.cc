#include "storage/local_store.h"

#include <algorithm>

#include "base/log.h"
#include "io/dir_lock.h"
#include "io/open_files.h"
#include "storage/read_pool.h"

namespace lode {
namespace {

class EmptyRecordIterator final : public RecordIterator {
 public:
  bool Next() override { return false; }
  const Record& record() const override { return record_; }
  Status status() const override { return Status::Ok(); }

 private:
  Record record_;
};

std::string TenantsDir(const std::string& data_dir) { return JoinPath(data_dir, "tenants"); }

// Threads closing tenants at a stop.
constexpr size_t kCloseThreads = 8;

}  // namespace

Result<std::unique_ptr<LocalStore>> LocalStore::Open(Env* env, const LocalStoreOptions& options) {
  auto pool = std::make_unique<ReadPool>(options.read_threads);
  LocalStoreOptions with_pool = options;
  with_pool.log.read_pool = pool.get();
  std::unique_ptr<LocalStore> store(new LocalStore(env, std::move(with_pool), std::move(pool)));
  // One process writes a data directory: a second lode on it would
  // interleave its WAL writes with the first's. Readers (lode verify
  // --data) keep out while it runs, as what they read would be changing.
  const std::string lock_path = JoinPath(options.data_dir, "LOCK");
  auto lock = [&](bool exclusive) -> Status {
    LODE_ASSIGN_OR_RETURN(store->dir_lock_,
                          LockDirectory(env, options.data_dir, exclusive, "data directory"));
    return Status::Ok();
  };
  if (options.log.read_only) {
    // As it is on disk: no background work, nothing created.
    if (!env->FileExists(TenantsDir(options.data_dir))) {
      return Status::NotFound("no lode data directory at " + options.data_dir);
    }
    // A directory last written by a lode without the lock has no LOCK file.
    if (env->FileExists(lock_path)) LODE_RETURN_IF_ERROR(lock(/*exclusive=*/false));
    LODE_RETURN_IF_ERROR(store->OpenExistingTenants());
    store->opened_ = true;
    return store;
  }
  LODE_RETURN_IF_ERROR(env->CreateDirs(TenantsDir(options.data_dir)));
  LODE_RETURN_IF_ERROR(lock(/*exclusive=*/true));
  LODE_RETURN_IF_ERROR(store->OpenExistingTenants());
  store->flusher_ = std::thread([s = store.get()] { s->FlushLoop(); });
  store->merger_ = std::thread([s = store.get()] { s->MergeLoop(); });
  store->opened_ = true;
  return store;
}

LocalStore::LocalStore(Env* env, LocalStoreOptions options, std::unique_ptr<ReadPool> read_pool)
    : env_(env),
      read_pool_(std::move(read_pool)),
      options_(std::move(options)),
      wal_file_budget_(options_.wal_file_budget > 0 ? options_.wal_file_budget
                                                    : WalFileBudget(OpenFileLimit())) {}

LocalStore::~LocalStore() { (void)Close(); }

Status LocalStore::OpenExistingTenants() {
  std::string dir = TenantsDir(options_.data_dir);
  LODE_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->ListDir(dir));
  for (const std::string& name : names) {
    if (!ValidateTenant(name).ok()) {
      log::Warn("ignoring unexpected entry in tenants directory", {{"name", name}});
      continue;
    }
    LODE_ASSIGN_OR_RETURN(TenantLog * log, GetOrOpenTenant(name));
    (void)log;
  }
  return Status::Ok();
}

Result<TenantLog*> LocalStore::GetOrOpenTenant(const std::string& tenant) {
  LODE_RETURN_IF_ERROR(ValidateTenant(tenant));
  MutexLock lock(mu_);
  if (closed_) return Status::Unavailable("storage is closed");
  auto it = tenants_.find(tenant);
  if (it != tenants_.end()) return it->second.get();
  std::string tenant_dir = JoinPath(TenantsDir(options_.data_dir), tenant);
  const bool existed = env_->FileExists(tenant_dir);
  if (!existed && options_.log.read_only) {
    return Status::NotFound("tenant " + tenant + " has no data");
  }
  TenantLogOptions log_options = options_.log;
  log_options.wal_file_opened = [this] {
    ++wal_file_opens_;
    const size_t open = ++open_wal_files_;
    if (open > wal_file_budget_) RequestFlush();
    return open <= 2 * wal_file_budget_;
  };
  auto log = TenantLog::Open(env_, tenant, tenant_dir, log_options);
  if (!log.ok()) return log.status().WithContext("open tenant " + tenant);
  // A new tenant's directories must be durable before its first durable
  // append is acknowledged, or power loss could unlink its whole log.
  // (One found at start is: no fsyncs for each of thousands of tenants.)
  if (!existed) {
    Status synced = env_->SyncDir(tenant_dir);
    if (synced.ok()) synced = env_->SyncDir(TenantsDir(options_.data_dir));
    if (!synced.ok()) return synced.WithContext("open tenant " + tenant);
  }
  TenantLog* ptr = log->get();
  tenants_.emplace(tenant, std::move(log).value());
  return ptr;
}

TenantLog* LocalStore::FindTenant(const std::string& tenant) const {
  MutexLock lock(mu_);
  auto it = tenants_.find(tenant);
  return it == tenants_.end() ? nullptr : it->second.get();
}

Status LocalStore::Append(const std::string& tenant, const std::vector<StreamBatch>& batches,
                          Durability durability, std::string_view batch_id) {
  Result<TenantLog*> opened = GetOrOpenTenant(tenant);
  if (!opened.ok()) {
    // A new tenant on a full disk: as for any append there, a best-effort
    // one is told to come back later (429), a durable one that the disk
    // is full (507).
    if (opened.status().code() == StatusCode::kNoSpace && durability == Durability::kBestEffort) {
      return Status::RateLimited(opened.status().message());
    }
    return opened.status();
  }
  TenantLog* log = opened.value();
  LODE_RETURN_IF_ERROR(WaitForHeadRoom(*log, durability));
  Status s = log->Append(batches, durability, batch_id);
  // A head past its limit is flushed now rather than at the next tick, so
  // that fast ingest does not run far past it.
  if (s.ok() && log->head_bytes() >= options_.log.max_head_bytes) RequestFlush();
  return s;
}

uint64_t LocalStore::HeadsBytes() const {
  MutexLock lock(mu_);
  uint64_t total = 0;
  for (const auto& [name, log] : tenants_) {
    if (!log->head_flush_failing()) total += log->head_bytes();
  }
  return total;
}

bool LocalStore::HasHeadRoom(const TenantLog& log) const {
  if (options_.max_heads_bytes == 0) return true;
  // A tenant whose flushes fail cannot shrink its head: it is held to the
  // limit on its own and does not count against the others.
  if (log.head_flush_failing() && log.head_bytes() >= options_.max_heads_bytes) return false;
  return HeadsBytes() < options_.max_heads_bytes;
}

Status LocalStore::WaitForHeadRoom(const TenantLog& log, Durability durability) {
  if (HasHeadRoom(log)) return Status::Ok();
  RequestFlush();
  auto refuse = [&] {
    ++appends_refused_;
    if (log.head_flush_out_of_space()) {
      return Status::NoSpace("tenant " + log.tenant() +
                             ": its head is full and the disk has no room to flush it; retry "
                             "once space returns");
    }
    if (log.head_flush_failing()) {
      return Status::Unavailable("tenant " + log.tenant() +
                                 ": its head is full and flushing it to disk fails; retry later");
    }
    return Status::Unavailable("heads hold more than max_heads_bytes (" +
                               std::to_string(options_.max_heads_bytes) +
                               " bytes) while flushing to disk catches up; retry later");
  };
  // Best-effort appends never wait: 429, come back later.
  if (durability == Durability::kBestEffort) return Status::RateLimited(refuse().message());
  // A full disk does not clear by waiting a few seconds: 507 at once.
  if (log.head_flush_out_of_space()) return refuse();
  // Durable appends are slowed, not dropped: the producer waits for the
  // flush, which is the backpressure.
  ++appends_held_;
  auto deadline = std::chrono::steady_clock::now() + options_.head_room_wait;
  for (int i = 1; !HasHeadRoom(log); ++i) {
    {
      MutexLock lock(mu_);
      if (closed_) return Status::Unavailable("storage is closed");
    }
    if (std::chrono::steady_clock::now() >= deadline) return refuse();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    // Other appends may refill what a flush freed: ask again now and then.
    if (i % 20 == 0) RequestFlush();
  }
  return Status::Ok();
}

void LocalStore::RelieveHeads(const std::vector<TenantLog*>& logs) {
  if (options_.max_heads_bytes == 0) return;
  std::vector<std::pair<uint64_t, TenantLog*>> by_size;
  uint64_t total = 0;
  for (TenantLog* log : logs) {
    if (log->head_flush_failing()) continue;
    uint64_t bytes = log->head_bytes();
    total += bytes;
    by_size.emplace_back(bytes, log);
  }
  std::sort(by_size.begin(), by_size.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [bytes, log] : by_size) {
    if (total < options_.max_heads_bytes / 2) break;
    (void)log->MaybeFlushHead(/*force=*/true);  // errors are logged by the tenant
    total -= bytes;
  }
}

Result<std::unique_ptr<RecordIterator>> LocalStore::Select(const SelectRequest& request) {
  LODE_RETURN_IF_ERROR(ValidateTenant(request.tenant));
  TenantLog* log = FindTenant(request.tenant);
  if (log == nullptr) {
    return std::unique_ptr<RecordIterator>(new EmptyRecordIterator());
  }
  return log->Select(request);
}

Result<std::vector<SeriesInfo>> LocalStore::Series(const SeriesRequest& request) {
  LODE_RETURN_IF_ERROR(ValidateTenant(request.tenant));
  TenantLog* log = FindTenant(request.tenant);
  if (log == nullptr) return std::vector<SeriesInfo>{};
  return log->Series(request);
}

Status LocalStore::ScanTimestamps(const SelectRequest& request,
                                  const std::function<void(const TimestampRun&)>& fn) {
  LODE_RETURN_IF_ERROR(ValidateTenant(request.tenant));
  TenantLog* log = FindTenant(request.tenant);
  if (log == nullptr) return Status::Ok();
  return log->ScanTimestamps(request, fn);
}

Result<std::vector<AuditChain>> LocalStore::AuditChains(const std::string& tenant) {
  LODE_RETURN_IF_ERROR(ValidateTenant(tenant));
  TenantLog* log = FindTenant(tenant);
  if (log == nullptr) return std::vector<AuditChain>{};
  // Taken before the sync, so every record they count is synced by it.
  std::vector<AuditChain> chains = log->AuditChains();
  LODE_RETURN_IF_ERROR(log->Flush());
  return chains;
}

std::vector<std::string> LocalStore::Tenants() const {
  MutexLock lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, log] : tenants_) names.push_back(name);
  return names;
}

Status LocalStore::Flush() {
  std::vector<TenantLog*> logs;
  {
    MutexLock lock(mu_);
    for (auto& [name, log] : tenants_) logs.push_back(log.get());
  }
  Status first;
  for (TenantLog* log : logs) {
    if (stopping_.load()) break;  // Close syncs every tenant itself
    Status s = log->Flush();
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

void LocalStore::CloseSpareWalFiles() {
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  const int64_t idle_since =
      now - std::chrono::duration_cast<std::chrono::nanoseconds>(options_.wal_idle_close).count();
  std::vector<std::pair<int64_t, TenantLog*>> open;  // (last write, log)
  // Every file open is counted: a log's own file if it was open when
  // looked at, and any opened since `opens_before`, whether or not its
  // log was looked at after it (then it counts twice, which only closes
  // files a little early). The tenants are listed after that read, so
  // that a tenant opened since the flush began is looked at too.
  const size_t opens_before = wal_file_opens_.load();
  std::vector<TenantLog*> logs;
  {
    MutexLock lock(mu_);
    for (auto& [name, log] : tenants_) logs.push_back(log.get());
  }
  for (TenantLog* log : logs) {
    if (!log->wal_file_open()) continue;
    if (log->last_wal_write() <= idle_since && log->CloseWalFile()) continue;
    open.emplace_back(log->last_wal_write(), log);
  }
  // Over the budget: the least recently written go down to half of it,
  // so that a stream of new tenants does not wake this for every one.
  if (open.size() > wal_file_budget_) {
    std::sort(open.begin(), open.end());
    size_t still_open = open.size();
    for (const auto& [written, log] : open) {
      if (still_open <= wal_file_budget_ / 2) break;
      if (log->CloseWalFile()) --still_open;
    }
    open_wal_files_ = still_open + (wal_file_opens_.load() - opens_before);
  } else {
    open_wal_files_ = open.size() + (wal_file_opens_.load() - opens_before);
  }
}

void LocalStore::RequestFlush() {
  {
    MutexLock lock(mu_);
    flush_requested_ = true;
  }
  flush_cv_.SignalAll();
}

void LocalStore::EveryInterval(const std::function<void(const std::vector<TenantLog*>&)>& work,
                               bool* requested) {
  MutexLock lock(mu_);
  while (!closed_) {
    // A request made while `work` ran is not lost: the flag stays set.
    const auto deadline = std::chrono::steady_clock::now() + options_.flush_interval;
    while (!closed_ && !(requested != nullptr && *requested)) {
      if (flush_cv_.WaitUntil(deadline)) break;  // the interval is up
    }
    if (requested != nullptr) *requested = false;
    if (closed_) break;
    std::vector<TenantLog*> logs;
    for (auto& [name, log] : tenants_) logs.push_back(log.get());
    lock.Unlock();
    work(logs);
    lock.Lock();
  }
}

void LocalStore::FlushLoop() {
  EveryInterval(
      [this](const std::vector<TenantLog*>& logs) {
        Status s = Flush();
        if (!s.ok()) log::Error("background flush failed", {{"err", s.ToString()}});
        for (TenantLog* log : logs) {
          // A stop flushes and syncs what is left itself, within its time.
          if (stopping_.load()) return;
          // Errors are logged by the tenant; its records stay in memory and WAL.
          // A head whose flush failed is retried whole once its backoff
          // has passed, due or not: it is excluded from RelieveHeads.
          if (!log->flush_backing_off()) (void)log->MaybeFlushHead(log->head_flush_failing());
        }
        RelieveHeads(logs);
        CloseSpareWalFiles();
        for (TenantLog* log : logs) {
          if (stopping_.load()) return;
          LocalStoreOptions::Retention retention{options_.retention_period,
                                                 options_.retention_bytes};
          auto special = options_.tenant_retention.find(log->tenant());
          if (special != options_.tenant_retention.end()) retention = special->second;
          if (retention.period.count() > 0 || retention.bytes > 0) {
            PartSet::Removed removed =
                log->ApplyRetention(retention.period.count(), retention.bytes);
            retention_parts_ += removed.parts;
            retention_bytes_ += removed.bytes;
          }
        }
      },
      &flush_requested_);
}

void LocalStore::MergeLoop() {
  // Merges run on their own thread so that a long merge never delays
  // fsyncs or head flushes.
  EveryInterval([this](const std::vector<TenantLog*>& logs) {
    for (TenantLog* log : logs) {
      while (!stopping_.load()) {
        merging_.store(true);
        auto merged = log->MaybeMergeParts(&stopping_);
        merging_.store(false);
        if (!merged.ok() || !*merged) break;
      }
    }
  });
}

Status LocalStore::Close() {
  {
    MutexLock lock(mu_);
    if (closed_) return Status::Ok();
    closed_ = true;
  }
  const auto start = std::chrono::steady_clock::now();
  stopping_ = true;  // a merge in progress is abandoned, not waited for
  flush_cv_.SignalAll();
  if (flusher_.joinable()) flusher_.join();
  if (merger_.joinable()) merger_.join();
  const auto joined = std::chrono::steady_clock::now();
  Status first;
  // No tenant is added once closed_ is set, so the map can be read without
  // the lock, and must be: a tenant's close may call back into the store
  // (TenantLogOptions::wal_file_opened).
  std::vector<TenantLog*> logs;
  {
    MutexLock lock(mu_);
    for (auto& [name, log] : tenants_) logs.push_back(log.get());
  }
  // When all heads together are small, the last flushes compress as cold
  // compaction does: a few seconds of a core at most, and a small store
  // is at its smallest from the restart on.
  uint64_t heads = 0;
  std::vector<std::pair<uint64_t, TenantLog*>> by_head;  // (head bytes, log)
  for (TenantLog* log : logs) {
    by_head.emplace_back(log->head_bytes(), log);
    heads += by_head.back().first;
  }
  const int level = heads <= options_.log.small_day_raw_bytes ? options_.log.cold_zstd_level : 0;
  // Heads are flushed, largest first, while close_flush_time lasts; the
  // rest stay in their (synced) WALs for the next start to replay. A
  // part costs several fsyncs, and a stop must not take minutes for
  // thousands of tenants with a line or two each.
  std::sort(by_head.begin(), by_head.end(), [](const auto& a, const auto& b) { return a > b; });
  //
  // Tenants close on several threads: each close ends in an fsync or
  // more, which wait on the disk, not a core, and the disk serves several
  // at once.
  const auto deadline = std::chrono::steady_clock::now() + options_.close_flush_time;
  std::atomic<size_t> next{0}, flushed{0}, left{0};
  Mutex first_mu;
  auto close_some = [&] {
    for (size_t i = next++; i < by_head.size(); i = next++) {
      const auto& [bytes, log] = by_head[i];
      const bool flush_head = bytes > 0 && std::chrono::steady_clock::now() < deadline;
      (flush_head ? flushed : left) += bytes > 0;
      Status s = log->Close(level, flush_head);
      MutexLock lock(first_mu);
      if (!s.ok() && first.ok()) first = s;
    }
  };
  std::vector<std::thread> closers(std::min<size_t>(kCloseThreads, by_head.size()));
  for (std::thread& t : closers) t = std::thread(close_some);
  for (std::thread& t : closers) t.join();
  auto ms = [](auto d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  // A store whose open failed was never open: nothing to report.
  if (opened_) {
    log::Info("store closed", {{"tenants", std::to_string(logs.size())},
                               {"heads_flushed", std::to_string(flushed.load())},
                               {"heads_left_in_wal", std::to_string(left.load())},
                               {"background_stop_ms", ms(joined - start)},
                               {"close_ms", ms(std::chrono::steady_clock::now() - joined)}});
  }
  dir_lock_.reset();
  return first;
}

uint64_t LocalStore::record_count() const {
  MutexLock lock(mu_);
  uint64_t n = 0;
  for (const auto& [name, log] : tenants_) n += log->record_count();
  return n;
}

StorageStats LocalStore::Stats() const {
  MutexLock lock(mu_);
  StorageStats total;
  for (const auto& [name, log] : tenants_) total.Add(log->Stats());
  total.retention_removed_parts = retention_parts_.load();
  total.retention_removed_bytes = retention_bytes_.load();
  total.merges_running = merging_.load() ? 1 : 0;
  total.appends_held = appends_held_.load();
  total.appends_refused = appends_refused_.load();
  return total;
}

}  // namespace lode
