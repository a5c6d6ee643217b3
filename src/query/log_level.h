// The level of a log record, as Loki's `detected_level` names it:
// critical, error, warn, info, debug, trace or unknown. Read from a
// level-like label or structured metadata (level, detected_level,
// severity, lvl, loglevel) when there is one, else from the line: a
// `level=...` / `"level":"..."` field, or a level word standing alone
// (ERROR, WARN, INFO, ..., in any case; [E], E0501 and the like are not
// read).
#pragma once

#include <string_view>

#include "model/labels.h"

namespace lode {

enum class LogLevel : uint8_t { kUnknown, kTrace, kDebug, kInfo, kWarn, kError, kCritical };
inline constexpr int kLogLevels = 7;

const char* LogLevelName(LogLevel level);
// The level a name stands for ("WARNING", "err", "fatal", ...); kUnknown
// when it names none.
LogLevel ParseLogLevel(std::string_view name);
LogLevel DetectLogLevel(const Labels& stream, const Labels& metadata, std::string_view line);

}  // namespace lode
