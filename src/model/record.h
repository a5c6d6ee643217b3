// The data model: a record is a timestamp, a stream, a line kept byte for
// byte, and optional structured metadata.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "model/labels.h"

namespace lode {

// Nanoseconds since the Unix epoch.
using TimestampNs = int64_t;

// A pushed line's bytes: its own, or a view of bytes that outlive it.
// The server decodes a push's lines as views of the request body, which
// outlives the push's entries, instead of allocating a string per line
// (those allocations were a tenth of ingest CPU). A copy always owns its
// bytes, so whatever keeps an entry past the push keeps a copy; a move
// keeps a view a view.
class LineBytes {
 public:
  LineBytes() = default;
  LineBytes(std::string bytes) : owned_(std::move(bytes)) {}  // NOLINT: implicit
  LineBytes(std::string_view bytes) : owned_(bytes) {}        // NOLINT: implicit
  LineBytes(const char* bytes) : owned_(bytes) {}             // NOLINT: implicit
  // Views `bytes`, which must outlive this object and its moves.
  static LineBytes View(std::string_view bytes) {
    LineBytes line;
    line.view_ = bytes;
    line.viewing_ = true;
    return line;
  }

  LineBytes(const LineBytes& other) : owned_(other.view()) {}
  LineBytes& operator=(const LineBytes& other) {
    if (this != &other) assign(other.view());
    return *this;
  }
  LineBytes(LineBytes&&) noexcept = default;
  LineBytes& operator=(LineBytes&&) noexcept = default;

  std::string_view view() const { return viewing_ ? view_ : std::string_view(owned_); }
  operator std::string_view() const { return view(); }  // NOLINT: implicit
  std::string str() const { return std::string(view()); }
  const char* data() const { return view().data(); }
  size_t size() const { return view().size(); }
  bool empty() const { return size() == 0; }
  char operator[](size_t i) const { return view()[i]; }
  std::string_view substr(size_t pos, size_t n = std::string_view::npos) const {
    return view().substr(pos, n);
  }

  // Owns a copy of `bytes`.
  void assign(std::string_view bytes) {
    owned_.assign(bytes);
    viewing_ = false;
    view_ = {};
  }
  // Keeps the first `n` bytes (n <= size()).
  void Truncate(size_t n) {
    if (viewing_) {
      view_ = view_.substr(0, n);
    } else {
      owned_.resize(n);
    }
  }

  friend bool operator==(const LineBytes& a, const LineBytes& b) { return a.view() == b.view(); }
  friend bool operator==(const LineBytes& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const LineBytes& a, const char* b) { return a.view() == b; }
  friend bool operator==(const LineBytes& a, const std::string& b) { return a.view() == b; }

 private:
  std::string owned_;
  std::string_view view_;
  bool viewing_ = false;
};

std::ostream& operator<<(std::ostream& out, const LineBytes& line);

struct Entry {
  TimestampNs timestamp = 0;
  LineBytes line;
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
