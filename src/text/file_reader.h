// Reading a log file as it is stored: plain, gzip (.gz) or zstd (.zst),
// told apart by their first bytes rather than by name; "-" is stdin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "io/env.h"

namespace lode {

class FileReader {
 public:
  // Opens `path` through `env` ("-": standard input).
  static Result<std::unique_ptr<FileReader>> Open(Env* env, const std::string& path);
  virtual ~FileReader() = default;

  // Appends up to about `max` decoded bytes to `out`; 0 at the end.
  virtual Result<size_t> Read(std::string& out, size_t max) = 0;
  // Bytes of the file consumed so far, and its size (0 when unknown, as
  // for a pipe): for progress.
  virtual uint64_t consumed() const = 0;
  virtual uint64_t size() const = 0;
};

// Splits decoded bytes into lines (LF; a CR before it is dropped).
class LineSplitter {
 public:
  // Calls `line` for each complete line in `bytes` (appended to what was
  // left of the last call).
  template <typename F>
  void Add(std::string_view bytes, F&& line) {
    pending_.append(bytes);
    size_t start = 0;
    while (true) {
      size_t nl = pending_.find('\n', start);
      if (nl == std::string::npos) break;
      size_t end = nl > start && pending_[nl - 1] == '\r' ? nl - 1 : nl;
      line(std::string_view(pending_).substr(start, end - start));
      start = nl + 1;
    }
    pending_.erase(0, start);
  }
  // The last line, if the input did not end with a newline.
  template <typename F>
  void Finish(F&& line) {
    if (!pending_.empty()) line(std::string_view(pending_));
    pending_.clear();
  }

 private:
  std::string pending_;
};

}  // namespace lode
