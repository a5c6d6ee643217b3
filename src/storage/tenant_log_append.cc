// TenantLog's appends: record-id de-duplication, framing, the pending
// buffer and the head under one lock, and group commit (WritePending).
#include <algorithm>
#include <map>
#include <optional>

#include "base/coding.h"
#include "base/log.h"
#include "base/time.h"
#include "storage/record_keys.h"
#include "storage/tenant_log.h"
#include "storage/wal/batch_codec.h"

namespace lode {

Status TenantLog::Append(const std::vector<StreamBatch>& input, Durability durability,
                         std::string_view batch_id) {
  if (options_.read_only) {
    return Status::InvalidArgument("tenant " + tenant_ + " is open read-only");
  }
  // Appends to audit streams are durable, and one at a time (chain_mu_),
  // so that each chain's order is its WAL order.
  const ChainWork chain_work = ChainWorkFor(input);
  std::optional<MutexLock> chain_lock;
  if (chain_work == ChainWork::kLink) {
    durability = Durability::kDurable;
    chain_lock.emplace(chain_mu_);
    LODE_RETURN_IF_ERROR(BeginChains(input));
  }
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
    // Records of audit streams are linked to their chains (which the
    // chain lock holds still until they are committed below).
    std::vector<StreamBatch> linked;
    std::map<std::string, AuditChain> chain_heads;
    if (chain_work != ChainWork::kNone && !nothing_left) {
      linked = LinkToChains(*batches, chain_heads);
      batches = &linked;
    }
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
    MutexLock lock(mu_);
    if (!failed_.ok()) return failed_;
    if (env_->clock()->Monotonic() < no_space_until_) {
      // The disk was full a moment ago: refused before anything is kept,
      // durable appends as such (507), best-effort ones as "come back
      // later" (429). The next append after kNoSpaceRetry tries again.
      const std::string why = "tenant " + tenant_ + ": the disk is full; retry later";
      return durability == Durability::kDurable ? Status::NoSpace(why) : Status::RateLimited(why);
    }
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
    if (found_more) continue;  // re-encoded (and re-linked) without them, outside the lock
    const int64_t now = env_->clock()->NowNanos();
    duplicate_records_ += duplicates;
    if (!nothing_left) {
      pending_bytes_ += frame.size();
      pending_.push_back(std::move(frame));
      my_frame = ++appended_frames_;
      spill = pending_bytes_ > options_.max_pending_bytes;
      // The records join the head together with their frame, so a head
      // flush (which swaps the head and takes the pending frames at once)
      // always finds a record's frame in the segments it covers.
      head_->Insert(*batches, env_->clock()->Monotonic());
      if (!chain_heads.empty()) CommitChainHeads(chain_heads);
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
  chain_lock.reset();                      // the chains are committed; the wait below is not theirs
  if (my_frame == 0) return Status::Ok();  // nothing stored, nothing to wait for
  if (durability == Durability::kBestEffort) {
    return spill ? WritePending(/*sync=*/false) : Status::Ok();
  }
  // Group commit: if someone else's fsync already covered this frame,
  // WritePending finds nothing to do.
  Status s = WritePending(/*sync=*/true);
  MutexLock lock(mu_);
  if (synced_frames_ < my_frame) {
    return s.ok() ? Status::IOError("wal sync did not cover the append") : s;
  }
  return Status::Ok();
}

Status TenantLog::WritePending(bool sync, uint64_t* rolled_segment) {
  bool opened_file = false;
  Status s = WritePendingLocked(sync, rolled_segment, opened_file);
  if (s.ok() && opened_file && options_.wal_file_opened && !options_.wal_file_opened()) {
    // Descriptors are short: this write pays an fsync rather than keep one.
    bool again = false;
    if (WritePendingLocked(/*sync=*/true, nullptr, again).ok()) (void)CloseWalFile();
  }
  return s;
}

Status TenantLog::WritePendingLocked(bool sync, uint64_t* rolled_segment, bool& opened_file) {
  MutexLock write_lock(write_mu_);
  std::vector<std::string> frames;
  uint64_t target;
  {
    MutexLock lock(mu_);
    if (!failed_.ok()) return failed_;
    frames.swap(pending_);
    pending_bytes_ = 0;
    target = appended_frames_;
    if (rolled_segment != nullptr) {
      // The head's records are exactly those of the frames taken here,
      // and the chains' heads stand at its last records.
      flushing_ = std::shared_ptr<const Head>(std::move(head_));
      head_ = std::make_unique<Head>();
      chains_at_roll_.clear();
      for (const auto& [key, chain] : chains_) chains_at_roll_.push_back(chain);
    } else if (frames.empty() && (!sync || synced_frames_ >= target)) {
      return Status::Ok();
    }
  }
  const bool was_open = wal_->file_open();
  Status s = frames.empty() ? Status::Ok() : wal_->WriteFrames(frames);
  const bool frames_written = s.ok();  // then a cut-back reads them back
  if (!frames.empty()) {
    last_wal_write_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                          std::memory_order_relaxed);
  }
  opened_file = !was_open && wal_->file_open();
  if (s.ok() && rolled_segment != nullptr) {
    Result<uint64_t> rolled = wal_->Roll();  // syncs the closed segment
    if (rolled.ok()) *rolled_segment = *rolled;
    s = rolled.status();
    sync = true;
  } else if (s.ok() && sync) {
    s = wal_->Sync();
  }
  if (!s.ok() && s.code() == StatusCode::kNoSpace) {
    // A full disk: the segment is cut back to its last sync, and every
    // frame written since waits in front of the pending ones, in order,
    // to be written again once there is room. Appends are refused
    // meanwhile (Append), none is lost, and none is written twice.
    Result<std::string> cut = wal_->CutBackToSynced();
    wal_file_open_.store(wal_->file_open(), std::memory_order_relaxed);
    if (cut.ok()) {
      MutexLock lock(mu_);
      std::vector<std::string> again;
      if (!cut->empty()) again.push_back(std::move(cut).value());
      if (!frames_written) {
        again.insert(again.end(), std::make_move_iterator(frames.begin()),
                     std::make_move_iterator(frames.end()));
      }
      again.insert(again.end(), std::make_move_iterator(pending_.begin()),
                   std::make_move_iterator(pending_.end()));
      pending_ = std::move(again);
      pending_bytes_ = 0;
      for (const std::string& f : pending_) pending_bytes_ += f.size();
      if (no_space_until_ == std::chrono::steady_clock::time_point{}) {  // once, not per retry
        log::Warn("disk full; appends are refused and wal writes wait for space",
                  {{"tenant", tenant_}, {"err", s.message()}});
      }
      no_space_until_ = env_->clock()->Monotonic() + kNoSpaceRetry;
      return s.WithContext("wal of tenant " + tenant_);
    }
    s = Status::IOError(s.message() +
                        "; and cutting the segment back failed: " + cut.status().message());
  }
  wal_file_open_.store(wal_->file_open(), std::memory_order_relaxed);
  MutexLock lock(mu_);
  if (!s.ok()) {
    // After a failed write or fsync the file's contents are unknown; stop
    // accepting writes rather than acknowledge anything on top of it.
    failed_ = s.WithContext("wal of tenant " + tenant_);
    log::Error("wal write failed; tenant refuses further writes",
               {{"tenant", tenant_}, {"err", s.ToString()}});
    return failed_;
  }
  if (sync) {
    synced_frames_ = target;
    if (no_space_until_ != std::chrono::steady_clock::time_point{}) {
      log::Info("disk has room again; appends are taken", {{"tenant", tenant_}});
      no_space_until_ = {};
    }
  }
  return Status::Ok();
}

Status TenantLog::Flush() {
  if (options_.read_only) return Status::Ok();
  return WritePending(/*sync=*/true);
}

bool TenantLog::CloseWalFile() {
  if (options_.read_only) return false;
  MutexLock write_lock(write_mu_);
  if (!wal_->file_open()) return false;
  {
    MutexLock lock(mu_);
    // Frames still to be written or synced: the flusher syncs them first.
    if (!failed_.ok() || !pending_.empty() || synced_frames_ < appended_frames_) return false;
  }
  Status s = wal_->CloseFile();
  wal_file_open_.store(wal_->file_open(), std::memory_order_relaxed);
  if (!s.ok()) {
    MutexLock lock(mu_);
    failed_ = s.WithContext("wal of tenant " + tenant_);
    log::Error("wal close failed; tenant refuses further writes",
               {{"tenant", tenant_}, {"err", s.ToString()}});
    return false;
  }
  return true;
}

}  // namespace lode
