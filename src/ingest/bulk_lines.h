// Bulk bodies of many records: newline-delimited JSON objects
// (/insert/jsonl) and plain text lines (/insert/plain).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/push_report.h"
#include "model/record.h"

namespace lode {

struct JsonLinesOptions {
  // The field holding each record's time: RFC 3339, or epoch seconds,
  // ms, us or ns (a number or a string of digits). Empty: the first of
  // _time, timestamp, time, ts, @timestamp that is present; none: now.
  std::string time_field;
  // The field holding the line. Empty: the line is the whole object, as
  // sent, and no field becomes metadata.
  std::string msg_field;
  // Fields whose values become stream labels (a dotted name reaches into
  // nested objects; the label is named with `_` for `.`).
  std::vector<std::string> stream_fields;
  // Labels of every record.
  Labels labels;
};

// One record per non-empty line. A line that is not a JSON object is
// refused in `report` ("line N: ...") and the others are kept. With a
// msg_field, the fields that are not the time, the message or stream
// fields become structured metadata (nested names joined with `_`).
std::vector<StreamBatch> DecodeJsonLines(std::string_view body, const JsonLinesOptions& options,
                                         TimestampNs now, PushReport& report);

// One record per line of text, labelled `labels`. `time_format` empty:
// each record at the receive time (in order, a nanosecond apart); "auto":
// the time found at the start of the line (as `lode import` finds it),
// else the receive time; anything else: that format (see
// TimestampDetector::WithFormat).
Result<std::vector<StreamBatch>> DecodePlainLines(std::string_view body, const Labels& labels,
                                                  const std::string& time_format, TimestampNs now);

}  // namespace lode
