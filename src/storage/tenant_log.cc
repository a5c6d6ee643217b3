#include "storage/tenant_log.h"

#include <xxhash.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_set>

#include "base/coding.h"
#include "base/log.h"
#include "base/time.h"
#include "storage/checkpoint.h"
#include "storage/merge_iterator.h"
#include "storage/wal/batch_codec.h"
#include "storage/wal/wal_reader.h"

namespace lode {
namespace {

constexpr uint64_t kFlushingSource = ~uint64_t{0} - 1;
constexpr uint64_t kHeadSource = ~uint64_t{0};

// Splits a kBatchWithId payload into its id and batch payload.
bool SplitBatchWithId(std::string_view payload, std::string_view& id, std::string_view& batch) {
  Decoder d(payload);
  id = d.LengthPrefixed();
  if (!d.ok()) return false;
  batch = payload.substr(d.position());
  return true;
}

// The de-duplication keys of the batches' records that carry a record id
// (under the first of `names` present in their metadata); a record
// repeating an earlier one's key in the same call gets an empty key.
struct RecordKey {
  size_t batch;
  size_t entry;
  std::string key;
};

std::vector<RecordKey> RecordKeys(const std::vector<StreamBatch>& batches,
                                  const std::vector<std::string>& names) {
  std::vector<RecordKey> keys;
  if (names.empty()) return keys;
  std::unordered_set<std::string> seen;
  for (size_t b = 0; b < batches.size(); ++b) {
    std::string stream;  // the stream's canonical form, once it is needed
    const auto& entries = batches[b].entries;
    for (size_t e = 0; e < entries.size(); ++e) {
      if (entries[e].metadata.empty()) continue;
      std::string_view id;
      for (const std::string& name : names) {
        id = entries[e].metadata.Get(name);
        if (!id.empty()) break;
      }
      if (id.empty()) continue;
      if (stream.empty()) stream = batches[b].labels.ToString();
      // A digest of (stream, id): ids are compared within their stream, and
      // memory does not grow with the ids' length.
      std::string keyed = stream;
      keyed += '\xff';
      keyed += id;
      XXH128_canonical_t digest;
      XXH128_canonicalFromHash(&digest, XXH3_128bits(keyed.data(), keyed.size()));
      std::string key(reinterpret_cast<const char*>(digest.digest), sizeof(digest.digest));
      if (!seen.insert(key).second) key.clear();
      keys.push_back(RecordKey{b, e, std::move(key)});
    }
  }
  return keys;
}

// The batches less the records marked in `dropped` (indexes into `keys`);
// streams left with no records are left out.
std::vector<StreamBatch> WithoutRecords(const std::vector<StreamBatch>& batches,
                                        const std::vector<RecordKey>& keys,
                                        const std::vector<char>& dropped) {
  std::vector<std::vector<char>> drop(batches.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!dropped[i]) continue;
    auto& mask = drop[keys[i].batch];
    if (mask.empty()) mask.resize(batches[keys[i].batch].entries.size());
    mask[keys[i].entry] = 1;
  }
  std::vector<StreamBatch> out;
  for (size_t b = 0; b < batches.size(); ++b) {
    if (drop[b].empty()) {
      out.push_back(batches[b]);
      continue;
    }
    StreamBatch kept{batches[b].labels, {}};
    for (size_t e = 0; e < batches[b].entries.size(); ++e) {
      if (!drop[b][e]) kept.entries.push_back(batches[b].entries[e]);
    }
    if (!kept.entries.empty()) out.push_back(std::move(kept));
  }
  return out;
}

}  // namespace

TenantLog::TenantLog(Env* env, std::string tenant, std::string dir, const TenantLogOptions& options)
    : env_(env),
      tenant_(std::move(tenant)),
      dir_(std::move(dir)),
      options_(options),
      head_(std::make_unique<Head>()),
      recent_batches_(options.batch_ids),
      recent_records_(options.record_ids) {}

std::string TenantLog::WalDir() const { return JoinPath(dir_, "wal"); }
std::string TenantLog::CheckpointPath() const { return JoinPath(dir_, "checkpoint"); }

Result<std::unique_ptr<TenantLog>> TenantLog::Open(Env* env, std::string tenant, std::string dir,
                                                   const TenantLogOptions& options) {
  std::unique_ptr<TenantLog> log(new TenantLog(env, std::move(tenant), std::move(dir), options));
  LODE_RETURN_IF_ERROR(env->CreateDirs(log->WalDir()));
  LODE_ASSIGN_OR_RETURN(Checkpoint checkpoint, ReadCheckpoint(env, log->CheckpointPath()));
  log->checkpoint_ = checkpoint.wal_checkpoint;
  for (const auto& [id, when] : checkpoint.batch_ids) log->recent_batches_.Add(id, 0, when);
  for (const auto& [key, when] : checkpoint.record_ids) log->recent_records_.Add(key, 0, when);
  LODE_ASSIGN_OR_RETURN(log->parts_, PartSet::Open(env, log->tenant_, JoinPath(log->dir_, "parts"),
                                                   log->checkpoint_));
  log->part_records_ = log->parts_->record_count();
  uint64_t next_segment = log->checkpoint_ + 1;
  LODE_RETURN_IF_ERROR(log->Recover(next_segment));
  LODE_ASSIGN_OR_RETURN(log->wal_, wal::WalWriter::Open(env, log->WalDir(), next_segment,
                                                        options.segment_size_limit));
  return log;
}

Status TenantLog::Recover(uint64_t& next_segment) {
  LODE_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->ListDir(WalDir()));
  std::vector<uint64_t> segments;
  for (const std::string& name : names) {
    uint64_t index;
    if (wal::ParseSegmentFileName(name, index)) segments.push_back(index);
  }
  std::sort(segments.begin(), segments.end());
  std::lock_guard lock(mu_);
  for (uint64_t index : segments) {
    std::string path = JoinPath(WalDir(), wal::SegmentFileName(index));
    next_segment = std::max(next_segment, index + 1);
    if (index <= checkpoint_) {
      // Already in parts: the flush that wrote them crashed before
      // deleting its segments.
      LODE_RETURN_IF_ERROR(env_->RemoveFile(path));
      continue;
    }
    LODE_ASSIGN_OR_RETURN(std::string data, env_->ReadFile(path));
    auto scan =
        wal::ScanSegment(data, [&](wal::FrameType type, std::string_view payload) -> Status {
          if (type == wal::FrameType::kBatchWithId) {
            std::string_view id;
            if (!SplitBatchWithId(payload, id, payload)) {
              return Status::Corruption("malformed batch id");
            }
            // Replayed batches are durable; their original time is unknown, so
            // the window restarts now.
            recent_batches_.Add(std::string(id), 0, NowNanos());
          }
          auto batches = wal::DecodeBatches(payload);
          if (!batches.ok()) return batches.status();
          RememberRecordIds(*batches);
          head_->Insert(*batches);
          return Status::Ok();
        });
    if (!scan.ok()) {
      // A frame whose checksum holds but whose payload does not decode was
      // written by a broken writer; refuse to guess.
      return scan.status().WithContext("replay " + path);
    }
    if (!scan->clean()) {
      uint64_t lost = scan->total_bytes - scan->valid_bytes;
      // Keep the damaged bytes beside the segment for inspection before
      // cutting them off, so recovery never destroys evidence.
      std::string aside = path + ".corrupt-" + std::to_string(scan->valid_bytes);
      Status saved = env_->WriteFileAtomic(aside, std::string_view(data).substr(scan->valid_bytes));
      log::Warn("wal segment has a torn or corrupt tail; truncating",
                {{"tenant", tenant_},
                 {"file", path},
                 {"offset", std::to_string(scan->valid_bytes)},
                 {"dropped_bytes", std::to_string(lost)},
                 {"reason", scan->stop_reason},
                 {"saved_to", saved.ok() ? aside : "(failed: " + saved.message() + ")"}});
      LODE_RETURN_IF_ERROR(env_->TruncateFile(path, scan->valid_bytes));
    }
  }
  if (head_->records() > 0) {
    log::Info("wal replayed", {{"tenant", tenant_},
                               {"segments", std::to_string(segments.size())},
                               {"records", std::to_string(head_->records())}});
  }
  return Status::Ok();
}

void TenantLog::RememberRecordIds(const std::vector<StreamBatch>& batches) {
  for (RecordKey& k : RecordKeys(batches, options_.record_id_keys)) {
    if (!k.key.empty()) recent_records_.Add(k.key, 0, NowNanos());
  }
}

Status TenantLog::Append(const std::vector<StreamBatch>& input, Durability durability,
                         std::string_view batch_id) {
  // Records that repeat a record id, earlier in this call or already
  // stored, are left out; `batches` is what remains.
  const std::vector<RecordKey> keys = RecordKeys(input, options_.record_id_keys);
  std::vector<char> dropped(keys.size());
  size_t duplicates = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].key.empty()) dropped[i] = 1, ++duplicates;
  }
  std::vector<StreamBatch> kept;
  const std::vector<StreamBatch>* batches = &input;
  if (duplicates > 0) {
    kept = WithoutRecords(input, keys, dropped);
    batches = &kept;
  }
  // The frame of the latest original of a duplicate: a durable append
  // waits for it to be synced too.
  uint64_t original_frame = 0;
  uint64_t my_frame = 0;
  bool spill = false;
  for (bool rebuild = false;; rebuild = true) {
    if (rebuild) {
      kept = WithoutRecords(input, keys, dropped);
      batches = &kept;
    }
    const bool nothing_left = duplicates > 0 && batches->empty();
    // The payload is encoded straight into its frame.
    std::string frame;
    if (!nothing_left) {
      const size_t frame_start = wal::WalWriter::BeginFrame(frame);
      if (!batch_id.empty()) PutLengthPrefixed(frame, batch_id);
      wal::EncodeBatches(frame, *batches);
      const size_t payload_size = frame.size() - frame_start - wal::kFrameHeaderSize;
      if (payload_size > wal::kMaxPayloadSize) {
        return Status::InvalidArgument("batch of " + std::to_string(payload_size) +
                                       " bytes exceeds the limit of " +
                                       std::to_string(wal::kMaxPayloadSize));
      }
      wal::WalWriter::FinishFrame(
          frame, frame_start,
          batch_id.empty() ? wal::FrameType::kBatch : wal::FrameType::kBatchWithId);
    }
    std::lock_guard lock(mu_);
    if (!failed_.ok()) return failed_;
    std::optional<uint64_t> original;
    if (!batch_id.empty()) original = recent_batches_.Find(std::string(batch_id));
    if (original) {
      // A retry: store nothing. A durable retry still waits below for the
      // original's frame to be synced (0: it came from disk).
      if (durability == Durability::kBestEffort || *original <= synced_frames_) {
        return Status::Ok();
      }
      my_frame = *original;
      break;
    }
    bool found_more = false;  // then the loop goes round again
    for (size_t i = 0; i < keys.size(); ++i) {
      if (dropped[i]) continue;
      if (auto f = recent_records_.Find(keys[i].key)) {
        dropped[i] = 1;
        ++duplicates;
        original_frame = std::max(original_frame, *f);
        found_more = true;
      }
    }
    if (found_more) continue;  // re-encoded without them, outside the lock
    const int64_t now = NowNanos();
    duplicate_records_ += duplicates;
    if (!nothing_left) {
      if (pending_.empty()) {
        pending_.swap(frame);
      } else {
        pending_ += frame;
      }
      my_frame = ++appended_frames_;
      spill = pending_.size() > options_.max_pending_bytes;
      // The records join the head together with their frame, so a head
      // flush (which swaps the head and takes the pending frames at once)
      // always finds a record's frame in the segments it covers.
      head_->Insert(*batches);
      for (size_t i = 0; i < keys.size(); ++i) {
        if (!dropped[i]) recent_records_.Add(keys[i].key, my_frame, now);
      }
      if (!keys.empty()) recent_records_.Prune(now);
    }
    my_frame = std::max(my_frame, original_frame);
    if (!batch_id.empty()) {
      recent_batches_.Add(std::string(batch_id), my_frame, now);
      recent_batches_.Prune(now);
    }
    break;
  }
  if (my_frame == 0) return Status::Ok();  // nothing stored, nothing to wait for
  if (durability == Durability::kBestEffort) {
    return spill ? WritePending(/*sync=*/false) : Status::Ok();
  }
  // Group commit: if someone else's fsync already covered this frame,
  // WritePending finds nothing to do.
  Status s = WritePending(/*sync=*/true);
  std::lock_guard lock(mu_);
  if (synced_frames_ < my_frame) {
    return s.ok() ? Status::IOError("wal sync did not cover the append") : s;
  }
  return Status::Ok();
}

Status TenantLog::WritePending(bool sync, uint64_t* rolled_segment) {
  std::lock_guard write_lock(write_mu_);
  std::string frames;
  uint64_t target;
  {
    std::lock_guard lock(mu_);
    if (!failed_.ok()) return failed_;
    frames.swap(pending_);
    target = appended_frames_;
    if (rolled_segment != nullptr) {
      // The head's records are exactly those of the frames taken here.
      flushing_ = std::shared_ptr<const Head>(std::move(head_));
      head_ = std::make_unique<Head>();
    } else if (frames.empty() && (!sync || synced_frames_ >= target)) {
      return Status::Ok();
    }
  }
  Status s = frames.empty() ? Status::Ok() : wal_->WriteFrames(frames);
  if (s.ok() && rolled_segment != nullptr) {
    Result<uint64_t> rolled = wal_->Roll();  // syncs the closed segment
    if (rolled.ok()) *rolled_segment = *rolled;
    s = rolled.status();
    sync = true;
  } else if (s.ok() && sync) {
    s = wal_->Sync();
  }
  std::lock_guard lock(mu_);
  if (!s.ok()) {
    // After a failed write or fsync the file's contents are unknown; stop
    // accepting writes rather than acknowledge anything on top of it.
    failed_ = s.WithContext("wal of tenant " + tenant_);
    log::Error("wal write failed; tenant refuses further writes",
               {{"tenant", tenant_}, {"err", s.ToString()}});
    return failed_;
  }
  if (sync) synced_frames_ = target;
  return Status::Ok();
}

Status TenantLog::Flush() { return WritePending(/*sync=*/true); }

Status TenantLog::MaybeFlushHead(bool force) {
  std::lock_guard flush_lock(flush_mu_);
  Status s = FlushHead(force);
  int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  if (s.ok()) {
    flush_failures_.store(0);
    flush_retry_at_.store(0);
  } else {
    int failures = flush_failures_.fetch_add(1) + 1;
    int64_t delay_ms = std::min<int64_t>(int64_t{100} << std::min(failures, 9), 30000);
    flush_retry_at_.store(now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::milliseconds(delay_ms))
                                    .count());
  }
  return s;
}

bool TenantLog::flush_backing_off() const {
  return std::chrono::steady_clock::now().time_since_epoch().count() < flush_retry_at_.load();
}

Status TenantLog::FlushHead(bool force) {
  {
    std::lock_guard lock(mu_);
    if (head_->empty()) return Status::Ok();
    bool due = head_->bytes() >= options_.max_head_bytes ||
               std::chrono::steady_clock::now() - head_->first_insert() >= options_.max_head_age;
    if (!force && !due) return Status::Ok();
  }
  // (1) Swap the head and take its frames at one instant, then make those
  // frames durable in segments <= S.
  uint64_t covered = 0;
  LODE_RETURN_IF_ERROR(WritePending(/*sync=*/true, &covered));
  // (2) Parts, one per day.
  std::shared_ptr<const Head> flushing;
  {
    std::lock_guard lock(mu_);
    flushing = flushing_;
  }
  auto parts = parts_->Write(flushing->ByDay(), covered, options_.part);
  Status published = parts.status();
  // (3) Checkpoint, then publish.
  if (published.ok()) {
    Checkpoint checkpoint;
    checkpoint.wal_checkpoint = covered;
    {
      std::lock_guard lock(mu_);
      recent_batches_.Prune(NowNanos());
      checkpoint.batch_ids = recent_batches_.Snapshot();
      recent_records_.Prune(NowNanos());
      checkpoint.record_ids = recent_records_.Snapshot();
    }
    published = WriteCheckpoint(env_, CheckpointPath(), checkpoint);
    if (!published.ok()) parts_->Discard(*parts);
  }
  if (!published.ok()) {
    // The records stay readable in memory and in the WAL; put them back in
    // front of what arrived since, and let the next flush try again.
    log::Error("head flush failed; will retry",
               {{"tenant", tenant_}, {"err", published.ToString()}});
    std::lock_guard lock(mu_);
    auto merged = std::make_unique<Head>();
    merged->MergeFrom(*flushing);
    merged->MergeFrom(*head_);
    head_ = std::move(merged);
    flushing_.reset();
    return published;
  }
  checkpoint_ = covered;
  {
    // Readers take the part list and the heads under mu_, so they see the
    // flushed records either in the flushing head or in the parts.
    std::lock_guard lock(mu_);
    part_records_ += flushing->records();
    parts_->Publish(std::move(parts).value());
    flushing_.reset();
  }
  // (4) The covered segments are no longer needed.
  auto names = env_->ListDir(WalDir());
  if (names.ok()) {
    for (const std::string& name : *names) {
      uint64_t index;
      if (wal::ParseSegmentFileName(name, index) && index <= covered) {
        (void)env_->RemoveFile(JoinPath(WalDir(), name));
      }
    }
  }
  log::Debug("head flushed", {{"tenant", tenant_},
                              {"records", std::to_string(flushing->records())},
                              {"wal_checkpoint", std::to_string(covered)}});
  return Status::Ok();
}

PartSet::Removed TenantLog::ApplyRetention(int64_t max_age_ns, uint64_t max_bytes) {
  TimestampNs min_time =
      max_age_ns > 0 ? NowNanos() - max_age_ns : std::numeric_limits<TimestampNs>::min();
  // Under mu_, like a flush publishing, so a reader's snapshot is consistent.
  std::lock_guard lock(mu_);
  PartSet::Removed removed = parts_->ApplyRetention(min_time, max_bytes);
  part_records_ -= removed.records;
  return removed;
}

Result<bool> TenantLog::MaybeMergeParts(const std::atomic<bool>* cancel) {
  part::PartWriterOptions options = options_.part;
  options.zstd_level = options_.merge_zstd_level;
  auto merged =
      parts_->MaybeMerge(options_.merge_min_parts, options_.merge_max_parts, options, cancel);
  if (!merged.ok() && merged.status().code() != StatusCode::kCancelled) {
    log::Error("merge failed", {{"tenant", tenant_}, {"err", merged.status().ToString()}});
  }
  return merged;
}

Status TenantLog::Close() {
  Status s = Flush();
  if (s.ok() && options_.flush_head_on_close) s = MaybeFlushHead(/*force=*/true);
  std::lock_guard write_lock(write_mu_);
  Status c = wal_->Close();
  return s.ok() ? c : s;
}

TenantLog::ReadView TenantLog::TakeReadView(
    const std::vector<Matcher>& matchers, const std::function<void(const Head&)>& read_live_head) {
  ReadView view;
  PartSnapshot::Parts parts;
  {
    // The heads and the part list are taken together under mu_, where a
    // flush publishes, so each record is seen exactly once.
    std::lock_guard lock(mu_);
    view.flushing = flushing_;
    parts = parts_->Snapshot();
    read_live_head(*head_);
  }
  // After the part list: the index then knows every stream of its parts.
  PartSet* part_set = parts_.get();
  view.parts = PartSnapshot(tenant_, std::move(parts), parts_->stream_index().Match(matchers),
                            [part_set] { part_set->CountCorruptBlock(); });
  return view;
}

std::unique_ptr<RecordIterator> TenantLog::Select(const SelectRequest& request) {
  std::vector<KeyedRecord> head_records;
  ReadView view = TakeReadView(request.matchers, [&](const Head& head) {
    head.Collect(request, kHeadSource, head_records);
  });
  if (view.flushing) view.flushing->Collect(request, kFlushingSource, head_records);
  return std::make_unique<MergeIterator>(request, std::move(head_records), std::move(view.parts),
                                         options_.read_pool);
}

Status TenantLog::ScanTimestamps(const SelectRequest& request,
                                 const std::function<void(const TimestampRun&)>& fn) {
  ReadView view =
      TakeReadView(request.matchers, [&](const Head& head) { head.ScanTimestamps(request, fn); });
  if (view.flushing) view.flushing->ScanTimestamps(request, fn);
  view.parts.ScanTimestamps(request, options_.read_pool, fn);
  return Status::Ok();
}

std::vector<SeriesInfo> TenantLog::Series(const SeriesRequest& request) {
  std::map<std::string, SeriesInfo> found;
  ReadView view = TakeReadView(request.matchers,
                               [&](const Head& head) { head.CollectSeries(request, &found); });
  if (view.flushing) view.flushing->CollectSeries(request, &found);
  view.parts.CollectSeries(request, &found);
  std::vector<SeriesInfo> out;
  out.reserve(found.size());
  for (auto& [key, info] : found) out.push_back(std::move(info));
  std::sort(out.begin(), out.end(),
            [](const SeriesInfo& a, const SeriesInfo& b) { return a.labels < b.labels; });
  return out;
}

uint64_t TenantLog::head_bytes() const {
  std::lock_guard lock(mu_);
  return head_->bytes() + (flushing_ ? flushing_->bytes() : 0);
}

uint64_t TenantLog::record_count() const {
  std::lock_guard lock(mu_);
  uint64_t n = head_->records() + part_records_;
  if (flushing_) n += flushing_->records();
  return n;
}

}  // namespace lode

namespace lode {

StorageStats TenantLog::Stats() const {
  StorageStats stats;
  {
    std::lock_guard lock(mu_);
    stats.head_records = head_->records() + (flushing_ ? flushing_->records() : 0);
    stats.head_bytes = head_->bytes() + (flushing_ ? flushing_->bytes() : 0);
    stats.records = stats.head_records + part_records_;
    stats.duplicate_records = duplicate_records_;
  }
  stats.parts = parts_->part_count();
  stats.part_bytes = parts_->disk_bytes();
  stats.corrupt_blocks = parts_->corrupt_blocks();
  stats.merges = parts_->merges();
  stats.flush_bytes = parts_->flush_bytes_written();
  stats.merge_bytes = parts_->merge_bytes_written();
  return stats;
}

}  // namespace lode
