#include "storage/part_set.h"

#include <algorithm>
#include <set>

#include "base/log.h"
#include "base/time.h"
#include "storage/part_merge.h"

namespace lode {
namespace {

// Before a published part's file is removed: a snapshot taken earlier may
// still read it, and its descriptor may have been closed for other files
// (OpenFileCache), so it is held open until the last reader lets go.
// Nobody reads it when the caller's list holds the only reference left
// (the part set has let it go): nothing to hold then.
void KeepOpenWhileRead(const std::shared_ptr<const LocalPart>& part) {
  if (part.use_count() <= 1) return;
  Status s = part->reader().KeepFileOpen();
  if (!s.ok())
    log::Error("cannot hold a removed part open for its readers", {{"err", s.message()}});
}

constexpr std::string_view kPartSuffix = ".part";

bool ParsePartName(std::string_view name, uint64_t& seq) {
  if (name.size() <= kPartSuffix.size() || !name.ends_with(kPartSuffix)) return false;
  std::string_view digits = name.substr(0, name.size() - kPartSuffix.size());
  if (digits.size() > 19) return false;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  seq = v;
  return true;
}

bool BySeq(const std::shared_ptr<const LocalPart>& a, const std::shared_ptr<const LocalPart>& b) {
  return a->seq() < b->seq();
}

std::string PartFileName(uint64_t seq) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%010llu.part", static_cast<unsigned long long>(seq));
  return buf;
}

}  // namespace

std::string DayDirName(int64_t day) {
  return FormatRfc3339Nano(day * 86400LL * kNanosPerSecond).substr(0, 10);
}

Result<std::unique_ptr<PartSet>> PartSet::Open(Env* env, std::string tenant, std::string dir,
                                               uint64_t checkpoint, bool read_only) {
  std::unique_ptr<PartSet> set(new PartSet(env, std::move(tenant), std::move(dir)));
  // Not shared yet: the lock is uncontended, and holding it lets the
  // compiler check the accesses below.
  MutexLock lock(set->mu_);
  // Read-only: what recovery would remove is passed over instead.
  if (read_only && !env->FileExists(set->dir_)) return set;
  if (!read_only) LODE_RETURN_IF_ERROR(env->CreateDirs(set->dir_));
  LODE_ASSIGN_OR_RETURN(std::vector<std::string> days, env->ListDir(set->dir_));
  for (const std::string& day : days) {
    std::string day_dir = JoinPath(set->dir_, day);
    auto names = env->ListDir(day_dir);
    if (!names.ok()) continue;  // not a directory
    for (const std::string& name : *names) {
      std::string path = JoinPath(day_dir, name);
      if (name.ends_with(".tmp")) {
        if (!read_only) LODE_RETURN_IF_ERROR(env->RemoveFile(path));
        continue;
      }
      uint64_t seq;
      if (!ParsePartName(name, seq)) continue;
      set->next_seq_ = std::max(set->next_seq_, seq + 1);
      auto reader = part::PartReader::Open(env, path);
      if (!reader.ok()) {
        log::Error("cannot open part; skipping it",
                   {{"tenant", set->tenant_}, {"file", path}, {"err", reader.status().message()}});
        continue;
      }
      if ((*reader)->meta().wal_checkpoint > checkpoint) {
        // Written by a flush that crashed before its checkpoint: the WAL
        // still holds these records and will replay them.
        if (read_only) continue;
        log::Info("removing part of an unfinished flush",
                  {{"tenant", set->tenant_}, {"file", path}});
        LODE_RETURN_IF_ERROR(env->RemoveFile(path));
        continue;
      }
      set->parts_.push_back(set->Adopt(seq, std::move(*reader)));
    }
  }
  std::sort(set->parts_.begin(), set->parts_.end(), BySeq);
  // A merge that died after publishing its output but before deleting its
  // inputs left both: the output's list says which inputs to delete.
  std::set<uint64_t> replaced;
  for (const auto& p : set->parts_) {
    replaced.insert(p->meta().replaces.begin(), p->meta().replaces.end());
  }
  std::erase_if(set->parts_, [&](const auto& p) {
    if (!replaced.count(p->seq())) return false;
    if (read_only) return true;
    log::Info("removing part replaced by a merge", {{"tenant", set->tenant_}, {"file", p->path()}});
    (void)env->RemoveFile(p->path());
    return true;
  });
  return set;
}

std::shared_ptr<const LocalPart> PartSet::Adopt(uint64_t seq,
                                                std::unique_ptr<part::PartReader> reader) {
  std::vector<uint32_t> ids = stream_index_.InternAll(reader->streams());
  return std::make_shared<const LocalPart>(seq, std::move(reader), std::move(ids));
}

Result<std::vector<std::shared_ptr<const LocalPart>>> PartSet::Write(
    const std::map<int64_t, std::vector<part::StreamRecords>>& days, uint64_t wal_checkpoint,
    const part::PartWriterOptions& options) {
  std::vector<std::shared_ptr<const LocalPart>> written;
  for (const auto& [day, streams] : days) {
    uint64_t seq;
    {
      MutexLock lock(mu_);
      seq = next_seq_++;
    }
    std::string day_dir = JoinPath(dir_, DayDirName(day));
    if (!env_->FileExists(day_dir)) {
      LODE_RETURN_IF_ERROR(env_->CreateDirs(day_dir));
      LODE_RETURN_IF_ERROR(env_->SyncDir(dir_));
    }
    std::string path = JoinPath(day_dir, PartFileName(seq));
    Status s = part::WritePart(env_, path, streams, wal_checkpoint, options);
    Result<std::unique_ptr<part::PartReader>> reader =
        s.ok() ? part::PartReader::Open(env_, path) : Result<std::unique_ptr<part::PartReader>>(s);
    if (!reader.ok()) {
      Discard(written);
      if (env_->FileExists(path)) (void)env_->RemoveFile(path);
      return reader.status();
    }
    written.push_back(Adopt(seq, std::move(*reader)));
  }
  return written;
}

void PartSet::Publish(std::vector<std::shared_ptr<const LocalPart>> parts) {
  MutexLock lock(mu_);
  for (auto& p : parts) {
    flush_bytes_ += p->file_size();
    parts_.push_back(std::move(p));
  }
}

Result<bool> PartSet::MaybeMerge(size_t min_parts, size_t max_parts,
                                 const part::PartWriterOptions& options,
                                 const std::atomic<bool>* cancel) {
  for (auto& [day_dir, day_parts] : PartsByDay()) {
    std::vector<std::shared_ptr<const LocalPart>> inputs =
        PickMergeInputs(std::move(day_parts), min_parts, max_parts);
    if (inputs.empty()) continue;
    LODE_RETURN_IF_ERROR(MergeAndPublish(day_dir, inputs, options, cancel));
    return true;
  }
  return false;
}

Result<bool> PartSet::MaybeCompactCold(TimestampNs older_than, TimestampNs small_older_than,
                                       uint64_t small_raw_bytes, size_t max_parts,
                                       const part::PartWriterOptions& options,
                                       const std::atomic<bool>* cancel) {
  for (auto& [day_dir, day_parts] : PartsByDay()) {
    uint64_t raw_bytes = 0;
    for (const auto& p : day_parts) {
      for (const part::BlockMeta& b : p->blocks()) raw_bytes += b.raw_size;
    }
    const TimestampNs before = raw_bytes <= small_raw_bytes ? small_older_than : older_than;
    const bool all_old = std::all_of(day_parts.begin(), day_parts.end(),
                                     [&](const auto& p) { return p->meta().max_time < before; });
    if (!all_old) continue;
    if (day_parts.size() == 1 && (day_parts[0]->meta().flags & part::kPartFlagCold) != 0) continue;
    std::sort(day_parts.begin(), day_parts.end(),
              [](const auto& a, const auto& b) { return a->seq() < b->seq(); });
    if (day_parts.size() > max_parts) day_parts.resize(max_parts);
    LODE_RETURN_IF_ERROR(MergeAndPublish(day_dir, day_parts, options, cancel));
    MutexLock lock(mu_);
    ++cold_compactions_;
    return true;
  }
  return false;
}

std::map<std::string, std::vector<std::shared_ptr<const LocalPart>>> PartSet::PartsByDay() const {
  std::map<std::string, std::vector<std::shared_ptr<const LocalPart>>> by_day;
  std::vector<std::shared_ptr<const LocalPart>> parts;
  {
    MutexLock lock(mu_);
    parts = parts_;
  }
  for (auto& p : parts) {
    const std::string& path = p->path();
    by_day[path.substr(0, path.rfind('/'))].push_back(std::move(p));
  }
  return by_day;
}

Status PartSet::MergeAndPublish(const std::string& day_dir,
                                const std::vector<std::shared_ptr<const LocalPart>>& inputs,
                                const part::PartWriterOptions& options,
                                const std::atomic<bool>* cancel) {
  uint64_t seq;
  {
    MutexLock lock(mu_);
    seq = next_seq_++;
  }
  std::string path = JoinPath(day_dir, PartFileName(seq));
  LODE_RETURN_IF_ERROR(MergeParts(env_, inputs, path, options, cancel).WithContext("merge"));
  auto reader = part::PartReader::Open(env_, path);
  if (!reader.ok()) {
    (void)env_->RemoveFile(path);
    return reader.status().WithContext("merge");
  }
  std::shared_ptr<const LocalPart> merged = Adopt(seq, std::move(*reader));
  std::set<uint64_t> input_seqs;
  for (const auto& p : inputs) input_seqs.insert(p->seq());
  bool inputs_gone = false;
  {
    // Swap inputs for the output in one step: a reader's snapshot has
    // either all inputs or the output.
    MutexLock lock(mu_);
    // Retention may have deleted an input while the output was written:
    // publishing it would bring those records back. It is dropped.
    size_t present = 0;
    for (const auto& p : parts_) present += input_seqs.count(p->seq());
    inputs_gone = present != input_seqs.size();
    if (!inputs_gone) {
      std::erase_if(parts_, [&](const auto& p) { return input_seqs.count(p->seq()) > 0; });
      parts_.push_back(merged);
      std::sort(parts_.begin(), parts_.end(), BySeq);
      ++merges_;
      merge_bytes_ += merged->file_size();
    }
  }
  if (inputs_gone) {
    merged.reset();
    (void)env_->RemoveFile(path);
    log::Info("merge dropped: an input was removed meanwhile",
              {{"tenant", tenant_}, {"output", path}});
    return Status::Ok();
  }
  for (const auto& p : inputs) {
    KeepOpenWhileRead(p);
    Status s = env_->RemoveFile(p->path());
    if (!s.ok()) log::Error("cannot remove merged part", {{"err", s.message()}});
  }
  log::Debug("merged parts",
             {{"tenant", tenant_}, {"inputs", std::to_string(inputs.size())}, {"output", path}});
  return Status::Ok();
}

uint64_t PartSet::cold_compactions() const {
  MutexLock lock(mu_);
  return cold_compactions_;
}

uint64_t PartSet::merges() const {
  MutexLock lock(mu_);
  return merges_;
}

uint64_t PartSet::merge_bytes_written() const {
  MutexLock lock(mu_);
  return merge_bytes_;
}

uint64_t PartSet::flush_bytes_written() const {
  MutexLock lock(mu_);
  return flush_bytes_;
}

PartSet::Removed PartSet::ApplyRetention(TimestampNs min_time, uint64_t max_bytes) {
  return RemoveParts(TakeExpired(min_time, max_bytes));
}

std::vector<std::shared_ptr<const LocalPart>> PartSet::TakeExpired(TimestampNs min_time,
                                                                   uint64_t max_bytes) {
  return Unpublish(Expired(min_time, max_bytes));
}

std::vector<std::shared_ptr<const LocalPart>> PartSet::Expired(TimestampNs min_time,
                                                               uint64_t max_bytes) const {
  std::vector<std::shared_ptr<const LocalPart>> doomed, keep;
  MutexLock lock(mu_);
  for (const auto& p : parts_) {
    (p->meta().max_time < min_time ? doomed : keep).push_back(p);
  }
  if (max_bytes > 0) {
    uint64_t total = 0;
    for (const auto& p : keep) total += p->file_size();
    // Oldest data first: by newest record, then by sequence.
    std::sort(keep.begin(), keep.end(), [](const auto& a, const auto& b) {
      return std::pair(a->meta().max_time, a->seq()) < std::pair(b->meta().max_time, b->seq());
    });
    for (size_t i = 0; i < keep.size() && total > max_bytes; ++i) {
      total -= keep[i]->file_size();
      doomed.push_back(keep[i]);
    }
  }
  return doomed;
}

std::vector<std::shared_ptr<const LocalPart>> PartSet::Unpublish(
    const std::vector<std::shared_ptr<const LocalPart>>& parts) {
  std::set<const LocalPart*> wanted;
  for (const auto& p : parts) wanted.insert(p.get());
  std::vector<std::shared_ptr<const LocalPart>> taken, keep;
  MutexLock lock(mu_);
  for (auto& p : parts_) (wanted.count(p.get()) ? taken : keep).push_back(std::move(p));
  parts_ = std::move(keep);
  return taken;
}

void PartSet::Restore(std::vector<std::shared_ptr<const LocalPart>> parts) {
  MutexLock lock(mu_);
  for (auto& p : parts) parts_.push_back(std::move(p));
  std::sort(parts_.begin(), parts_.end(), BySeq);
}

PartSet::Removed PartSet::RemoveParts(const std::vector<std::shared_ptr<const LocalPart>>& doomed) {
  Removed removed;
  for (const auto& p : doomed) {
    const std::string& path = p->path();
    KeepOpenWhileRead(p);
    Status s = env_->RemoveFile(path);
    if (!s.ok()) {
      log::Error("retention cannot remove part", {{"tenant", tenant_}, {"err", s.message()}});
      continue;
    }
    ++removed.parts;
    removed.bytes += p->file_size();
    removed.records += p->meta().records;
    log::Info(
        "retention removed part",
        {{"tenant", tenant_}, {"file", path}, {"records", std::to_string(p->meta().records)}});
    // The day's directory goes with its last part.
    std::string day_dir = path.substr(0, path.rfind('/'));
    auto left = env_->ListDir(day_dir);
    if (left.ok() && left->empty()) (void)env_->RemoveDir(day_dir);
  }
  return removed;
}

void PartSet::Discard(const std::vector<std::shared_ptr<const LocalPart>>& parts) {
  for (const auto& p : parts) {
    Status s = env_->RemoveFile(p->path());
    if (!s.ok()) log::Error("cannot remove unpublished part", {{"err", s.message()}});
  }
}

std::vector<std::shared_ptr<const ReadablePart>> PartSet::Snapshot() const {
  MutexLock lock(mu_);
  return {parts_.begin(), parts_.end()};
}

uint64_t PartSet::record_count() const {
  MutexLock lock(mu_);
  uint64_t n = 0;
  for (const auto& p : parts_) n += p->meta().records;
  return n;
}

size_t PartSet::part_count() const {
  MutexLock lock(mu_);
  return parts_.size();
}

uint64_t PartSet::disk_bytes() const {
  MutexLock lock(mu_);
  uint64_t total = 0;
  for (const auto& p : parts_) total += p->file_size();
  return total;
}

void PartSet::CountCorruptBlock() {
  MutexLock lock(mu_);
  ++corrupt_blocks_;
}

uint64_t PartSet::corrupt_blocks() const {
  MutexLock lock(mu_);
  return corrupt_blocks_;
}

}  // namespace lode
