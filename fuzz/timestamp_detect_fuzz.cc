// Fuzzes the text readers lode import runs over a file: timestamp
// detection (automatic, and with a pattern the input supplies) and the
// multi-line joiner. No input may crash them; every line reaches exactly
// one joined record, and no record grows past its limits.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "text/multiline.h"
#include "text/timestamp_detect.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const int64_t now = 1'796'132'700'000'000'000;
  // The first line is a --timestamp-format pattern; the rest is the file.
  size_t nl = input.find('\n');
  std::string_view pattern = input.substr(0, nl);
  std::string_view file = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  auto fixed = lode::TimestampDetector::WithFormat(pattern, now);
  lode::TimestampDetector detector(now);
  lode::MultilineOptions options;
  options.max_lines = 8;
  options.max_bytes = 512;
  auto joiner = lode::MultilineJoiner::Create(options);
  if (!joiner.ok()) abort();
  std::vector<lode::JoinedRecord> records;
  size_t lines = 0, bytes = 0;
  while (!file.empty()) {
    size_t end = file.find('\n');
    std::string_view line = file.substr(0, end);
    file = end == std::string_view::npos ? std::string_view() : file.substr(end + 1);
    if (fixed.ok()) (void)fixed->Detect(line);
    (*joiner)->Add(line, detector.Detect(line), records);
    ++lines;
    bytes += line.size();
  }
  (*joiner)->Flush(records);
  // Joined records hold every line's bytes, one newline between lines.
  size_t joined = 0;
  for (const auto& r : records) {
    joined += r.text.size();
    size_t newlines = 0;
    for (char c : r.text) newlines += c == '\n';
    // Within the limits, except that one line alone is never cut.
    if (newlines + 1 > options.max_lines) abort();
    if (newlines > 0 && r.text.size() > options.max_bytes) abort();
  }
  if (lines > 0 && (joined < bytes || joined > bytes + lines)) abort();
  return 0;
}
