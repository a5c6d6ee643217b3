#include "wire/loki_push_json.h"

#include <simdjson.h>

#include <charconv>

#include "base/time.h"

namespace lode {
namespace {

using simdjson::dom::element;

Status Bad(const std::string& where, const std::string& what) {
  return Status::InvalidArgument(where + ": " + what);
}

// Label names and counts are checked later, per stream (push_validation),
// so that one bad stream does not refuse the others. `where()` names the
// object's place in the body, for an error only (see DecodeTimestamp).
template <typename Where>
Result<Labels> DecodeLabelObject(element value, Where where) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return Bad(where(), "must be an object of string values");
  }
  std::vector<Label> labels;
  for (auto field : object) {
    std::string name(field.key);
    std::string_view v;
    if (field.value.get_string().get(v) != simdjson::SUCCESS) {
      return Bad(where() + "." + name, "label value must be a string");
    }
    labels.push_back(Label{std::move(name), std::string(v)});
  }
  return Labels(std::move(labels));
}

// `where()` names the value's place in the body; called only for an error
// (a string built per entry was an allocation per line).
template <typename Where>
Result<TimestampNs> DecodeTimestamp(element value, Where where) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    return Bad(where(), "timestamp must be a string of nanoseconds since the epoch");
  }
  int64_t ns = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), ns);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return Bad(where(),
               "timestamp \"" + std::string(text) + "\" is not an integer number of nanoseconds");
  }
  return ns;
}

// The legacy form (/api/prom/push):
//   {"labels":"{app=\"x\"}","entries":[{"ts":"<RFC 3339>","line":"..."}]}
Status DecodeLegacyStream(simdjson::dom::object stream, std::string_view labels_text,
                          const std::string& where, StreamBatch& batch) {
  auto labels = Labels::Parse(labels_text);
  if (!labels.ok()) return Bad(where + ".labels", labels.status().message());
  batch.labels = std::move(*labels);
  simdjson::dom::array entries;
  if (stream["entries"].get_array().get(entries) != simdjson::SUCCESS) {
    return Bad(where, "missing \"entries\" array");
  }
  size_t i = 0;
  for (element entry_el : entries) {
    // Where an error is, written only for an error: a string per entry
    // was an allocation per line.
    auto at = [&] { return where + ".entries[" + std::to_string(i) + "]"; };
    std::string_view ts, line;
    if (entry_el["ts"].get_string().get(ts) != simdjson::SUCCESS) {
      return Bad(at(), "missing \"ts\" (an RFC 3339 time)");
    }
    if (entry_el["line"].get_string().get(line) != simdjson::SUCCESS) {
      return Bad(at(), "missing \"line\" string");
    }
    auto timestamp = ParseRfc3339(ts);
    if (!timestamp.ok()) return Bad(at() + ".ts", timestamp.status().message());
    ++i;
    batch.entries.push_back(Entry{*timestamp, std::string(line), {}});
  }
  return Status::Ok();
}

Status DecodeStream(element stream_el, const std::string& where, StreamBatch& batch) {
  simdjson::dom::object stream;
  if (stream_el.get_object().get(stream) != simdjson::SUCCESS) {
    return Bad(where, "must be an object with \"stream\" and \"values\"");
  }
  std::string_view legacy_labels;
  if (stream["labels"].get_string().get(legacy_labels) == simdjson::SUCCESS) {
    return DecodeLegacyStream(stream, legacy_labels, where, batch);
  }
  element labels_el;
  if (stream["stream"].get(labels_el) != simdjson::SUCCESS) return Bad(where, "missing \"stream\"");
  LODE_ASSIGN_OR_RETURN(batch.labels,
                        DecodeLabelObject(labels_el, [&] { return where + ".stream"; }));

  simdjson::dom::array values;
  if (stream["values"].get_array().get(values) != simdjson::SUCCESS) {
    return Bad(where, "missing \"values\" array");
  }
  size_t i = 0;
  for (element value_el : values) {
    // Where an error is, written only for an error: a string per entry
    // was an allocation per line.
    auto at = [&] { return where + ".values[" + std::to_string(i) + "]"; };
    simdjson::dom::array tuple;
    if (value_el.get_array().get(tuple) != simdjson::SUCCESS) {
      return Bad(at(), "must be an array [\"<ns>\", \"<line>\"] or with a metadata object third");
    }
    size_t n = tuple.size();
    if (n != 2 && n != 3) {
      return Bad(at(), "must have 2 or 3 elements, has " + std::to_string(n));
    }
    Entry entry;
    LODE_ASSIGN_OR_RETURN(entry.timestamp,
                          DecodeTimestamp(tuple.at(0).value(), [&] { return at() + "[0]"; }));
    std::string_view line;
    if (tuple.at(1).get_string().get(line) != simdjson::SUCCESS) {
      return Bad(at() + "[1]", "log line must be a string");
    }
    entry.line.assign(line);
    if (n == 3) {
      LODE_ASSIGN_OR_RETURN(entry.metadata,
                            DecodeLabelObject(tuple.at(2).value(), [&] { return at() + "[2]"; }));
    }
    batch.entries.push_back(std::move(entry));
    ++i;
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<StreamBatch>> DecodeLokiPushJson(std::string_view body) {
  simdjson::dom::parser parser;
  element root;
  auto error = parser.parse(body.data(), body.size()).get(root);
  if (error != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string("invalid JSON push body: ") +
                                   simdjson::error_message(error));
  }
  simdjson::dom::array streams;
  if (root["streams"].get_array().get(streams) != simdjson::SUCCESS) {
    return Status::InvalidArgument("push body must be an object with a \"streams\" array");
  }
  std::vector<StreamBatch> batches;
  size_t i = 0;
  for (element stream_el : streams) {
    StreamBatch batch;
    LODE_RETURN_IF_ERROR(DecodeStream(stream_el, "streams[" + std::to_string(i++) + "]", batch));
    batches.push_back(std::move(batch));
  }
  return batches;
}

}  // namespace lode
