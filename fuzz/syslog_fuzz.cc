// Fuzzes the syslog parser and the TCP framer: no input may crash them;
// the framer never returns a message over its limit, and every parsed
// message makes a record with valid labels.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/syslog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const int64_t now = 1'796'132'700'000'000'000;
  auto message = lode::ParseSyslog(input, now);
  if (message.ok()) {
    std::vector<lode::StreamBatch> batches;
    lode::AppendSyslogRecord(*message, now, batches);
    for (const auto& batch : batches) {
      for (const auto& label : batch.labels) {
        if (!lode::IsValidLabelName(label.name)) abort();
      }
      for (const auto& entry : batch.entries) {
        for (const auto& m : entry.metadata) {
          if (!lode::IsValidLabelName(m.name)) abort();
        }
      }
    }
  }
  // The same bytes as a TCP stream, cut in two at a point the input picks.
  lode::SyslogFramer framer(64);
  std::vector<std::string> frames;
  size_t cut = size > 0 ? data[0] % (size + 1) : 0;
  if (framer.Add(input.substr(0, cut), frames).ok() && framer.Add(input.substr(cut), frames).ok()) {
    framer.Finish(frames);
  }
  for (const std::string& frame : frames) {
    if (frame.size() > 64 && frame.find('\n') == std::string::npos) abort();
  }
  return 0;
}
