// BlockCache: the local copy of the bytes of bucket objects that queries
// read, in fixed, aligned chunks (1 MiB by default) stored as files under
// cache_dir, least recently used evicted past max_bytes. Parts are
// immutable, so a cached chunk is never stale. The cache starts empty at
// every start (nothing in it matters: it is all in the bucket).
//
// Thread-safe. Two readers missing the same chunk at once both fetch it;
// rarer than worth a wait list.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/mutex.h"
#include "base/status.h"
#include "io/env.h"
#include "objstore/object_store.h"

namespace lode {

struct BlockCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t fetched_bytes = 0;
  uint64_t evictions = 0;
  uint64_t bytes = 0;  // cached now
};

class BlockCache {
 public:
  BlockCache(Env* env, std::string dir, uint64_t max_bytes, ObjectStore& store,
             uint64_t chunk_size = 1u << 20);

  // Empties the directory (creating it when missing).
  Status Open();

  // Reads bytes [offset, offset + n) of object `key`, whose size is
  // `object_size`, into `out`.
  Status Read(const std::string& key, uint64_t object_size, uint64_t offset, size_t n,
              std::string& out);

  BlockCacheStats Stats() const;

 private:
  struct Chunk {
    uint64_t size = 0;
    std::list<std::string>::iterator lru;  // into lru_ (front: most recent)
  };
  // Appends chunk `index` of `key` (bytes [from, from + len) of it) to out.
  Status ReadChunk(const std::string& key, uint64_t object_size, uint64_t index, uint64_t from,
                   uint64_t len, std::string& out);
  Result<std::string> Fetch(const std::string& key, uint64_t object_size, uint64_t index);
  void Insert(const std::string& name, uint64_t size) EXCLUDES(mu_);
  std::string ChunkName(const std::string& key, uint64_t index) const;

  Env* const env_;
  const std::string dir_;
  const uint64_t max_bytes_;
  ObjectStore& store_;
  const uint64_t chunk_size_;

  mutable Mutex mu_;
  std::unordered_map<std::string, Chunk> chunks_ GUARDED_BY(mu_);  // by file name
  std::list<std::string> lru_ GUARDED_BY(mu_);
  uint64_t bytes_ GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> hits_{0}, misses_{0}, fetched_{0}, evictions_{0}, temp_{0};
};

// A bucket object as a RandomAccessFile, read through the cache: what a
// part::PartReader opens for a part in the bucket.
class CachedObjectFile final : public RandomAccessFile {
 public:
  CachedObjectFile(BlockCache& cache, std::string key, uint64_t size)
      : cache_(cache), key_(std::move(key)), size_(size) {}
  Status Read(uint64_t offset, size_t n, std::string& out) const override;
  uint64_t Size() const override { return size_; }

 private:
  BlockCache& cache_;
  const std::string key_;
  const uint64_t size_;
};

}  // namespace lode
