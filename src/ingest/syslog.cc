#include "ingest/syslog.h"

#include <charconv>
#include <map>

#include "base/time.h"
#include "text/timestamp_detect.h"

namespace lode {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads `<PRI>` at the start: 1 to 3 digits, at most 191.
bool ReadPri(std::string_view& s, int& pri) {
  if (s.size() < 3 || s[0] != '<') return false;
  size_t close = s.find('>', 1);
  if (close == std::string_view::npos || close < 2 || close > 4) return false;
  int value = 0;
  for (size_t i = 1; i < close; ++i) {
    if (!IsDigit(s[i])) return false;
    value = value * 10 + (s[i] - '0');
  }
  if (value > 191) return false;
  pri = value;
  s.remove_prefix(close + 1);
  return true;
}

// The next space-delimited field, and the rest after one space.
std::string_view NextField(std::string_view& s) {
  size_t space = s.find(' ');
  std::string_view field = s.substr(0, space);
  s = space == std::string_view::npos ? std::string_view() : s.substr(space + 1);
  return field;
}

std::string Nil(std::string_view field) {
  return field == "-" ? std::string() : std::string(field);
}

// The structured-data name of a param: `<sd-id>_<param>`, with characters
// a label name cannot hold replaced.
std::string SdName(std::string_view id, std::string_view param) {
  return NormalizeLabelName(std::string(id) + "_" + std::string(param));
}

// STRUCTURED-DATA: "-" or one or more [id param="value" ...] elements.
bool ParseStructuredData(std::string_view& s, std::vector<Label>& out) {
  if (s.starts_with("-")) {
    s.remove_prefix(1);
    return true;
  }
  if (!s.starts_with("[")) return false;
  while (s.starts_with("[")) {
    s.remove_prefix(1);
    size_t id_end = s.find_first_of(" ]");
    if (id_end == std::string_view::npos || id_end == 0) return false;
    std::string_view id = s.substr(0, id_end);
    s.remove_prefix(id_end);
    while (s.starts_with(" ")) {
      s.remove_prefix(1);
      size_t eq = s.find('=');
      if (eq == std::string_view::npos || eq == 0 || eq + 1 >= s.size() || s[eq + 1] != '"') {
        return false;
      }
      std::string_view param = s.substr(0, eq);
      s.remove_prefix(eq + 2);
      std::string value;
      size_t i = 0;
      for (; i < s.size() && s[i] != '"'; ++i) {
        // Only \" \\ and \] are escapes; any other backslash stays.
        if (s[i] == '\\' && i + 1 < s.size() &&
            (s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == ']')) {
          ++i;
        }
        value += s[i];
      }
      if (i >= s.size()) return false;
      s.remove_prefix(i + 1);
      out.push_back(Label{SdName(id, param), std::move(value)});
    }
    if (!s.starts_with("]")) return false;
    s.remove_prefix(1);
  }
  return true;
}

Result<SyslogMessage> Parse5424(std::string_view s, SyslogMessage m) {
  // VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
  NextField(s);  // version "1"
  std::string_view ts = NextField(s);
  if (ts != "-") {
    auto parsed = ParseRfc3339(ts);
    if (parsed.ok()) {
      m.has_timestamp = true;
      m.timestamp = *parsed;
    }
  }
  m.hostname = Nil(NextField(s));
  m.app_name = Nil(NextField(s));
  m.procid = Nil(NextField(s));
  m.msgid = Nil(NextField(s));
  std::string_view before_sd = s;
  if (!ParseStructuredData(s, m.structured_data)) {
    // Not valid structured data: keep the text as the message.
    m.structured_data.clear();
    s = before_sd;
  } else if (s.starts_with(" ")) {
    s.remove_prefix(1);
  }
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);  // BOM
  m.message = std::string(s);
  return m;
}

Result<SyslogMessage> Parse3164(std::string_view s, SyslogMessage m, TimestampNs now) {
  // TIMESTAMP SP HOSTNAME SP TAG[PID]: MSG; the timestamp and hostname
  // may be missing (a local sender), and some senders write RFC 3339.
  if (auto ts = ParseSyslogTime(s, now, LocalUtcOffsetSeconds(now) * kNanosPerSecond)) {
    m.has_timestamp = true;
    m.timestamp = *ts;
    if (s.starts_with(" ")) s.remove_prefix(1);
  } else if (s.size() > 20 && IsDigit(s[0]) && s[4] == '-') {
    std::string_view field = s.substr(0, s.find(' '));
    auto parsed = ParseRfc3339(field);
    if (parsed.ok()) {
      m.has_timestamp = true;
      m.timestamp = *parsed;
      s.remove_prefix(std::min(s.size(), field.size() + 1));
    }
  }
  // A hostname is a field without ':' or '[' that is followed by a tag.
  auto looks_like_tag = [](std::string_view field) {
    return !field.empty() && (field.back() == ':' || field.find('[') != std::string_view::npos);
  };
  if (m.has_timestamp) {
    size_t space = s.find(' ');
    std::string_view first = s.substr(0, space);
    if (space != std::string_view::npos && !looks_like_tag(first)) {
      m.hostname = std::string(first);
      s.remove_prefix(space + 1);
    }
  }
  // TAG: up to 32 alphanumerics and a few more, then "[pid]" and/or ":".
  size_t i = 0;
  while (i < s.size() && i < 48 && s[i] != ' ' && s[i] != ':' && s[i] != '[') ++i;
  if (i > 0 && i < s.size() && (s[i] == ':' || s[i] == '[')) {
    std::string_view tag = s.substr(0, i);
    std::string_view rest = s.substr(i);
    std::string procid;
    bool ok = true;
    if (rest.starts_with("[")) {
      size_t close = rest.find(']');
      if (close == std::string_view::npos) {
        ok = false;
      } else {
        procid = std::string(rest.substr(1, close - 1));
        rest.remove_prefix(close + 1);
      }
    }
    if (ok && rest.starts_with(":")) {
      rest.remove_prefix(1);
      if (rest.starts_with(" ")) rest.remove_prefix(1);
      m.app_name = std::string(tag);
      m.procid = std::move(procid);
      s = rest;
    }
  }
  m.message = std::string(s);
  return m;
}

}  // namespace

Result<SyslogMessage> ParseSyslog(std::string_view text, TimestampNs now) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == '\0')) {
    text.remove_suffix(1);
  }
  if (text.empty()) return Status::InvalidArgument("empty syslog message");
  SyslogMessage m;
  int pri = 0;
  std::string_view rest = text;
  if (!ReadPri(rest, pri)) {
    m.message = std::string(text);
    return m;
  }
  m.facility = pri / 8;
  m.severity = pri % 8;
  if (rest.size() >= 2 && IsDigit(rest[0]) &&
      (rest[1] == ' ' || (IsDigit(rest[1]) && rest.size() > 2 && rest[2] == ' '))) {
    return Parse5424(rest, std::move(m));
  }
  return Parse3164(rest, std::move(m), now);
}

std::string_view SyslogFacilityName(int facility) {
  static constexpr const char* kNames[] = {
      "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
      "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
      "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7"};
  return facility >= 0 && facility < 24 ? kNames[facility] : "unknown";
}

std::string_view SyslogSeverityName(int severity) {
  static constexpr const char* kNames[] = {"emerg",   "alert",  "crit", "err",
                                           "warning", "notice", "info", "debug"};
  return severity >= 0 && severity < 8 ? kNames[severity] : "unknown";
}

std::string_view SyslogLevel(int severity) {
  if (severity <= 2) return "critical";
  if (severity == 3) return "error";
  if (severity == 4) return "warn";
  if (severity <= 6) return "info";
  return "debug";
}

void AppendSyslogRecord(const SyslogMessage& m, TimestampNs received,
                        std::vector<StreamBatch>& batches) {
  std::vector<Label> labels;
  if (!m.hostname.empty()) labels.push_back(Label{"hostname", m.hostname});
  if (!m.app_name.empty()) labels.push_back(Label{"app_name", m.app_name});
  labels.push_back(Label{"facility", std::string(SyslogFacilityName(m.facility))});
  labels.push_back(Label{"severity", std::string(SyslogSeverityName(m.severity))});
  labels.push_back(Label{"level", std::string(SyslogLevel(m.severity))});
  Labels stream(std::move(labels));
  std::vector<Label> metadata;
  if (!m.procid.empty()) metadata.push_back(Label{"procid", m.procid});
  if (!m.msgid.empty()) metadata.push_back(Label{"msgid", m.msgid});
  for (const Label& sd : m.structured_data) metadata.push_back(sd);
  Entry entry{m.has_timestamp ? m.timestamp : received, m.message, Labels(std::move(metadata))};
  // Consecutive messages of one stream share a batch; a relay mixes a
  // few streams, so a short look back finds most.
  for (size_t back = 0; back < batches.size() && back < 8; ++back) {
    StreamBatch& b = batches[batches.size() - 1 - back];
    if (b.labels == stream) {
      b.entries.push_back(std::move(entry));
      return;
    }
  }
  batches.push_back(StreamBatch{std::move(stream), {}});
  batches.back().entries.push_back(std::move(entry));
}

Status SyslogFramer::Add(std::string_view bytes, std::vector<std::string>& out) {
  pending_.append(bytes);
  size_t pos = 0;
  Status status = Status::Ok();
  while (pos < pending_.size()) {
    char first = pending_[pos];
    if (first == '\n' || first == '\r' || first == '\0') {
      ++pos;  // empty lines between frames
      continue;
    }
    if (IsDigit(first)) {
      // Octet counting: MSG-LEN SP SYSLOG-MSG.
      size_t space = pending_.find(' ', pos);
      if (space == std::string::npos) {
        if (pending_.size() - pos > 10) {
          status = Status::InvalidArgument("syslog frame length is not a number");
        }
        break;
      }
      size_t length = 0;
      auto [ptr, ec] = std::from_chars(pending_.data() + pos, pending_.data() + space, length);
      if (ec != std::errc() || ptr != pending_.data() + space) {
        status = Status::InvalidArgument("syslog frame length is not a number");
        break;
      }
      if (length > max_) {
        status = Status::InvalidArgument("syslog frame of " + std::to_string(length) +
                                         " bytes is over the limit of " + std::to_string(max_));
        break;
      }
      if (pending_.size() - (space + 1) < length) break;  // wait for the rest
      out.emplace_back(pending_, space + 1, length);
      pos = space + 1 + length;
      continue;
    }
    // Non-transparent framing: up to LF (or NUL).
    size_t end = pending_.find_first_of(std::string_view("\n\0", 2), pos);
    if (end == std::string::npos || end - pos > max_) {
      if (pending_.size() - pos > max_) {
        // A line over the limit: cut it into messages of the limit's size.
        out.emplace_back(pending_, pos, max_);
        pos += max_;
        continue;
      }
      break;
    }
    size_t stop = end;
    if (stop > pos && pending_[stop - 1] == '\r') --stop;
    out.emplace_back(pending_, pos, stop - pos);
    pos = end + 1;
  }
  pending_.erase(0, pos);
  return status;
}

void SyslogFramer::Finish(std::vector<std::string>& out) {
  size_t start = pending_.find_first_not_of(std::string_view("\r\n\0", 3));
  if (start != std::string::npos) {
    if (IsDigit(pending_[start])) {
      // An octet-counted frame cut short by the end of the stream: keep
      // what arrived of its message.
      size_t space = pending_.find(' ', start);
      if (space != std::string::npos && space + 1 < pending_.size()) {
        out.push_back(pending_.substr(space + 1));
      }
    } else {
      out.push_back(pending_.substr(start));
    }
  }
  pending_.clear();
}

}  // namespace lode
