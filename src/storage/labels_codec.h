// Binary encoding of a label set, shared by the WAL and part formats:
//   varint count, then per label: lp(name) lp(value)
// where lp(x) is a varint length followed by the bytes.
#pragma once

#include <string>
#include <vector>

#include "base/coding.h"
#include "model/labels.h"

namespace lode {

inline void EncodeLabels(std::string& out, const Labels& labels) {
  PutVarint64(out, labels.size());
  for (const Label& l : labels) {
    PutLengthPrefixed(out, l.name);
    PutLengthPrefixed(out, l.value);
  }
}

// False on malformed input. Each label takes at least two bytes, so a
// count above remaining/2 is caught before anything is allocated.
inline bool DecodeLabels(Decoder& d, Labels& out) {
  uint64_t n = d.Varint64();
  if (!d.ok() || n > d.remaining() / 2) return false;
  std::vector<Label> labels;
  labels.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name = d.LengthPrefixed();
    std::string_view value = d.LengthPrefixed();
    if (!d.ok()) return false;
    labels.push_back(Label{std::string(name), std::string(value)});
  }
  out = Labels(std::move(labels));
  return true;
}

}  // namespace lode
