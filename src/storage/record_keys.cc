#include "storage/record_keys.h"

#include <xxhash.h>

#include <unordered_set>

namespace lode {

std::vector<RecordKey> RecordKeys(const std::vector<StreamBatch>& batches,
                                  const std::vector<std::string>& names) {
  std::vector<RecordKey> keys;
  if (names.empty()) return keys;
  std::unordered_set<std::string> seen;
  for (size_t b = 0; b < batches.size(); ++b) {
    std::string stream;  // the stream's canonical form, once it is needed
    const auto& entries = batches[b].entries;
    for (size_t e = 0; e < entries.size(); ++e) {
      if (entries[e].metadata.empty()) continue;
      std::string_view id;
      for (const std::string& name : names) {
        id = entries[e].metadata.Get(name);
        if (!id.empty()) break;
      }
      if (id.empty()) continue;
      if (stream.empty()) stream = batches[b].labels.ToString();
      // A digest of (stream, id): ids are compared within their stream, and
      // memory does not grow with the ids' length.
      std::string keyed = stream;
      keyed += '\xff';
      keyed += id;
      XXH128_canonical_t digest;
      XXH128_canonicalFromHash(&digest, XXH3_128bits(keyed.data(), keyed.size()));
      std::string key(reinterpret_cast<const char*>(digest.digest), sizeof(digest.digest));
      if (!seen.insert(key).second) key.clear();
      keys.push_back(RecordKey{b, e, std::move(key)});
    }
  }
  return keys;
}

std::vector<StreamBatch> WithoutRecords(const std::vector<StreamBatch>& batches,
                                        const std::vector<RecordKey>& keys,
                                        const std::vector<char>& dropped) {
  std::vector<std::vector<char>> drop(batches.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!dropped[i]) continue;
    auto& mask = drop[keys[i].batch];
    if (mask.empty()) mask.resize(batches[keys[i].batch].entries.size());
    mask[keys[i].entry] = 1;
  }
  std::vector<StreamBatch> out;
  for (size_t b = 0; b < batches.size(); ++b) {
    if (drop[b].empty()) {
      out.push_back(batches[b]);
      continue;
    }
    StreamBatch kept{batches[b].labels, {}};
    for (size_t e = 0; e < batches[b].entries.size(); ++e) {
      if (!drop[b][e]) kept.entries.push_back(batches[b].entries[e]);
    }
    if (!kept.entries.empty()) out.push_back(std::move(kept));
  }
  return out;
}

}  // namespace lode
