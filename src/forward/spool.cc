#include "forward/spool.h"

#include <algorithm>
#include <charconv>

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/log.h"
#include "forward/forwarder.h"

namespace lode {
namespace {

// A record: fixed32 crc of the rest, varint length, then the payload:
// kind (1 = header: id and labels; 2 = entry: timestamp and line).
constexpr uint8_t kHeader = 1;
constexpr uint8_t kEntry = 2;

std::string Frame(std::string_view payload) {
  std::string out;
  std::string body;
  PutVarint64(body, payload.size());
  body.append(payload);
  PutFixed32(out, crc32c::Value(body));
  out += body;
  return out;
}

std::string HeaderPayload(const std::string& id, const Labels& labels) {
  std::string p(1, static_cast<char>(kHeader));
  PutLengthPrefixed(p, id);
  PutLengthPrefixed(p, labels.ToString());
  return p;
}

std::string EntryPayload(const Entry& e) {
  std::string p(1, static_cast<char>(kEntry));
  PutFixed64(p, static_cast<uint64_t>(e.timestamp));
  PutLengthPrefixed(p, e.line);
  return p;
}

// Reads the records of a spool file; stops at the first torn or corrupt
// one (the tail a crash left). False when there is no valid header.
bool ReadBatchFile(std::string_view data, SpooledBatch& out) {
  size_t pos = 0;
  bool have_header = false;
  while (pos + 5 <= data.size()) {
    Decoder d(data.substr(pos));
    uint32_t crc = d.Fixed32();
    size_t start = d.position();
    uint64_t length = d.Varint64();
    if (!d.ok() || length > d.remaining()) break;
    size_t body_len = d.position() - start + length;
    if (crc32c::Value(data.substr(pos + start, body_len)) != crc) break;
    std::string_view payload = data.substr(pos + d.position(), length);
    pos += start + body_len;
    if (payload.empty()) break;
    Decoder p(payload.substr(1));
    if (payload[0] == kHeader && !have_header) {
      std::string_view id = p.LengthPrefixed();
      std::string_view labels = p.LengthPrefixed();
      if (!p.ok()) break;
      auto parsed = Labels::Parse(labels);
      if (!parsed.ok()) break;
      out.id = std::string(id);
      out.labels = std::move(*parsed);
      have_header = true;
    } else if (payload[0] == kEntry && have_header) {
      int64_t ts = static_cast<int64_t>(p.Fixed64());
      std::string_view line = p.LengthPrefixed();
      if (!p.ok()) break;
      out.entries.push_back(Entry{ts, std::string(line), {}});
    } else {
      break;
    }
  }
  return have_header;
}

}  // namespace

std::string Spool::BatchPath(uint64_t seq, const std::string& id) const {
  char name[32];
  snprintf(name, sizeof(name), "%012llu", static_cast<unsigned long long>(seq));
  return dir_ + "/" + name + "-" + id + ".batch";
}

Result<std::unique_ptr<Spool>> Spool::Open(Env* env, const std::string& dir) {
  LODE_RETURN_IF_ERROR(env->CreateDirs(dir));
  std::unique_ptr<Spool> spool(new Spool(env, dir));
  LODE_RETURN_IF_ERROR(spool->Recover());
  return spool;
}

Status Spool::Recover() {
  // Not shared yet: the lock is uncontended, and holding it lets the
  // compiler check the accesses below.
  MutexLock lock(mu_);
  LODE_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->ListDir(dir_));
  std::sort(names.begin(), names.end());
  std::vector<std::string> ids;
  for (const std::string& name : names) {
    if (name.ends_with(".tmp")) {
      (void)env_->RemoveFile(dir_ + "/" + name);
      continue;
    }
    if (!name.ends_with(".batch")) continue;
    uint64_t seq = 0;
    auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), seq);
    if (ec != std::errc() || *ptr != '-') continue;
    LODE_ASSIGN_OR_RETURN(std::string data, env_->ReadFile(dir_ + "/" + name));
    SpooledBatch batch;
    batch.seq = seq;
    batch.bytes = data.size();
    if (!ReadBatchFile(data, batch)) {
      log::Warn("spool: unreadable batch file set aside", {{"file", name}});
      (void)env_->RenameFile(dir_ + "/" + name, dir_ + "/" + name + ".corrupt");
      continue;
    }
    next_seq_ = std::max(next_seq_, seq + 1);
    sealed_bytes_ += batch.bytes;
    ids.push_back(batch.id);
    leftovers_.push_back(std::move(batch));
  }
  // The open log of the last run: sealed now, unless its batch was sealed
  // already (a crash between writing the batch and emptying the log).
  const std::string open_path = dir_ + "/open.log";
  if (env_->FileExists(open_path)) {
    LODE_ASSIGN_OR_RETURN(std::string data, env_->ReadFile(open_path));
    SpooledBatch batch;
    if (ReadBatchFile(data, batch) && !batch.entries.empty() &&
        std::find(ids.begin(), ids.end(), batch.id) == ids.end()) {
      open_id_ = batch.id;
      open_labels_ = batch.labels;
      open_entries_ = std::move(batch.entries);
      LODE_ASSIGN_OR_RETURN(std::optional<SpooledBatch> sealed, SealLocked());
      if (sealed) leftovers_.push_back(std::move(*sealed));
    }
    LODE_RETURN_IF_ERROR(env_->RemoveFile(open_path));
  }
  return Status::Ok();
}

std::vector<SpooledBatch> Spool::TakeLeftovers() {
  MutexLock lock(mu_);
  return std::move(leftovers_);
}

Status Spool::Append(const Labels& labels, const Entry& entry) {
  MutexLock lock(mu_);
  if (open_ == nullptr) {
    open_id_ = NewBatchId();
    open_labels_ = labels;
    open_entries_.clear();
    LODE_ASSIGN_OR_RETURN(open_, env_->NewAppendableFile(dir_ + "/open.log"));
    LODE_RETURN_IF_ERROR(open_->Append(Frame(HeaderPayload(open_id_, labels))));
  }
  LODE_RETURN_IF_ERROR(open_->Append(Frame(EntryPayload(entry))));
  open_entries_.push_back(entry);
  return Status::Ok();
}

Result<std::optional<SpooledBatch>> Spool::Seal() {
  MutexLock lock(mu_);
  return SealLocked();
}

Result<std::optional<SpooledBatch>> Spool::SealLocked() {
  if (open_entries_.empty()) return std::optional<SpooledBatch>();
  SpooledBatch batch;
  batch.seq = next_seq_++;
  batch.id = open_id_;
  batch.labels = open_labels_;
  batch.entries = std::move(open_entries_);
  open_entries_.clear();
  std::string data = Frame(HeaderPayload(batch.id, batch.labels));
  for (const Entry& e : batch.entries) data += Frame(EntryPayload(e));
  batch.bytes = data.size();
  const std::string path = BatchPath(batch.seq, batch.id);
  {
    LODE_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                          env_->NewAppendableFile(path + ".tmp"));
    LODE_RETURN_IF_ERROR(file->Append(data));
    LODE_RETURN_IF_ERROR(file->Sync());
    LODE_RETURN_IF_ERROR(file->Close());
  }
  LODE_RETURN_IF_ERROR(env_->RenameFile(path + ".tmp", path));
  LODE_RETURN_IF_ERROR(env_->SyncDir(dir_));
  // Only now may the open log go: the batch is safe in its own file.
  if (open_ != nullptr) {
    (void)open_->Close();
    open_.reset();
    LODE_RETURN_IF_ERROR(env_->RemoveFile(dir_ + "/open.log"));
  }
  sealed_bytes_ += batch.bytes;
  return std::optional<SpooledBatch>(std::move(batch));
}

Status Spool::Remove(const SpooledBatch& batch) {
  LODE_RETURN_IF_ERROR(env_->RemoveFile(BatchPath(batch.seq, batch.id)));
  MutexLock lock(mu_);
  sealed_bytes_ -= std::min(sealed_bytes_, batch.bytes);
  return Status::Ok();
}

uint64_t Spool::bytes() const {
  MutexLock lock(mu_);
  return sealed_bytes_ + (open_ ? open_->Size() : 0);
}

}  // namespace lode
