#include "io/open_files.h"

#include <sys/resource.h>

#include <algorithm>

namespace lode {

uint64_t RaiseOpenFileLimit() {
  struct rlimit limit;
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    struct rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : limit.rlim_cur;
}

uint64_t OpenFileLimit() {
  struct rlimit limit;
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : limit.rlim_cur;
}

size_t PartFileBudget(uint64_t limit) {
  return static_cast<size_t>(std::clamp<uint64_t>(limit / 4, 16, 1u << 20));
}

size_t WalFileBudget(uint64_t limit) {
  return static_cast<size_t>(std::clamp<uint64_t>(limit / 8, 8, 1u << 20));
}

// A file read through the cache: its descriptor is the cache's to close
// and reopen, unless kept open.
class OpenFileCache::CachedFile final : public RandomAccessFile {
 public:
  CachedFile(OpenFileCache* cache, uint64_t id, Env* env, std::string path, uint64_t size)
      : cache_(cache), id_(id), env_(env), path_(std::move(path)), size_(size) {}
  ~CachedFile() override { cache_->Forget(id_); }

  Status Read(uint64_t offset, size_t n, std::string& out) const override {
    Handle file;
    {
      MutexLock lock(mu_);
      file = kept_;
    }
    if (file == nullptr) {
      LODE_ASSIGN_OR_RETURN(file, cache_->Acquire(id_, env_, path_));
    }
    return file->Read(offset, n, out);
  }
  uint64_t Size() const override { return size_; }

  Status KeepOpen() override {
    {
      MutexLock lock(mu_);
      if (kept_ != nullptr) return Status::Ok();
    }
    LODE_ASSIGN_OR_RETURN(Handle file, cache_->Acquire(id_, env_, path_));
    MutexLock lock(mu_);
    kept_ = std::move(file);
    return Status::Ok();
  }

 private:
  OpenFileCache* const cache_;
  const uint64_t id_;
  Env* const env_;
  const std::string path_;
  const uint64_t size_;
  mutable Mutex mu_;
  Handle kept_ GUARDED_BY(mu_);
};

OpenFileCache::OpenFileCache(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

OpenFileCache::~OpenFileCache() = default;

OpenFileCache& OpenFileCache::Parts() {
  // Never destroyed: part readers of static objects may outlive main.
  static OpenFileCache* cache = new OpenFileCache(PartFileBudget(OpenFileLimit()));
  return *cache;
}

Result<std::unique_ptr<RandomAccessFile>> OpenFileCache::Open(Env* env, const std::string& path) {
  LODE_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> opened, env->NewRandomAccessFile(path));
  const uint64_t size = opened->Size();
  MutexLock lock(mu_);
  const uint64_t id = next_id_++;
  // Opening a part reads its index next: the descriptor is kept for that.
  Insert(id, Handle(std::move(opened)));
  return std::unique_ptr<RandomAccessFile>(new CachedFile(this, id, env, path, size));
}

Result<OpenFileCache::Handle> OpenFileCache::Acquire(uint64_t id, Env* env,
                                                     const std::string& path) {
  {
    MutexLock lock(mu_);
    auto it = open_.find(id);
    if (it != open_.end()) {
      uses_.splice(uses_.begin(), uses_, it->second.use);
      return it->second.file;
    }
    ++reopens_;
  }
  // Opened outside the lock: other files' reads need not wait on it.
  LODE_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> opened, env->NewRandomAccessFile(path));
  Handle file(std::move(opened));
  MutexLock lock(mu_);
  auto it = open_.find(id);
  if (it != open_.end()) return it->second.file;  // another reader opened it meanwhile
  Insert(id, file);
  return file;
}

void OpenFileCache::Insert(uint64_t id, Handle file) {
  uses_.push_front(id);
  open_.emplace(id, Entry{std::move(file), uses_.begin()});
  while (open_.size() > capacity_) {
    // A reader still holding the evicted handle finishes its read; the
    // descriptor closes when the last holder lets go.
    open_.erase(uses_.back());
    uses_.pop_back();
  }
}

void OpenFileCache::Forget(uint64_t id) {
  Handle closing;  // closed after the lock is released
  MutexLock lock(mu_);
  auto it = open_.find(id);
  if (it == open_.end()) return;
  closing = std::move(it->second.file);
  uses_.erase(it->second.use);
  open_.erase(it);
}

size_t OpenFileCache::capacity() const {
  MutexLock lock(mu_);
  return capacity_;
}

void OpenFileCache::set_capacity(size_t capacity) {
  MutexLock lock(mu_);
  capacity_ = std::max<size_t>(capacity, 1);
  while (open_.size() > capacity_) {
    open_.erase(uses_.back());
    uses_.pop_back();
  }
}

size_t OpenFileCache::open_files() const {
  MutexLock lock(mu_);
  return open_.size();
}

uint64_t OpenFileCache::reopens() const {
  MutexLock lock(mu_);
  return reopens_;
}

}  // namespace lode
