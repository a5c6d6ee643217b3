// WalWriter appends frames to numbered segment files in one directory,
// rolling to a new segment past a size limit. Not thread-safe: the owner
// serialises calls (TenantLog does, with its write mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "io/env.h"
#include "storage/wal/wal_format.h"

namespace lode::wal {

// "00000012.wal"
std::string SegmentFileName(uint64_t index);
// Parses a segment file name; false for anything else.
bool ParseSegmentFileName(std::string_view name, uint64_t& index);

class WalWriter {
 public:
  // Starts a new segment numbered `first_segment` in `dir` (which must
  // exist). Existing segments are never appended to: recovery may have
  // cut them, and a fresh file keeps the history simple. The segment's
  // file is created by the first write (a store of many idle tenants
  // opens without a file, or a directory fsync, for each).
  static Result<std::unique_ptr<WalWriter>> Open(Env* env, std::string dir, uint64_t first_segment,
                                                 uint64_t segment_size_limit);

  // Frames `payload` and appends it to the buffer passed in, without any
  // I/O, so callers can build frames outside the write lock.
  static void EncodeFrame(std::string& out, FrameType type, std::string_view payload);
  // The same in two steps, without copying the payload: BeginFrame
  // reserves a header at the end of `out` and returns where it starts;
  // the caller appends the payload, then FinishFrame fills the header in.
  static size_t BeginFrame(std::string& out);
  static void FinishFrame(std::string& out, size_t start, FrameType type);

  // Writes already-framed bytes (each piece one or more whole frames) to
  // the current segment, rolling first if it is full. Not synced.
  Status WriteFrames(std::span<const std::string> frames);
  Status Sync();
  // Syncs and closes the current segment and starts the next one, so that
  // everything written so far is in segments <= the returned index.
  Result<uint64_t> Roll();
  Status Close();
  // Syncs and closes the current segment's file, to be opened again (for
  // appending) by the next write: an idle tenant holds no descriptor.
  Status CloseFile();
  // Whether the current segment's file is open now.
  bool file_open() const { return file_ != nullptr; }
  // After a failed write or sync, the segment's tail is unknown: cuts it
  // back to what the last successful sync made durable and closes the
  // file (the next write opens it again). Returns the whole frames
  // written since that sync, for the caller to write again. An error here
  // leaves the segment unusable.
  Result<std::string> CutBackToSynced();

  uint64_t current_segment() const { return segment_; }

 private:
  WalWriter(Env* env, std::string dir, uint64_t segment_size_limit)
      : env_(env), dir_(std::move(dir)), segment_size_limit_(segment_size_limit) {}
  // Opens the current segment's file, creating it (and syncing the
  // directory) on its first write.
  Status OpenFile();

  Env* env_;
  std::string dir_;
  uint64_t segment_size_limit_;
  uint64_t segment_ = 0;
  bool segment_created_ = false;
  uint64_t segment_bytes_ = 0;          // what the current segment holds
  uint64_t synced_bytes_ = 0;           // of which the last sync made durable
  std::unique_ptr<WritableFile> file_;  // null while closed
};

}  // namespace lode::wal
