#include "base/log.h"

#include <unistd.h>

#include <atomic>

#include "base/quote.h"
#include "base/time.h"

namespace lode::log {
namespace {

std::atomic<Level> min_level{Level::kInfo};

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void SetMinLevel(Level level) { min_level.store(level); }

bool ParseLevel(std::string_view text, Level& level) {
  if (text == "debug")
    level = Level::kDebug;
  else if (text == "info")
    level = Level::kInfo;
  else if (text == "warn" || text == "warning")
    level = Level::kWarn;
  else if (text == "error")
    level = Level::kError;
  else
    return false;
  return true;
}

void AppendLogfmtValue(std::string& out, std::string_view value) {
  bool needs_quotes = value.empty();
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) {
      needs_quotes = true;
      break;
    }
  }
  if (!needs_quotes) {
    out.append(value);
    return;
  }
  AppendQuoted(out, value);
}

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (level < min_level.load(std::memory_order_relaxed)) return;
  std::string line = "ts=";
  line += FormatRfc3339Nano(NowNanos() / 1'000'000 * 1'000'000);
  line += " level=";
  line += LevelName(level);
  line += " msg=";
  AppendLogfmtValue(line, msg);
  for (const auto& [key, value] : fields) {
    line.push_back(' ');
    line.append(key);
    line.push_back('=');
    AppendLogfmtValue(line, value);
  }
  line.push_back('\n');
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
}

}  // namespace lode::log
