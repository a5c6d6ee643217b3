#include "storage/wal/wal_writer.h"

#include <cstdio>

#include "base/coding.h"
#include "base/crc32c.h"

namespace lode::wal {

std::string SegmentFileName(uint64_t index) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%08llu.wal", static_cast<unsigned long long>(index));
  return buf;
}

bool ParseSegmentFileName(std::string_view name, uint64_t& index) {
  constexpr std::string_view kSuffix = ".wal";
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return false;
  }
  std::string_view digits = name.substr(0, name.size() - kSuffix.size());
  if (digits.size() > 19) return false;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  index = v;
  return true;
}

Result<std::unique_ptr<WalWriter>> WalWriter::Open(Env* env, std::string dir,
                                                   uint64_t first_segment,
                                                   uint64_t segment_size_limit) {
  std::unique_ptr<WalWriter> writer(new WalWriter(env, std::move(dir), segment_size_limit));
  writer->segment_ = first_segment;
  return writer;
}

void WalWriter::EncodeFrame(std::string& out, FrameType type, std::string_view payload) {
  size_t start = BeginFrame(out);
  out.append(payload.data(), payload.size());
  FinishFrame(out, start, type);
}

size_t WalWriter::BeginFrame(std::string& out) {
  size_t start = out.size();
  out.append(kFrameHeaderSize, '\0');  // crc, length and type: FinishFrame
  return start;
}

void WalWriter::FinishFrame(std::string& out, size_t start, FrameType type) {
  const size_t payload = out.size() - start - kFrameHeaderSize;
  for (int i = 0; i < 4; ++i) out[start + 4 + i] = static_cast<char>(payload >> (8 * i));
  out[start + 8] = static_cast<char>(type);
  uint32_t crc = crc32c::Extend(0, out.data() + start + 4, out.size() - start - 4);
  for (int i = 0; i < 4; ++i) out[start + i] = static_cast<char>(crc >> (8 * i));
}

Status WalWriter::OpenFile() {
  std::string path = JoinPath(dir_, SegmentFileName(segment_));
  LODE_ASSIGN_OR_RETURN(file_, env_->NewAppendableFile(path));
  segment_bytes_ = file_->Size();
  synced_bytes_ = segment_bytes_;  // a file is synced when closed
  if (!segment_created_) {
    // Make the new file's directory entry durable before anything in it
    // is acknowledged as durable.
    Status s = env_->SyncDir(dir_);
    if (!s.ok()) {
      file_.reset();
      return s;
    }
    segment_created_ = true;
  }
  return Status::Ok();
}

Status WalWriter::WriteFrames(std::span<const std::string> frames) {
  uint64_t bytes = 0;
  for (const std::string& f : frames) bytes += f.size();
  if (segment_bytes_ > 0 && segment_bytes_ + bytes > segment_size_limit_) {
    LODE_RETURN_IF_ERROR(Roll().status());
  }
  if (!file_) LODE_RETURN_IF_ERROR(OpenFile());
  LODE_RETURN_IF_ERROR(file_->AppendAll(frames));
  segment_bytes_ += bytes;  // whole frames only: a failed write is cut back
  return Status::Ok();
}

// A closed file was synced when it was closed.
Status WalWriter::Sync() {
  if (!file_) return Status::Ok();
  LODE_RETURN_IF_ERROR(file_->Sync());
  synced_bytes_ = segment_bytes_;
  return Status::Ok();
}

Result<uint64_t> WalWriter::Roll() {
  uint64_t closed = segment_;
  LODE_RETURN_IF_ERROR(CloseFile());
  ++segment_;
  segment_created_ = false;
  segment_bytes_ = synced_bytes_ = 0;
  return closed;
}

Status WalWriter::CloseFile() {
  if (!file_) return Status::Ok();
  LODE_RETURN_IF_ERROR(Sync());  // a failed sync leaves the file open, to be cut back
  Status c = file_->Close();
  file_.reset();
  return c;
}

Result<std::string> WalWriter::CutBackToSynced() {
  if (file_) {
    (void)file_->Close();  // its state is what is being undone
    file_.reset();
  }
  std::string unsynced;
  if (!segment_created_) return unsynced;  // nothing of it exists yet
  const std::string path = JoinPath(dir_, SegmentFileName(segment_));
  // The whole frames written since the sync, read back (the page cache
  // holds what write() took even when fsync failed), to be written again.
  if (segment_bytes_ > synced_bytes_) {
    LODE_ASSIGN_OR_RETURN(auto file, env_->NewRandomAccessFile(path));
    LODE_RETURN_IF_ERROR(file->Read(synced_bytes_, segment_bytes_ - synced_bytes_, unsynced));
  }
  LODE_RETURN_IF_ERROR(env_->TruncateFile(path, synced_bytes_));
  segment_bytes_ = synced_bytes_;
  return unsynced;
}

Status WalWriter::Close() { return CloseFile(); }

}  // namespace lode::wal
