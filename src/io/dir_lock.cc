#include "io/dir_lock.h"

namespace lode {

Result<std::unique_ptr<FileLock>> LockDirectory(Env* env, const std::string& dir, bool exclusive,
                                                const std::string& what) {
  auto locked = env->LockFile(JoinPath(dir, "LOCK"), exclusive);
  if (locked.ok() || locked.status().code() != StatusCode::kUnavailable) return locked;
  return Status::Unavailable(what + " " + dir + " is in use by another lode process (" +
                             locked.status().message() + ")");
}

}  // namespace lode
