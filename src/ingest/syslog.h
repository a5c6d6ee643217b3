// Syslog messages (RFC 5424 and RFC 3164) and their TCP framing
// (RFC 6587: octet counting or newline-terminated), into log records.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/record.h"

namespace lode {

struct SyslogMessage {
  int facility = 1;  // user
  int severity = 5;  // notice
  bool has_timestamp = false;
  TimestampNs timestamp = 0;
  std::string hostname, app_name, procid, msgid;
  // RFC 5424 structured data, as (sd-id_param-name, value) pairs.
  std::vector<Label> structured_data;
  std::string message;
};

// Parses one message. `now` fills the year of RFC 3164 timestamps (which
// have none, and are taken as this machine's local time). Input that has
// no <PRI> is taken whole as the message of a user.notice record, as
// syslog daemons do; only an empty message is an error.
Result<SyslogMessage> ParseSyslog(std::string_view text, TimestampNs now);

// facility and severity names: "local0", "err", ...
std::string_view SyslogFacilityName(int facility);
std::string_view SyslogSeverityName(int severity);
// The `level` of a severity: critical, error, warn, info or debug.
std::string_view SyslogLevel(int severity);

// A record of a message: labels hostname, app_name, facility, severity
// and level (those present); procid, msgid and structured data as
// structured metadata; the message as the line; the receive time when the
// message has none.
void AppendSyslogRecord(const SyslogMessage& message, TimestampNs received,
                        std::vector<StreamBatch>& batches);

// Splits a TCP byte stream into messages: each frame is either
// "<length> <message>" (octet counting) or a message ended by LF (a CR
// before it is dropped), told apart by its first byte, as RFC 6587 says.
class SyslogFramer {
 public:
  explicit SyslogFramer(size_t max_message_size) : max_(max_message_size) {}

  // Adds bytes read from the connection; complete messages go to `out`.
  // An error (a frame over the size limit, a bad length) means the
  // stream cannot be followed any further: the connection must close.
  Status Add(std::string_view bytes, std::vector<std::string>& out);
  // At the end of the stream: what is left is a last unterminated message.
  void Finish(std::vector<std::string>& out);

 private:
  const size_t max_;
  std::string pending_;
};

}  // namespace lode
