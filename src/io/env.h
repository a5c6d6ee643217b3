// Env: every file-system call lode makes goes through this interface, and
// the clock its decisions by time read, so tests can substitute an
// environment that fails writes, loses unsynced data or moves time. Implementations are
// thread-safe; a WritableFile is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "io/clock.h"

namespace lode {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes through to the OS (no user-space buffer): after Append returns,
  // the bytes survive a crash of this process, not of the machine.
  virtual Status Append(std::string_view data) = 0;
  // Appends `pieces` in order, as Append of their concatenation would
  // (one vectored write where the file allows it, no copy).
  virtual Status AppendAll(std::span<const std::string> pieces);
  // fsync: after Sync returns, appended bytes survive power loss.
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  virtual uint64_t Size() const = 0;
};

// Positional reads of an immutable file; safe for concurrent use.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads exactly `n` bytes at `offset` into `out` (resized to n); a short
  // file is a Corruption error naming the file and offset.
  virtual Status Read(uint64_t offset, size_t n, std::string& out) const = 0;
  virtual uint64_t Size() const = 0;
  // Holds the file open from now on, so that reads go on after its path
  // is removed (a file whose descriptor may be closed between reads
  // needs this; one held open from the start does nothing).
  virtual Status KeepOpen() { return Status::Ok(); }
};

// Reads of a file from start to end, as a log file is imported.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to `n` bytes into `buf`; 0 at the end of the file.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // The size of a regular file; 0 for anything else (a pipe, a device).
  virtual uint64_t Size() const = 0;
};

// A lock on a file, held until destroyed. Advisory (flock): it keeps out
// only those that ask for it, and the kernel releases it when the process
// ends, however it ends.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The real file system. Never null; owned by the process.
  static Env* Default();

  // Opens `path` for appending, creating it if needed.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) = 0;
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  // Names (not paths) of the entries in `dir`, without . and ..
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // Creates `dir` and any missing parents.
  virtual Status CreateDirs(const std::string& dir) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Removes an empty directory.
  virtual Status RemoveDir(const std::string& dir) = 0;
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  // fsync of a directory, so that creates and renames in it are durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Locks `path` without waiting: `exclusive` for the one process that
  // writes a directory, shared for those that only read it. An exclusive
  // lock creates the file; a shared one needs it (NotFound otherwise).
  // Held elsewhere: Unavailable.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path, bool exclusive) = 0;
  // The clock that decides ages, back-off and intervals. Never null.
  virtual Clock* clock() { return Clock::Real(); }

  // Writes `data` to `path` atomically: temp file, fsync, rename, fsync dir.
  Status WriteFileAtomic(const std::string& path, std::string_view data);
};

// "dir/name", without doubling a trailing slash.
std::string JoinPath(std::string_view dir, std::string_view name);

}  // namespace lode
