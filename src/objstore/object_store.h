// ObjectStore: a flat namespace of immutable objects (an S3 bucket), as a
// cluster keeps its parts. Only what parts need: whole-object writes that
// become visible at once or not at all, ranged reads, listing by prefix,
// deletes. Storage of a single node never uses it.
//
// Thread-safe: every call may come from any thread at any time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lode {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Stores `data` as object `key`, replacing any object of that name.
  // Readers see the whole object or no object, never a part of it.
  virtual Status Put(const std::string& key, std::string_view data) = 0;

  // Stores the file at `path` as object `key` (large files in several
  // pieces, still visible only when whole).
  virtual Status PutFile(const std::string& key, const std::string& path) = 0;

  // Reads bytes [offset, offset + n) of `key` into `out` (resized to n).
  // NotFound when the object does not exist; Corruption when it is
  // shorter than offset + n.
  virtual Status GetRange(const std::string& key, uint64_t offset, size_t n, std::string& out) = 0;

  // The whole object; NotFound when it does not exist.
  virtual Result<std::string> Get(const std::string& key) = 0;

  // The object's size; NotFound when it does not exist.
  virtual Result<uint64_t> Size(const std::string& key) = 0;

  // Every object whose key starts with `prefix`, in key order.
  virtual Result<std::vector<ObjectInfo>> List(const std::string& prefix) = 0;

  // Deletes `key`; deleting an object that does not exist is not an error.
  virtual Status Delete(const std::string& key) = 0;
};

}  // namespace lode
