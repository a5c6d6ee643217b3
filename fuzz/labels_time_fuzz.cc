// Fuzzes the small text parsers of model/ and base/: label sets (their
// printed form must parse back to the same set), API times and durations.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/time.h"
#include "model/labels.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto labels = lode::Labels::Parse(input);
  if (labels.ok()) {
    auto again = lode::Labels::Parse(labels->ToString());
    if (!again.ok() || !(*again == *labels)) abort();
  }
  (void)lode::ParseApiTime(input);
  (void)lode::ParseDuration(input);
  (void)lode::ParseSecondsOrDuration(input);
  auto t = lode::ParseRfc3339(input);
  if (t.ok()) {
    auto back = lode::ParseRfc3339(lode::FormatRfc3339Nano(*t));
    if (!back.ok() || *back != *t) abort();
  }
  return 0;
}
