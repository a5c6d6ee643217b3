// The server's own logs: one logfmt line per event on stderr, e.g.
//   ts=2024-05-01T12:00:00.123Z level=info msg="listening" addr=127.0.0.1:3100
// Thread-safe; each line is written with one write(2) so lines from
// different threads never interleave.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace lode::log {

enum class Level { kDebug, kInfo, kWarn, kError };

void SetMinLevel(Level level);
// Accepts debug, info, warn, error; false for anything else.
bool ParseLevel(std::string_view text, Level& level);

using Field = std::pair<std::string_view, std::string>;

void Write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});

inline void Debug(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kDebug, msg, fields);
}
inline void Info(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, msg, fields);
}
inline void Warn(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kWarn, msg, fields);
}
inline void Error(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Write(Level::kError, msg, fields);
}

// Appends `value` to `out` in logfmt: bare when it has no space, quote,
// '=' or control character, quoted and escaped otherwise.
void AppendLogfmtValue(std::string& out, std::string_view value);

}  // namespace lode::log
