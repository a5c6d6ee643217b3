// StreamIndex: a tenant's streams (label sets), each with a small integer
// id, and postings from label name and value to stream ids, so that a
// selector such as {app="api", env=~"prod|stage"} finds its streams by
// looking at label values once rather than at every stream of every part.
// Built in memory from the part files' stream tables as parts are opened
// and written. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"
#include "model/labels.h"
#include "model/matcher.h"

namespace lode {

class StreamIndex {
 public:
  // The id of `labels`, adding the stream if it is new. Ids are dense,
  // from 0, and never reused.
  uint32_t Intern(const Labels& labels);
  std::vector<uint32_t> InternAll(const std::vector<Labels>& streams);

  // Which stream ids match every matcher: a bitmap indexed by id, as long
  // as the index when called (ids added later are not in it).
  std::vector<bool> Match(const std::vector<Matcher>& matchers) const;

  size_t size() const;

 private:
  // Ids whose label `m.name()` is present with a value that `m` matches,
  // sorted.
  std::vector<uint32_t> PostingsMatching(const Matcher& m) const REQUIRES(mu_);

  mutable Mutex mu_;
  std::unordered_map<std::string, uint32_t> ids_ GUARDED_BY(mu_);  // canonical label text -> id
  std::vector<Labels> streams_ GUARDED_BY(mu_);                    // by id
  // name -> value -> ids (ascending, as ids are added in order).
  std::map<std::string, std::map<std::string, std::vector<uint32_t>>> postings_ GUARDED_BY(mu_);
};

}  // namespace lode
