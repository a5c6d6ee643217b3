// The data model: a record is a timestamp, a stream, a line kept byte for
// byte, and optional structured metadata.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/labels.h"

namespace lode {

// Nanoseconds since the Unix epoch.
using TimestampNs = int64_t;

struct Entry {
  TimestampNs timestamp = 0;
  std::string line;
  Labels metadata;  // structured metadata; usually empty
};

// Entries of one stream, as they arrive in a push: the unit of append.
struct StreamBatch {
  Labels labels;
  std::vector<Entry> entries;
};

// A stored record as a reader sees it.
struct Record {
  TimestampNs timestamp = 0;
  Labels stream;
  std::string line;
  Labels metadata;
};

}  // namespace lode
