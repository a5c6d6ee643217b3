// Open file descriptors as a bounded resource. A store with many tenants
// and days holds far more part files than a process may keep open (the
// soft limit is often 1,024), so part files are read through
// OpenFileCache: each keeps its descriptor only while it is among the most
// recently read, as LevelDB's table cache keeps `max_open_files` tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/mutex.h"
#include "base/status.h"
#include "io/env.h"

namespace lode {

// Raises the soft limit on open files to the hard one (what `ulimit -n`
// would allow the process anyway) and returns the limit now in force.
uint64_t RaiseOpenFileLimit();

// The soft limit on open files in force (RLIMIT_NOFILE).
uint64_t OpenFileLimit();

// The descriptors lode lets each kind of file hold, out of `limit`: a
// quarter for part files, an eighth for tenants' WAL segments (twice that
// for a moment while new tenants arrive); the rest is for connections,
// directories and files opened for a moment.
size_t PartFileBudget(uint64_t limit);
size_t WalFileBudget(uint64_t limit);

class OpenFileCache {
 public:
  explicit OpenFileCache(size_t capacity);
  OpenFileCache(const OpenFileCache&) = delete;
  OpenFileCache& operator=(const OpenFileCache&) = delete;
  // Files opened through the cache must be gone before it is.
  ~OpenFileCache();

  // The cache part files are read through, sized by PartFileBudget of the
  // open-file limit when first used (after RaiseOpenFileLimit at start).
  static OpenFileCache& Parts();

  // Opens `path` through `env` (now: a missing or unreadable file is an
  // error here, not at the first read) and returns a RandomAccessFile that
  // reopens it when read after its descriptor was closed for others.
  // KeepOpen() on it holds its descriptor from then on: call it before
  // the file's path is removed while readers may still use it.
  Result<std::unique_ptr<RandomAccessFile>> Open(Env* env, const std::string& path);

  size_t capacity() const;
  void set_capacity(size_t capacity);
  // Descriptors held now (not counting those of files kept open).
  size_t open_files() const;
  // Opens of a file whose descriptor had been closed for others.
  uint64_t reopens() const;

 private:
  class CachedFile;
  using Handle = std::shared_ptr<RandomAccessFile>;
  struct Entry {
    Handle file;
    std::list<uint64_t>::iterator use;
  };

  // The open file of `id`, marked most recently used; opened through
  // `env` if it is not held. The handle stays valid while the caller
  // holds it, even if the cache lets it go meanwhile.
  Result<Handle> Acquire(uint64_t id, Env* env, const std::string& path);
  void Insert(uint64_t id, Handle file) REQUIRES(mu_);
  void Forget(uint64_t id);

  mutable Mutex mu_;
  size_t capacity_ GUARDED_BY(mu_);
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
  uint64_t reopens_ GUARDED_BY(mu_) = 0;
  std::list<uint64_t> uses_ GUARDED_BY(mu_);  // most recent first
  std::unordered_map<uint64_t, Entry> open_ GUARDED_BY(mu_);
};

}  // namespace lode
