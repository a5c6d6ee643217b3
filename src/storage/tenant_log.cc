#include "storage/tenant_log.h"

#include <algorithm>

#include "base/log.h"
#include "storage/wal/batch_codec.h"
#include "storage/wal/wal_reader.h"

namespace lode {

Result<std::unique_ptr<TenantLog>> TenantLog::Open(Env* env, std::string tenant, std::string dir,
                                                   const TenantLogOptions& options) {
  LODE_RETURN_IF_ERROR(env->CreateDirs(dir));
  std::unique_ptr<TenantLog> log(new TenantLog(env, std::move(tenant), std::move(dir), options));
  uint64_t next_segment = 1;
  LODE_RETURN_IF_ERROR(log->Recover(next_segment));
  LODE_ASSIGN_OR_RETURN(
      log->wal_, wal::WalWriter::Open(env, log->dir_, next_segment, options.segment_size_limit));
  return log;
}

Status TenantLog::Recover(uint64_t& next_segment) {
  LODE_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->ListDir(dir_));
  std::vector<uint64_t> segments;
  for (const std::string& name : names) {
    uint64_t index;
    if (wal::ParseSegmentFileName(name, index)) segments.push_back(index);
  }
  std::sort(segments.begin(), segments.end());
  std::lock_guard lock(mu_);
  for (uint64_t index : segments) {
    std::string path = JoinPath(dir_, wal::SegmentFileName(index));
    LODE_ASSIGN_OR_RETURN(std::string data, env_->ReadFile(path));
    auto scan = wal::ScanSegment(data, [&](wal::FrameType, std::string_view payload) -> Status {
      auto batches = wal::DecodeBatches(payload);
      if (!batches.ok()) return batches.status();
      InsertLocked(*batches);
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
    next_segment = index + 1;
  }
  if (record_count_ > 0) {
    log::Info("wal replayed", {{"tenant", tenant_},
                               {"segments", std::to_string(segments.size())},
                               {"records", std::to_string(record_count_)}});
  }
  return Status::Ok();
}

void TenantLog::InsertLocked(const std::vector<StreamBatch>& batches) {
  for (const StreamBatch& batch : batches) {
    std::string key = batch.labels.ToString();
    auto [it, inserted] = streams_.try_emplace(std::move(key));
    if (inserted) it->second.labels = batch.labels;
    for (const Entry& e : batch.entries) {
      it->second.entries.push_back(StoredEntry{e.timestamp, next_seq_++, e.line, e.metadata});
      ++record_count_;
    }
  }
}

Status TenantLog::Append(const std::vector<StreamBatch>& batches, Durability durability) {
  std::string payload;
  wal::EncodeBatches(payload, batches);
  if (payload.size() > wal::kMaxPayloadSize) {
    return Status::InvalidArgument("batch of " + std::to_string(payload.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(wal::kMaxPayloadSize));
  }
  std::string frame;
  wal::WalWriter::EncodeFrame(frame, wal::FrameType::kBatch, payload);

  uint64_t my_frame;
  bool spill = false;
  {
    std::lock_guard lock(mu_);
    if (!failed_.ok()) return failed_;
    pending_ += frame;
    my_frame = ++appended_frames_;
    spill = pending_.size() > options_.max_pending_bytes;
    // Best-effort records are visible at once; durable ones once synced.
    if (durability == Durability::kBestEffort) InsertLocked(batches);
  }
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
  InsertLocked(batches);
  return Status::Ok();
}

Status TenantLog::WritePending(bool sync) {
  std::lock_guard write_lock(write_mu_);
  std::string frames;
  uint64_t target;
  {
    std::lock_guard lock(mu_);
    if (!failed_.ok()) return failed_;
    frames.swap(pending_);
    target = appended_frames_;
    if (frames.empty() && (!sync || synced_frames_ >= target)) return Status::Ok();
  }
  Status s = frames.empty() ? Status::Ok() : wal_->WriteFrames(frames);
  if (s.ok() && sync) s = wal_->Sync();
  std::lock_guard lock(mu_);
  if (!s.ok()) {
    // After a failed write or fsync the file's contents are unknown; stop
    // accepting writes rather than acknowledge anything on top of it.
    failed_ = s.WithContext("wal of tenant " + tenant_);
    log::Error("wal write failed; tenant refuses further writes",
               {{"tenant", tenant_}, {"err", s.ToString()}});
    return failed_;
  }
  written_frames_ = target;
  if (sync) synced_frames_ = target;
  return Status::Ok();
}

Status TenantLog::Flush() { return WritePending(/*sync=*/true); }

Status TenantLog::Close() {
  Status s = Flush();
  std::lock_guard write_lock(write_mu_);
  Status c = wal_->Close();
  return s.ok() ? c : s;
}

std::vector<Record> TenantLog::Select(const SelectRequest& request) const {
  struct Hit {
    const Stream* stream;
    const StoredEntry* entry;
  };
  std::vector<Record> out;
  std::lock_guard lock(mu_);
  std::vector<Hit> hits;
  for (const auto& entry : streams_) {
    const Stream& stream = entry.second;
    bool match = std::all_of(request.matchers.begin(), request.matchers.end(),
                             [&](const Matcher& m) { return m.MatchesLabels(stream.labels); });
    if (!match) continue;
    for (const StoredEntry& e : stream.entries) {
      if (e.timestamp >= request.start && e.timestamp < request.end) hits.push_back({&stream, &e});
    }
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    if (a.entry->timestamp != b.entry->timestamp) return a.entry->timestamp < b.entry->timestamp;
    return a.entry->seq < b.entry->seq;
  });
  if (request.direction == Direction::kBackward) std::reverse(hits.begin(), hits.end());
  out.reserve(hits.size());
  for (const Hit& h : hits) {
    out.push_back(Record{h.entry->timestamp, h.stream->labels, h.entry->line, h.entry->metadata});
  }
  return out;
}

uint64_t TenantLog::record_count() const {
  std::lock_guard lock(mu_);
  return record_count_;
}

}  // namespace lode
