// FaultEnv: an Env for tests that wraps a real one and can (1) fail
// writes, syncs or renames from some point on, (2) tear the next write so
// only part of it reaches the file, (3) simulate power loss: every file
// loses what was appended since its last Sync, files created or renamed
// into place since their directory was last synced disappear (a file a
// rename replaced comes back), as LevelDB's and RocksDB's fault-injection
// environments model it, and (4) run out of space as a full disk does.
//
// Thread-safe. Every change to the file system happens whole under one
// lock, so that a power cut (CutPower) falls between two of them: between
// a write and its fsync, a rename and its directory's fsync, and so on.
#pragma once

#include <map>
#include <set>
#include <string>

#include "base/mutex.h"
#include "io/env.h"

namespace lode {

class FaultEnv final : public Env {
 public:
  explicit FaultEnv(Env* base) : base_(base) {}

  // After `n` more successful appends, every append fails with IOError.
  void FailAppendsAfter(int n);
  void FailSyncs(bool fail);
  // Renames fail while `fail`; with `under`, only renames of paths that
  // start with it (one tenant's directory, say).
  void FailRenames(bool fail, std::string under = "");
  // The next append writes only its first `bytes` bytes, then fails.
  void TearNextAppend(size_t bytes);
  // A full disk: while `full`, appends write nothing and new files are
  // not created (NoSpace); with `at_sync`, appends succeed and their
  // fsync fails instead, as delayed allocation reports it.
  void FillDisk(bool full, bool at_sync = false);
  // Undoes everything not made durable, as a power cut would.
  Status DropUnsyncedData();
  // A power cut now: from this instant every change to the file system
  // fails (IOError), and everything not made durable is undone. The
  // store that was running is then closed or dropped, and RestorePower
  // lets a new one open what is left.
  Status CutPower();
  void RestorePower();
  // Clears every fault.
  void Heal();

  // The clock the store reads: `clock` (not owned), or the base's when
  // null.
  void SetClock(Clock* clock) { clock_ = clock; }
  Clock* clock() override { return clock_ != nullptr ? clock_ : base_->clock(); }

  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    return base_->NewRandomAccessFile(path);
  }
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    return base_->NewSequentialFile(path);
  }
  Result<std::string> ReadFile(const std::string& path) override { return base_->ReadFile(path); }
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    return base_->ListDir(dir);
  }
  Status CreateDirs(const std::string& dir) override;
  Status RemoveFile(const std::string& path) override;
  Status RemoveDir(const std::string& dir) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Status SyncDir(const std::string& dir) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path, bool exclusive) override {
    return base_->LockFile(path, exclusive);
  }

 private:
  friend class FaultWritableFile;
  // Called by files: an append and a sync, decided and done under mu_.
  Status AppendTo(const std::string& path, WritableFile& file, std::string_view data);
  Status SyncOf(const std::string& path, WritableFile& file);
  Status DropUnsyncedDataLocked() REQUIRES(mu_);
  Status PowerOff(const std::string& what) const {
    return Status::IOError("power is off: " + what);
  }

  Env* const base_;
  Clock* clock_ = nullptr;
  Mutex mu_;
  int appends_left_ GUARDED_BY(mu_) = -1;  // -1: no limit
  bool fail_syncs_ GUARDED_BY(mu_) = false;
  bool fail_renames_ GUARDED_BY(mu_) = false;
  std::string fail_renames_under_ GUARDED_BY(mu_);
  size_t tear_next_ GUARDED_BY(mu_) = 0;
  bool tear_armed_ GUARDED_BY(mu_) = false;
  bool no_space_appends_ GUARDED_BY(mu_) = false;
  bool no_space_syncs_ GUARDED_BY(mu_) = false;
  // Every file opened for append.
  std::map<std::string, uint64_t> synced_size_ GUARDED_BY(mu_);
  // Created or renamed-to since their directory was last synced.
  std::set<std::string> unsynced_entries_ GUARDED_BY(mu_);
  // What a rename replaced, until the rename's directory is synced: a
  // power cut brings it back.
  std::map<std::string, std::string> replaced_ GUARDED_BY(mu_);
  bool power_off_ GUARDED_BY(mu_) = false;
};

}  // namespace lode
