#include "io/fault_env.h"

namespace lode {

namespace {
std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}
}  // namespace

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultEnv* env, std::string path, std::unique_ptr<WritableFile> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}

  Status Append(std::string_view data) override { return env_->AppendTo(path_, *base_, data); }
  // One Append of the concatenation: a fault counts one write, as for a
  // frame written alone.
  Status AppendAll(std::span<const std::string> pieces) override {
    std::string all;
    for (const std::string& piece : pieces) all += piece;
    return Append(all);
  }
  Status Sync() override { return env_->SyncOf(path_, *base_); }
  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }

 private:
  FaultEnv* env_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

void FaultEnv::FailAppendsAfter(int n) {
  MutexLock lock(mu_);
  appends_left_ = n;
}
void FaultEnv::FailSyncs(bool fail) {
  MutexLock lock(mu_);
  fail_syncs_ = fail;
}
void FaultEnv::FailRenames(bool fail, std::string under) {
  MutexLock lock(mu_);
  fail_renames_ = fail;
  fail_renames_under_ = std::move(under);
}
void FaultEnv::TearNextAppend(size_t bytes) {
  MutexLock lock(mu_);
  tear_armed_ = true;
  tear_next_ = bytes;
}
void FaultEnv::FillDisk(bool full, bool at_sync) {
  MutexLock lock(mu_);
  no_space_appends_ = full && !at_sync;
  no_space_syncs_ = full && at_sync;
}
void FaultEnv::Heal() {
  MutexLock lock(mu_);
  appends_left_ = -1;
  fail_syncs_ = fail_renames_ = tear_armed_ = false;
  no_space_appends_ = no_space_syncs_ = false;
}

Status FaultEnv::AppendTo(const std::string& path, WritableFile& file, std::string_view data) {
  MutexLock lock(mu_);
  if (power_off_) return PowerOff("write " + path);
  if (tear_armed_) {
    tear_armed_ = false;
    LODE_RETURN_IF_ERROR(file.Append(data.substr(0, std::min(tear_next_, data.size()))));
    return Status::IOError("injected torn write to " + path);
  }
  if (appends_left_ == 0) return Status::IOError("injected write failure on " + path);
  if (no_space_appends_) {
    return Status::NoSpace("write " + path + ": No space left on device (injected)");
  }
  if (appends_left_ > 0) --appends_left_;
  return file.Append(data);
}

Status FaultEnv::SyncOf(const std::string& path, WritableFile& file) {
  MutexLock lock(mu_);
  if (power_off_) return PowerOff("fsync " + path);
  if (fail_syncs_) return Status::IOError("injected fsync failure on " + path);
  if (no_space_syncs_) {
    return Status::NoSpace("fsync " + path + ": No space left on device (injected)");
  }
  LODE_RETURN_IF_ERROR(file.Sync());
  synced_size_[path] = file.Size();
  return Status::Ok();
}

Result<std::unique_ptr<WritableFile>> FaultEnv::NewAppendableFile(const std::string& path) {
  MutexLock lock(mu_);
  if (power_off_) return PowerOff("open " + path);
  bool existed = base_->FileExists(path);
  if (no_space_appends_ && !existed) {
    return Status::NoSpace("open " + path + ": No space left on device (injected)");
  }
  LODE_ASSIGN_OR_RETURN(auto file, base_->NewAppendableFile(path));
  if (!synced_size_.count(path)) synced_size_[path] = existed ? file->Size() : 0;
  if (!existed) unsynced_entries_.insert(path);
  return std::unique_ptr<WritableFile>(new FaultWritableFile(this, path, std::move(file)));
}

Status FaultEnv::CreateDirs(const std::string& dir) {
  MutexLock lock(mu_);
  if (power_off_ && !base_->FileExists(dir)) return PowerOff("mkdir " + dir);
  // A directory takes a block, which a full disk does not have.
  if (no_space_appends_ && !base_->FileExists(dir)) {
    return Status::NoSpace("mkdir " + dir + ": No space left on device (injected)");
  }
  return base_->CreateDirs(dir);
}

Status FaultEnv::RemoveDir(const std::string& dir) {
  MutexLock lock(mu_);
  if (power_off_) return PowerOff("rmdir " + dir);
  return base_->RemoveDir(dir);
}

// A removed file stays removed after a power cut (the model does not
// bring deleted names back).
Status FaultEnv::RemoveFile(const std::string& path) {
  MutexLock lock(mu_);
  if (power_off_) return PowerOff("remove " + path);
  LODE_RETURN_IF_ERROR(base_->RemoveFile(path));
  synced_size_.erase(path);
  unsynced_entries_.erase(path);
  replaced_.erase(path);
  return Status::Ok();
}

Status FaultEnv::RenameFile(const std::string& from, const std::string& to) {
  MutexLock lock(mu_);
  if (power_off_) return PowerOff("rename " + from);
  if (fail_renames_ && from.starts_with(fail_renames_under_))
    return Status::IOError("injected rename failure " + from);
  // A durable file the rename replaces comes back if the rename is lost.
  if (!unsynced_entries_.count(to) && !replaced_.count(to) && base_->FileExists(to)) {
    LODE_ASSIGN_OR_RETURN(std::string old, base_->ReadFile(to));
    auto synced = synced_size_.find(to);
    if (synced != synced_size_.end() && synced->second < old.size()) old.resize(synced->second);
    replaced_[to] = std::move(old);
  }
  LODE_RETURN_IF_ERROR(base_->RenameFile(from, to));
  auto it = synced_size_.find(from);
  if (it != synced_size_.end()) {
    synced_size_[to] = it->second;
    synced_size_.erase(it);
  }
  unsynced_entries_.erase(from);
  unsynced_entries_.insert(to);
  return Status::Ok();
}

Status FaultEnv::TruncateFile(const std::string& path, uint64_t size) {
  MutexLock lock(mu_);
  if (power_off_) return PowerOff("truncate " + path);
  LODE_RETURN_IF_ERROR(base_->TruncateFile(path, size));
  auto it = synced_size_.find(path);
  if (it != synced_size_.end() && it->second > size) it->second = size;
  return Status::Ok();
}

Status FaultEnv::SyncDir(const std::string& dir) {
  MutexLock lock(mu_);
  if (power_off_) return PowerOff("fsync directory " + dir);
  if (fail_syncs_) return Status::IOError("injected fsync failure on directory " + dir);
  LODE_RETURN_IF_ERROR(base_->SyncDir(dir));
  for (auto it = unsynced_entries_.begin(); it != unsynced_entries_.end();) {
    if (DirOf(*it) == dir) {
      it = unsynced_entries_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = replaced_.begin(); it != replaced_.end();) {
    if (DirOf(it->first) == dir) {
      it = replaced_.erase(it);
    } else {
      ++it;
    }
  }
  return Status::Ok();
}

Status FaultEnv::DropUnsyncedData() {
  MutexLock lock(mu_);
  return DropUnsyncedDataLocked();
}

Status FaultEnv::CutPower() {
  MutexLock lock(mu_);
  power_off_ = true;
  return DropUnsyncedDataLocked();
}

void FaultEnv::RestorePower() {
  MutexLock lock(mu_);
  power_off_ = false;
}

Status FaultEnv::DropUnsyncedDataLocked() {
  for (const std::string& path : unsynced_entries_) {
    if (base_->FileExists(path)) LODE_RETURN_IF_ERROR(base_->RemoveFile(path));
    synced_size_.erase(path);
  }
  unsynced_entries_.clear();
  for (const auto& [path, content] : replaced_) {
    LODE_ASSIGN_OR_RETURN(auto file, base_->NewAppendableFile(path));
    LODE_RETURN_IF_ERROR(file->Append(content));
    LODE_RETURN_IF_ERROR(file->Sync());
    LODE_RETURN_IF_ERROR(file->Close());
    synced_size_[path] = content.size();
  }
  replaced_.clear();
  for (const auto& [path, size] : synced_size_) {
    if (!base_->FileExists(path)) continue;
    LODE_ASSIGN_OR_RETURN(uint64_t now, base_->FileSize(path));
    if (now > size) LODE_RETURN_IF_ERROR(base_->TruncateFile(path, size));
  }
  return Status::Ok();
}

}  // namespace lode
