#include "cluster/block_cache.h"

#include <xxhash.h>

#include <cstdio>
#include <vector>

namespace lode {

BlockCache::BlockCache(Env* env, std::string dir, uint64_t max_bytes, ObjectStore& store,
                       uint64_t chunk_size)
    : env_(env),
      dir_(std::move(dir)),
      max_bytes_(max_bytes),
      store_(store),
      chunk_size_(chunk_size) {}

Status BlockCache::Open() {
  LODE_RETURN_IF_ERROR(env_->CreateDirs(dir_));
  LODE_ASSIGN_OR_RETURN(std::vector<std::string> names, env_->ListDir(dir_));
  for (const std::string& name : names) {
    // Chunks of an earlier run: the cache knows nothing of them.
    Status s = env_->RemoveFile(JoinPath(dir_, name));
    if (!s.ok()) return s.WithContext("emptying the block cache");
  }
  return Status::Ok();
}

std::string BlockCache::ChunkName(const std::string& key, uint64_t index) const {
  char name[64];
  std::snprintf(name, sizeof(name), "%016llx-%llu",
                static_cast<unsigned long long>(XXH3_64bits(key.data(), key.size())),
                static_cast<unsigned long long>(index));
  return name;
}

Status BlockCache::Read(const std::string& key, uint64_t object_size, uint64_t offset, size_t n,
                        std::string& out) {
  out.clear();
  if (offset + n > object_size) {
    return Status::Corruption("object " + key + ": read past its end at offset " +
                              std::to_string(offset));
  }
  out.reserve(n);
  uint64_t end = offset + n;
  for (uint64_t at = offset; at < end;) {
    uint64_t index = at / chunk_size_;
    uint64_t chunk_start = index * chunk_size_;
    uint64_t from = at - chunk_start;
    uint64_t len = std::min(end, chunk_start + chunk_size_) - at;
    LODE_RETURN_IF_ERROR(ReadChunk(key, object_size, index, from, len, out));
    at += len;
  }
  return Status::Ok();
}

Status BlockCache::ReadChunk(const std::string& key, uint64_t object_size, uint64_t index,
                             uint64_t from, uint64_t len, std::string& out) {
  const std::string name = ChunkName(key, index);
  const std::string path = JoinPath(dir_, name);
  bool cached = false;
  {
    MutexLock lock(mu_);
    auto it = chunks_.find(name);
    if (it != chunks_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      cached = true;
    }
  }
  if (cached) {
    // The chunk may be evicted between the lookup and the open: then it
    // is fetched again, as a miss.
    auto file = env_->NewRandomAccessFile(path);
    if (file.ok()) {
      std::string bytes;
      if ((*file)->Read(from, len, bytes).ok()) {
        hits_.fetch_add(1, std::memory_order_relaxed);
        out += bytes;
        return Status::Ok();
      }
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  LODE_ASSIGN_OR_RETURN(std::string chunk, Fetch(key, object_size, index));
  if (from + len > chunk.size()) {
    return Status::Corruption("object " + key + ": shorter than its catalog size");
  }
  out.append(chunk, from, len);
  // Kept for the next read; a cache that cannot write is only slower.
  const std::string temp = path + ".tmp" + std::to_string(temp_.fetch_add(1));
  auto file = env_->NewAppendableFile(temp);
  if (file.ok() && (*file)->Append(chunk).ok() && (*file)->Close().ok() &&
      env_->RenameFile(temp, path).ok()) {
    Insert(name, chunk.size());
  } else {
    (void)env_->RemoveFile(temp);
  }
  return Status::Ok();
}

Result<std::string> BlockCache::Fetch(const std::string& key, uint64_t object_size,
                                      uint64_t index) {
  uint64_t start = index * chunk_size_;
  uint64_t len = std::min(chunk_size_, object_size - start);
  std::string chunk;
  LODE_RETURN_IF_ERROR(store_.GetRange(key, start, len, chunk));
  fetched_.fetch_add(chunk.size(), std::memory_order_relaxed);
  return chunk;
}

void BlockCache::Insert(const std::string& name, uint64_t size) {
  std::vector<std::string> evicted;
  {
    MutexLock lock(mu_);
    auto [it, inserted] = chunks_.try_emplace(name);
    if (!inserted) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return;
    }
    lru_.push_front(name);
    it->second.size = size;
    it->second.lru = lru_.begin();
    bytes_ += size;
    while (bytes_ > max_bytes_ && lru_.size() > 1) {
      const std::string victim = lru_.back();
      lru_.pop_back();
      auto v = chunks_.find(victim);
      bytes_ -= v->second.size;
      chunks_.erase(v);
      evicted.push_back(victim);
    }
  }
  for (const std::string& victim : evicted) {
    evictions_.fetch_add(1, std::memory_order_relaxed);
    (void)env_->RemoveFile(JoinPath(dir_, victim));
  }
}

BlockCacheStats BlockCache::Stats() const {
  BlockCacheStats s;
  s.hits = hits_.load();
  s.misses = misses_.load();
  s.fetched_bytes = fetched_.load();
  s.evictions = evictions_.load();
  MutexLock lock(mu_);
  s.bytes = bytes_;
  return s;
}

Status CachedObjectFile::Read(uint64_t offset, size_t n, std::string& out) const {
  return cache_.Read(key_, size_, offset, n, out);
}

}  // namespace lode
