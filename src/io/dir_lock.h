// The lock that keeps one lode process per directory (a data directory,
// a cluster member's cache directory): Env::LockFile on `dir`/LOCK, with
// the error a second process reports.
#pragma once

#include <memory>
#include <string>

#include "io/env.h"

namespace lode {

// Locks `dir`/LOCK (shared or exclusive). When another process holds it,
// Unavailable: "<what> <dir> is in use by another lode process (...)".
Result<std::unique_ptr<FileLock>> LockDirectory(Env* env, const std::string& dir, bool exclusive,
                                                const std::string& what);

}  // namespace lode
