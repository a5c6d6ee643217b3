// Joining the lines of one record (a stack trace under its log line) into
// one entry, as log shippers do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace re2 {
class RE2;
}

namespace lode {

// A record built from one or more lines, with the time of its first line
// (nullopt when that line has none).
struct JoinedRecord {
  std::string text;
  std::optional<int64_t> timestamp;
};

struct MultilineOptions {
  enum class Mode {
    kNone,     // every line is a record
    kAuto,     // see MultilineJoiner
    kPattern,  // a line matching `start` begins a record
  };
  Mode mode = Mode::kAuto;
  std::string start;  // RE2 syntax, for kPattern
  // A record grows no further than this; the next line starts another.
  size_t max_lines = 1000;
  size_t max_bytes = 256 * 1024;
};

// Builds records from lines. In auto mode, once the input has shown a line
// that starts with a timestamp, a line without one continues the record
// before it (the lines of a Java or Python stack trace, whatever they
// start with); until then, lines that start with whitespace or with
// "Caused by:" continue it.
class MultilineJoiner {
 public:
  static Result<std::unique_ptr<MultilineJoiner>> Create(const MultilineOptions& options);
  ~MultilineJoiner();

  // Adds one line (without its newline) and the time it starts with, if
  // any. Records that are complete go to `out`.
  void Add(std::string_view line, std::optional<int64_t> timestamp, std::vector<JoinedRecord>& out);
  // Ends the record being built, if any (end of input, or input idle).
  void Flush(std::vector<JoinedRecord>& out);
  bool pending() const { return lines_ > 0; }

 private:
  explicit MultilineJoiner(const MultilineOptions& options);
  bool StartsRecord(std::string_view line, bool has_timestamp) const;

  MultilineOptions options_;
  std::unique_ptr<re2::RE2> start_;
  bool seen_timestamps_ = false;
  JoinedRecord record_;
  size_t lines_ = 0;
};

}  // namespace lode
